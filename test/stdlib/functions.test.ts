// stdlib/functions.loss: the activations written as their formulas come out in their stable forms
// (explain), and stay finite and exact far out, where the literal formulas overflow.

import { describe, expect, it } from 'vitest';
import { stdlib, type Tensor } from '../../index.js';

const far = { data: Float64Array.from([-1000, -30, 0, 30, 1000]), shape: [5] };

/** The program after simplification and stabilization, as explain() prints it. */
function stabilized(name: string, options = {}): string {
  const text = stdlib[name]!(options).explain({ input: far });
  const at = text.indexOf('== simplified and stabilized ==');
  return text.slice(at, text.indexOf('\n== ', at + 4));
}

describe('activations as formulas, in stable forms', () => {
  it('softmax and log_softmax use logsumexp, not exp(x) / sum(exp(x))', () => {
    for (const name of ['softmax', 'log_softmax']) {
      const s = stabilized(name, { dim: 0 });
      expect(s, name).toContain('logsumexp(input');
      expect(s, name).not.toContain('/ sum(exp');
    }
    const sm = stdlib.softmax!({ dim: 0 }).forward({ input: far }) as Tensor;
    expect(Array.from(sm.data)).toEqual([0, 0, 0, 0, 1]);
    const lsm = stdlib.log_softmax!({ dim: 0 }).forward({ input: far }) as Tensor;
    expect(lsm.data[4]).toBe(0);
    expect(lsm.data[0]).toBe(-2000);
  });

  it('softplus, logsigmoid and mish use softplus / logsigmoid primitives', () => {
    expect(stabilized('softplus')).toContain('softplus(input)');
    expect(stabilized('logsigmoid')).toContain('logsigmoid(input)');
    expect(stabilized('mish')).toContain('softplus(input)');
    const sp = stdlib.softplus!().forward({ input: far }) as Tensor;
    expect(sp.data[0]).toBe(0);
    expect(sp.data[4]).toBe(1000);
    const ls = stdlib.logsigmoid!().forward({ input: far }) as Tensor;
    expect(ls.data[0]).toBe(-1000);
    const mish = stdlib.mish!().valueAndGrad({ input: far }, { gradOutput: { data: [1, 1, 1, 1, 1], shape: [5] } });
    expect(mish.value.data[4]).toBe(1000);
    expect(Object.is(mish.value.data[0], -0) || mish.value.data[0] === 0).toBe(true);
    expect(Array.from(mish.grads.input!.data).every(Number.isFinite)).toBe(true);
  });

  it('softplus is linear where beta * input > threshold (strictly)', () => {
    const x = { data: Float64Array.from([2, 2.0000001, 1.9999999]), shape: [3] };
    const out = stdlib.softplus!({ beta: 10, threshold: 20 }).forward({ input: x }) as Tensor;
    expect(out.data[0]).toBe(Math.log1p(Math.exp(20)) / 10);
    expect(out.data[1]).toBe(2.0000001);
  });
});
