// Done-when checks for stability: losses written the naive way, on inputs far past float64's
// overflow edges, give finite values and gradients equal to PyTorch's stable functions to
// 1e-9 relative (test/fixtures/stability.json, made by scripts/fixtures/stability.py). The same
// formulas compiled with `stabilize: false` overflow, which shows the fixture bites.

import { describe, expect, it } from 'vitest';
import { compile, type Tensor } from '../../index.js';
import { num, readFixture, toTensor, type FixtureTensor } from '../fixtures/load.js';

interface Case {
  name: string;
  formula: string;
  note: string;
  params: Record<string, number | string | boolean>;
  inputs: Record<string, FixtureTensor>;
  grad_output: FixtureTensor;
  value: FixtureTensor;
  grads: Record<string, FixtureTensor>;
}

const { cases } = readFixture<{ cases: Case[] }>('stability.json');

function expectClose(actual: Tensor, expected: FixtureTensor, what: string) {
  expect(actual.shape, `${what} shape`).toEqual(expected.shape);
  expected.data.forEach((e, i) => {
    const want = num(e);
    const got = actual.data[i]!;
    expect(Number.isFinite(got), `${what}[${i}] = ${got} is finite`).toBe(true);
    if (!(Math.abs(got - want) <= 1e-9 * Math.abs(want) + 1e-300)) expect.fail(`${what}[${i}]: got ${got}, expected ${want}`);
  });
}

function run(c: Case, stabilize: boolean, float32 = false) {
  const loss = compile(c.formula, { params: c.params, stabilize });
  const inputs = Object.fromEntries(Object.entries(c.inputs).map(([k, t]) => [k, toTensor(t, float32)]));
  const scalar = c.value.shape.length === 0;
  return loss.valueAndGrad(inputs, scalar ? {} : { gradOutput: toTensor(c.grad_output, float32) });
}

const allFinite = (r: { value: Tensor; grads: Record<string, Tensor> }) =>
  [r.value, ...Object.values(r.grads)].every((t) => Array.from(t.data).every(Number.isFinite));

describe('naive formulas on extreme inputs match PyTorch stable functions', () => {
  it('covers the five done-when losses', () => {
    for (const n of ['cross_entropy_logits_5000', 'bce_log_sigmoid_500', 'softplus_mean_800', 'logsumexp_3000', 'distillation_T4']) {
      expect(cases.map((c) => c.name)).toContain(n);
    }
  });
  for (const c of cases) {
    it(`${c.name}: ${c.formula.replace(/\n/g, ' ⏎ ')}`, () => {
      const r = run(c, true);
      expectClose(r.value, c.value, 'value');
      for (const [k, g] of Object.entries(c.grads)) expectClose(r.grads[k]!, g, `grad ${k}`);
    });
    it(`${c.name} as written (stabilize: false) is not finite (${c.note})`, () => {
      expect(allFinite(run(c, false))).toBe(false);
    });
    it(`${c.name} with float32 inputs stays finite`, () => {
      const r = run(c, true, true);
      expect(r.value.data).toBeInstanceOf(Float32Array);
      expect(allFinite(r)).toBe(true);
    });
  }
});

describe('logsumexp rows at the edges', () => {
  const lse = compile('logsumexp(x, dim=1)');
  it('an all -inf row gives -inf, not NaN', () => {
    const x = { data: [-Infinity, -Infinity, -Infinity, 0, -Infinity, 1], shape: [2, 3] };
    const v = lse.forward({ x }).data;
    expect(v[0]).toBe(-Infinity);
    expect(v[1]).toBeCloseTo(1 + Math.log1p(Math.exp(-1)), 15);
  });
  it('a row with +inf gives +inf, a row with NaN gives NaN', () => {
    const x = { data: [Infinity, 0, 1, NaN, 0, 1], shape: [2, 3] };
    const v = lse.forward({ x }).data;
    expect(v[0]).toBe(Infinity);
    expect(v[1]).toBeNaN();
  });
  it('log(sum(exp(x))) of an all -inf row is -inf too', () => {
    const x = { data: [-Infinity, -Infinity], shape: [1, 2] };
    expect(compile('log(sum(exp(x), dim=1))').forward({ x }).data[0]).toBe(-Infinity);
  });
});

describe('derivatives that do not divide by zero', () => {
  it('prod: the product of the others, also at one zero and at two', () => {
    const r = compile('sum(prod(x, dim=1))').valueAndGrad({ x: { data: [2, 3, 4, 0, 3, 4, 0, 0, 5], shape: [3, 3] } });
    expect(Array.from(r.grads.x!.data)).toEqual([12, 8, 6, 12, 0, 0, 0, 0, 0]);
  });
  it('tanh far out: 4 sigmoid(2x) sigmoid(-2x) is e^-40-sized, not 1 - 1 = 0', () => {
    const g = compile('sum(tanh(x))').valueAndGrad({ x: { data: [20, -20], shape: [2] } }).grads.x!.data;
    const want = 4 * Math.exp(-40) / (1 + Math.exp(-40)) ** 2;
    for (const v of g) expect(Math.abs(v / want - 1)).toBeLessThan(1e-14);
  });
  it('expm1 far out: exp(x), not expm1(x) + 1 = 0', () => {
    const g = compile('sum(expm1(x))').valueAndGrad({ x: { data: [-40], shape: [1] } }).grads.x!.data;
    expect(g[0]).toBe(Math.exp(-40));
  });
  it('log1mexp far out: exp(x) / expm1(x), not -1 / expm1(-x) = -1 / inf', () => {
    const g = compile('sum(log1mexp(x))').valueAndGrad({ x: { data: [-709.9], shape: [1] } }).grads.x!.data;
    expect(g[0]).toBeLessThan(0);
    expect(Math.abs(g[0]! / -Math.exp(-709.9) - 1)).toBeLessThan(1e-12);
  });
  it('logaddexp of two equal infinities shares the gradient', () => {
    const g = compile('sum(logaddexp(a, b))').valueAndGrad({ a: { data: [Infinity, -Infinity], shape: [2] }, b: { data: [Infinity, -Infinity], shape: [2] } }).grads;
    expect(Array.from(g.a!.data)).toEqual([0.5, 0.5]);
  });
});
