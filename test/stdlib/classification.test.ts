// stdlib/classification.loss beyond the fixtures: the mistakes a user can make (each a LossError
// saying what), the value checks PyTorch makes at run time, the stable forms the compiler gives
// the losses written as their formulas, and the losses called from a formula.

import { describe, expect, it } from 'vitest';
import { compile, LossError, stdlib, type Tensor } from '../../index.js';
import { randint, randn, rng, uniform } from '../helpers.js';

const r = rng(5);
const logits = randn([4, 3], r);
const classes = randint([4], 3, r);

/** The program after simplification and stabilization, as explain() prints it. */
function stabilized(explained: string): string {
  const at = explained.indexOf('== simplified and stabilized ==');
  return explained.slice(at, explained.indexOf('\n== ', at + 4));
}

describe('mistakes raise LossError saying what', () => {
  it('class indices given as floats', () => {
    const target = { data: Float64Array.from(classes.data), shape: [4] };
    expect(() => stdlib.cross_entropy!().forward({ input: logits, target })).toThrow(/class-index targets must be an int tensor/);
    expect(() => stdlib.nll_loss!().forward({ input: logits, target })).toThrow(LossError);
  });
  it('a class index out of range names the index and its position', () => {
    const target = { data: Int32Array.from([0, 3, 1, 2]), shape: [4] };
    expect(() => stdlib.cross_entropy!().forward({ input: logits, target })).toThrow(/class index 3 is out of range \[0, 3\).*at position \[1\]/s);
  });
  it('a class weight of the wrong size', () => {
    expect(() => stdlib.cross_entropy!().forward({ input: logits, target: classes, weight: uniform([4], r, 0, 1) })).toThrow(/one entry per class/);
    expect(() => stdlib.nll_loss!().forward({ input: logits, target: classes, weight: uniform([2], r, 0, 1) })).toThrow(/one entry per class/);
  });
  it('probability targets of another shape, or with ignore_index', () => {
    expect(() => stdlib.cross_entropy!().forward({ input: logits, target: uniform([1, 3], r, 0, 1) })).toThrow(/must have input's shape/);
    expect(() => stdlib.cross_entropy!({ ignore_index: 0 }).forward({ input: logits, target: uniform([4, 3], r, 0, 1) })).toThrow(/ignore_index is not supported/);
  });
  it('label_smoothing outside [0, 1] and an unknown reduction', () => {
    expect(() => stdlib.cross_entropy!({ label_smoothing: -0.1 }).forward({ input: logits, target: classes })).toThrow(/label_smoothing must be between/);
    expect(() => stdlib.cross_entropy!({ reduction: 'avg' }).forward({ input: logits, target: classes })).toThrow(/reduction/);
  });
  it('binary targets of another shape', () => {
    expect(() => stdlib.binary_cross_entropy_with_logits!().forward({ input: logits, target: uniform([4, 1], r, 0, 1) })).toThrow(/target must have input's shape/);
  });
});

describe('value checks PyTorch makes at run time', () => {
  it("binary_cross_entropy's input must lie in [0, 1]; NaN is refused too", () => {
    const target = uniform([2, 2], r, 0, 1);
    const input = { data: Float64Array.from([0.5, 0.2, 1.5, 0.1]), shape: [2, 2] };
    expect(() => stdlib.binary_cross_entropy!().forward({ input, target })).toThrow(/all elements of input should be between 0 and 1 \(element \[1, 0\] is 1\.5\)/);
    input.data[2] = NaN;
    expect(() => stdlib.binary_cross_entropy!().valueAndGrad({ input, target })).toThrow(LossError);
  });
  it('soft_margin_loss: no gradient for target, as in PyTorch; the default wrt leaves it out', () => {
    const input = randn([5], r);
    const target = { data: Float64Array.from([1, -1, 1, 1, -1]), shape: [5] };
    const loss = stdlib.soft_margin_loss!();
    expect(Object.keys(loss.valueAndGrad({ input, target }).grads)).toEqual(['input']);
    expect(() => loss.valueAndGrad({ input, target }, { wrt: ['input', 'target'] })).toThrow(/cannot be differentiated with respect to 'target'/);
  });
});

describe('written as formulas, computed in stable forms', () => {
  it('binary_cross_entropy_with_logits and multilabel_soft_margin_loss: log(sigmoid(x)) becomes logsigmoid(x)', () => {
    for (const name of ['binary_cross_entropy_with_logits', 'multilabel_soft_margin_loss']) {
      const s = stabilized(stdlib[name]!().explain());
      expect(s, name).toContain('logsigmoid(input)');
      expect(s, name).toContain('logsigmoid(-input)');
      expect(s, name).not.toMatch(/log\(sigmoid|log\(1 - sigmoid/);
    }
  });
  it('soft_margin_loss: log(1 + exp(z)) becomes softplus(z)', () => {
    const s = stabilized(stdlib.soft_margin_loss!().explain());
    expect(s).toContain('softplus(');
    expect(s).not.toContain('exp(');
  });
  it('cross_entropy: log(softmax(x)) becomes x - logsumexp(x)', () => {
    const s = stabilized(stdlib.cross_entropy!().explain({ input: logits, target: classes }));
    expect(s).toContain('logsumexp(input');
    expect(s).not.toMatch(/log\(exp|exp\(input\) \//);
  });
  it('so the logit losses stay finite where a literal evaluation overflows', () => {
    const input = { data: Float64Array.from([800, -800, 40, -40]), shape: [4] };
    const target = { data: Float64Array.from([0, 1, 0, 1]), shape: [4] };
    const v = stdlib.binary_cross_entropy_with_logits!({ reduction: 'none' }).forward({ input, target }) as Tensor;
    expect(Array.from(v.data)).toEqual([800, 800, 40 + Math.log1p(Math.exp(-40)), 40 + Math.log1p(Math.exp(-40))]);
  });
});

describe('called from a formula', () => {
  it('cross_entropy(x, t, …) in a formula is stdlib.cross_entropy', () => {
    const f = compile('cross_entropy(x, t, reduction="sum", label_smoothing=0.2)');
    const a = f.valueAndGrad({ x: logits, t: classes });
    const b = stdlib.cross_entropy!({ reduction: 'sum', label_smoothing: 0.2 }).valueAndGrad({ input: logits, target: classes });
    expect(a.value.data[0]).toBe(b.value.data[0]);
    expect(Array.from(a.grads.x!.data)).toEqual(Array.from(b.grads.input!.data));
  });
  it('composes: nll_loss of log_softmax is cross_entropy', () => {
    const f = compile('nll_loss(log_softmax(x, 1), t)');
    const a = f.forward({ x: logits, t: classes }) as Tensor;
    const b = stdlib.cross_entropy!().forward({ input: logits, target: classes }) as Tensor;
    expect(Math.abs(a.data[0]! - b.data[0]!)).toBeLessThan(1e-15);
  });
});
