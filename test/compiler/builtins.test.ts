// Every built-in's gradient against central finite differences in float64, on random shapes
// with broadcasting and rank 3, and values against independent JS formulas.

import { describe, expect, it } from 'vitest';
import { compile } from '../../index.js';
import { fdCheck, randint, randn, rng, uniform } from '../helpers.js';

const r = rng(20261129);
type Inputs = Parameters<typeof fdCheck>[1];

const GRADIENT_CASES: [string, () => Inputs][] = [
  ['sum(exp(x) * y)', () => ({ x: randn([3, 4], r), y: randn([4], r) })],
  ['sum(log(x) + log1p(x) + expm1(x) + sqrt(x))', () => ({ x: uniform([2, 3, 4], r, 0.2, 3) })],
  ['sum(abs(x) * sign(x) + relu(x) ^ 2)', () => ({ x: randn([3, 4], r) })],
  ['sum(sigmoid(x) + logsigmoid(x) + softplus(x) + tanh(x))', () => ({ x: randn([2, 3, 4], r, 3) })],
  ['sum(sin(x) * cos(x) + tan(x / 4) + atan(x))', () => ({ x: randn([5], r) })],
  ['sum(asin(x) + acos(x))', () => ({ x: uniform([6], r, -0.9, 0.9) })],
  ['sum(clamp(x, -0.5, 0.5) + clamp(x, min=0) + clamp(x, max=0.3))', () => ({ x: randn([3, 4], r) })],
  ['sum(pow(x, y) + x ^ 3 + 2 ^ y)', () => ({ x: uniform([4], r, 0.5, 2), y: randn([4], r) })],
  ['sum(max(x, y) + min(x, 0.1))', () => ({ x: randn([3, 1], r), y: randn([4], r) })],
  ['sum(where(x > y, x * y, x - y))', () => ({ x: randn([2, 3, 4], r), y: randn([3, 1], r) })],
  ['sum(logaddexp(x, y) + xlogy(y, x))', () => ({ x: uniform([4], r, 0.5, 2), y: randn([3, 4], r) })],
  ['sum(log1mexp(-x))', () => ({ x: uniform([5], r, 0.01, 5) })],
  ['sum(sum(x, dim=1) ^ 2) + sum(mean(x, dim=[0, 2], keepdim=true) * x)', () => ({ x: randn([2, 3, 4], r) })],
  ['sum(prod(x, dim=-1))', () => ({ x: randn([3, 4], r) })],
  ['sum(max(x, dim=1)) + sum(min(x, dim=0, keepdim=true)) + max(x)', () => ({ x: randn([3, 4], r) })],
  ['sum(logsumexp(x, dim=2)) + logsumexp(x)', () => ({ x: randn([2, 3, 4], r, 3) })],
  ['sum(norm(x, 2, dim=1)) + sum(norm(x, 3, dim=0)) + norm(x, 1) + norm(x, inf)', () => ({ x: randn([3, 4], r) })],
  ['sum(softmax(x, dim=1) * y) + sum(log_softmax(x, dim=0) * y)', () => ({ x: randn([3, 4], r), y: randn([3, 4], r) })],
  ['sum(pick(x, t, dim=1) ^ 2) + sum(pick(x, u, dim=0))', () => ({ x: randn([3, 4], r), t: randint([3], 4, r), u: randint([4], 3, r) })],
  ['sum(onehot(t, 4) * x)', () => ({ x: randn([3, 4], r), t: randint([3], 4, r) })],
  ['sum(c[t] * x)', () => ({ c: randn([5, 4], r), x: randn([3, 4], r), t: randint([3], 5, r) })],
  ['sum(matmul(a, b) ^ 2) + sum(a @ transpose(a))', () => ({ a: randn([2, 3], r), b: randn([3, 4], r) })],
  ['sum(sigmoid(a @ b))', () => ({ a: randn([2, 3, 4], r), b: randn([4, 2], r) })],
  ['sum(v @ m) + sum(m @ w) + v @ w', () => ({ v: randn([3], r), m: randn([3, 3], r), w: randn([3], r) })],
  ['sum(normalize(x) * y) + sum(normalize(x, p=1, dim=0))', () => ({ x: randn([3, 4], r), y: randn([3, 4], r) })],
  ['sum(transpose(x, 0, 2) * y)', () => ({ x: randn([2, 3, 4], r), y: randn([4, 3, 2], r) })],
  ['sum(unsqueeze(x, 1) * y) + sum(squeeze(z) ^ 2) + sum(reshape(x, [-1]) ^ 3)', () => ({ x: randn([3, 4], r), y: randn([3, 2, 4], r), z: randn([3, 1], r) })],
  ['sum(d(a, b)) + sum(pairwise_distance(a, b)) + sum(cosine_similarity(a, b)) + sum(mish(a))', () => ({ a: randn([3, 4], r), b: randn([3, 4], r) })],
  ['sum(softplus(x, beta=2) + softplus(x, beta=0.5, threshold=1))', () => ({ x: randn([8], r, 3) })],
  ['sum(floor(x) + ceil(x) + round(x) + x)', () => ({ x: randn([5], r) })],
  ['reduce(x ^ 2, "mean") + reduce(x, "sum") + reduce(x * y, "batchmean")', () => ({ x: randn([3, 4], r), y: randn([3, 4], r) })],
];

