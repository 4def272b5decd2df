// Every example of the playground's menu compiles and runs in Node on the inputs its own lines
// generate, to a finite scalar with finite gradients (examples must not rot as the language
// moves); the plot example gives mish and its derivative.

import { describe, expect, it } from 'vitest';
import { compile, type Tensor } from '../../index.js';
import { EXAMPLES, PLOT_EXAMPLE } from '../../playground/src/examples.js';
import { collectInputs } from '../../playground/src/inputs.js';
import { sampleCurves } from '../../cli/chart/sample.js';

describe('playground examples', () => {
  it.each(EXAMPLES.map((e) => [e.title, e] as const))('%s runs to a finite scalar and gradient', (_, e) => {
    const loss = compile(e.formula);
    const inputs = collectInputs(loss.inputs, e.inputs, '', 0);
    expect(Object.keys(inputs).sort()).toEqual([...loss.inputs].sort());
    const { value, grads } = loss.valueAndGrad(inputs) as { value: Tensor; grads: Record<string, Tensor> };
    expect(value.shape).toEqual([]);
    expect(Number.isFinite(value.data[0])).toBe(true);
    expect(Object.keys(grads).length).toBeGreaterThan(0);
    for (const g of Object.values(grads)) expect(Array.from(g.data).every(Number.isFinite)).toBe(true);
  });

  it('plots mish: f(0) = 0 and f\'(0) = tanh(ln 2) = 0.6', async () => {
    const [f, df] = await sampleCurves(compile(PLOT_EXAMPLE.formula), { from: -1, to: 1, samples: 3, grad: true, label: PLOT_EXAMPLE.formula });
    expect(f!.y[1]).toBe(0);
    expect(df!.y[1]).toBeCloseTo(0.6, 12);
    expect(f!.y[2]).toBeCloseTo(Math.tanh(Math.log1p(Math.E)), 12);
  });
});
