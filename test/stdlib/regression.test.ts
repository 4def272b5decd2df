// stdlib/regression.loss beyond the PyTorch 1.13 fixtures: the weight= of PyTorch 2.x (l1 and
// mse divide by the weight sum, huber by the element count), smooth_l1 with beta = 0 as PyTorch
// 2.x routes it, and the var shapes gaussian_nll_loss accepts or refuses. Expected values are
// computed here in plain JS.

import { describe, expect, it } from 'vitest';
import { LossError, stdlib, type Tensor } from '../../index.js';
import { randn, rng, uniform } from '../helpers.js';

const r = rng(11);
const close = (a: number, b: number, rel = 1e-12) => Math.abs(a - b) <= rel * Math.max(1, Math.abs(a), Math.abs(b));
const sum = (xs: ArrayLike<number>) => Array.from(xs).reduce((a, b) => a + b, 0);

describe('weight= (PyTorch 2.x)', () => {
  const input = randn([3, 4], r);
  const target = randn([3, 4], r);
  const weight = uniform([3, 4], r, 0.1, 2);
  const d = Array.from(input.data, (v, i) => v - target.data[i]!);
  const w = Array.from(weight.data);

  it('l1_loss and mse_loss: "mean" divides by the sum of the weights', () => {
    for (const [name, f, df] of [
      ['l1_loss', Math.abs, Math.sign],
      ['mse_loss', (v: number) => v * v, (v: number) => 2 * v],
    ] as const) {
      const loss = stdlib[name]!();
      const { value, grads } = loss.valueAndGrad({ input, target, weight }, { wrt: ['input', 'weight'] });
      const num = sum(d.map((v, i) => w[i]! * f(v)));
      expect(close(value.data[0]!, num / sum(w)), name).toBe(true);
      grads.input!.data.forEach((g, i) => expect(close(g, (w[i]! * df(d[i]!)) / sum(w)), `${name} grad input[${i}]`).toBe(true));
      grads.weight!.data.forEach((g, i) => expect(close(g, (f(d[i]!) * sum(w) - num) / sum(w) ** 2), `${name} grad weight[${i}]`).toBe(true));
      const s = stdlib[name]!({ reduction: 'sum' }).forward({ input, target, weight }) as Tensor;
      expect(close(s.data[0]!, num)).toBe(true);
      const none = stdlib[name]!({ reduction: 'none' }).forward({ input, target, weight }) as Tensor;
      none.data.forEach((v, i) => expect(close(v, w[i]! * f(d[i]!))).toBe(true));
    }
  });

  it('huber_loss: "mean" divides by the number of elements, weights or not', () => {
    const h = (v: number) => (Math.abs(v) < 0.5 ? 0.5 * v * v : 0.5 * (Math.abs(v) - 0.25));
    const value = stdlib.huber_loss!({ delta: 0.5 }).forward({ input, target, weight }) as Tensor;
    expect(close(value.data[0]!, sum(d.map((v, i) => w[i]! * h(v))) / d.length)).toBe(true);
  });

  it('without a weight, "mean" is the plain mean', () => {
    const value = stdlib.l1_loss!().forward({ input, target }) as Tensor;
    expect(close(value.data[0]!, sum(d.map(Math.abs)) / d.length)).toBe(true);
  });
});

describe('smooth_l1_loss with beta = 0', () => {
  it('is l1_loss, with gradient 0 at an exact tie (PyTorch 2.x; 1.13 gave -1, pytorch/pytorch#96813)', () => {
    const input = { data: Float64Array.from([1, 2, 3, -1]), shape: [4] };
    const target = { data: Float64Array.from([1, 0, 3, 1]), shape: [4] };
    const s = stdlib.smooth_l1_loss!({ beta: 0, reduction: 'none' }).valueAndGrad({ input, target }, { gradOutput: { data: [1, 1, 1, 1], shape: [4] } });
    const l = stdlib.l1_loss!({ reduction: 'none' }).valueAndGrad({ input, target }, { gradOutput: { data: [1, 1, 1, 1], shape: [4] } });
    expect(Array.from(s.value.data)).toEqual(Array.from(l.value.data));
    expect(Array.from(s.grads.input!.data)).toEqual([0, 1, 0, -1]);
    // -0 and 0 alike: PyTorch's sign(0) * -1 is -0 too.
    expect(Array.from(s.grads.target!.data, (v) => v + 0)).toEqual([0, -1, 0, 1]);
  });
});

describe('gaussian_nll_loss: the shapes of var', () => {
  const input = randn([2, 3, 4], r);
  const target = randn([2, 3, 4], r);
  const loss = stdlib.gaussian_nll_loss!({ reduction: 'none' });
  const expected = (v: (i: number) => number) =>
    Array.from(input.data, (x, i) => 0.5 * (Math.log(Math.max(v(i), 1e-6)) + (x - target.data[i]!) ** 2 / Math.max(v(i), 1e-6)));

  it('takes a scalar var (a float, PyTorch 2.x) as one variance for every element', () => {
    const out = loss.forward({ input, target, var: 0.7 }) as Tensor;
    expected(() => 0.7).forEach((e, i) => expect(close(out.data[i]!, e)).toBe(true));
  });

  it("takes a size-1 dim in place of any one of input's (PyTorch 2.x)", () => {
    const v = uniform([2, 1, 4], r, 0.5, 2);
    const out = loss.forward({ input, target, var: v }) as Tensor;
    expected((i) => v.data[Math.floor(i / 12) * 4 + (i % 4)]!).forEach((e, i) => expect(close(out.data[i]!, e)).toBe(true));
  });

  it('refuses other shapes and negative entries, with the element', () => {
    for (const shape of [[1, 1, 4], [3, 4], [2, 3, 2], [4]]) {
      expect(() => loss.forward({ input, target, var: uniform(shape, r, 0.5, 2) }), `var ${JSON.stringify(shape)}`).toThrow(/var is of incorrect size/);
    }
    const v = uniform([2, 3], r, 0.5, 2);
    v.data[4] = -0.25;
    expect(() => loss.forward({ input, target, var: v })).toThrow(LossError);
    expect(() => loss.forward({ input, target, var: v })).toThrow(/var has negative entry\/entries \(element \[1, 1\] is -0\.25\)/);
  });
});

describe('poisson_nll_loss', () => {
  it('adds the Stirling term only where target > 1', () => {
    const input = { data: Float64Array.from([0.5, -0.2, 1.0]), shape: [3] };
    const target = { data: Float64Array.from([0, 1, 4]), shape: [3] };
    const out = stdlib.poisson_nll_loss!({ full: true, reduction: 'none' }).forward({ input, target }) as Tensor;
    const base = Array.from(input.data, (x, i) => Math.exp(x) - target.data[i]! * x);
    expect(close(out.data[0]!, base[0]!)).toBe(true);
    expect(close(out.data[1]!, base[1]!)).toBe(true);
    expect(close(out.data[2]!, base[2]! + 4 * Math.log(4) - 4 + 0.5 * Math.log(2 * Math.PI * 4))).toBe(true);
  });
});