describe('gradients of built-ins match central finite differences (float64)', () => {
  for (const [src, make] of GRADIENT_CASES) {
    it(src, () => expect(fdCheck(src, make())).toBeLessThan(1e-6));
  }
  it('non-scalar values with an upstream gradient', () => {
    const x = randn([3, 4], r);
    expect(fdCheck('softmax(x, dim=1) * 3', { x }, { gradOutput: randn([3, 4], r) })).toBeLessThan(1e-6);
  });
});

describe('values of built-ins', () => {
  const eval1 = (src: string, x: number[]) => Array.from(compile(src).forward({ x: { data: x, shape: [x.length] } }).data);
  it('elementwise functions agree with Math', () => {
    const xs = [-3, -0.5, 0, 0.25, 2];
    expect(eval1('exp(x)', xs)).toEqual(xs.map(Math.exp));
    expect(eval1('tanh(x)', xs)).toEqual(xs.map(Math.tanh));
    eval1('sigmoid(x)', xs).forEach((v, i) => expect(v).toBeCloseTo(1 / (1 + Math.exp(-xs[i]!)), 15));
    expect(eval1('relu(x)', xs)).toEqual([0, 0, 0, 0.25, 2]);
    expect(eval1('sign(x)', xs)).toEqual([-1, -1, 0, 1, 1]);
  });
  it('softplus, logsigmoid, logsumexp do not overflow', () => {
    expect(eval1('softplus(x)', [1000, -1000])).toEqual([1000, 0]);
    expect(eval1('logsigmoid(x)', [-1000, 1000])).toEqual([-1000, 0]);
    expect(eval1('logsumexp(x)', [1000, 1000])[0]).toBeCloseTo(1000 + Math.LN2, 12);
    expect(eval1('logsumexp(x)', [-Infinity, -Infinity])).toEqual([-Infinity]);
  });
  it('detach stops the gradient', () => {
    const g = compile('sum(detach(x) * x)').valueAndGrad({ x: { data: [2, -3], shape: [2] } }).grads.x!;
    expect(Array.from(g.data)).toEqual([2, -3]);
  });
  it('round is half to even, as torch.round', () => {
    expect(eval1('round(x)', [0.5, 1.5, 2.5, -0.5, -1.5])).toEqual([0, 2, 2, -0, -2]);
  });
  it('reductions: mean of nothing is NaN, sum of nothing is 0', () => {
    const l = compile('mean(x) + 0 * sum(x)');
    expect(Number.isNaN(l.forward({ x: { data: [], shape: [0] } }).data[0])).toBe(true);
    expect(compile('sum(x)').forward({ x: { data: [], shape: [0, 3] } }).data[0]).toBe(0);
  });
  it('size, numel, rank and named dims are compile-time numbers', () => {
    const l = compile('sum(x) / size(x, 0) + numel(x) + rank(x) + size(x, -1)');
    expect(l.forward({ x: { data: [1, 2, 3, 4, 5, 6], shape: [2, 3] } }).data[0]).toBe(10.5 + 6 + 2 + 3);
    const f = compile('loss l(x[N, D]) = sum(x) / N + D', { loss: 'l' });
    expect(f.forward({ x: { data: [1, 2, 3, 4, 5, 6], shape: [2, 3] } }).data[0]).toBe(13.5);
  });
  it('max(x) reduces, max(a, b) is elementwise; ties split the gradient', () => {
    const l = compile('max(x) + sum(max(x, y))');
    const r2 = l.valueAndGrad({ x: { data: [1, 3, 3], shape: [3] }, y: { data: [1, 0, 5], shape: [3] } });
    expect(r2.value.data[0]).toBe(3 + 1 + 3 + 5);
    // reduction: the two tied maxima share the gradient; elementwise: the tie at 0 splits.
    expect(Array.from(r2.grads.x!.data)).toEqual([0.5, 1.5, 0.5]);
    expect(Array.from(r2.grads.y!.data)).toEqual([0.5, 0, 1]);
  });
  it('hinges against a constant pass the gradient at the kink, as clamp_min', () => {
    const g = compile('sum(max(0, x)) + sum(clamp(x, 0, 1))').valueAndGrad({ x: { data: [0, 1, -1], shape: [3] } }).grads.x!;
    expect(Array.from(g.data)).toEqual([2, 2, 0]);
  });
  it("abs'(0) = relu'(0) = 0 and the norm's gradient at 0 is 0", () => {
    const g = compile('sum(abs(x)) + sum(relu(x)) + norm(x)').valueAndGrad({ x: { data: [0, 0], shape: [2] } }).grads.x!;
    expect(Array.from(g.data)).toEqual([0, 0]);
  });
});
