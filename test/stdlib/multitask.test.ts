// Multi-task weighting by inverse gradient norms (runtime/multitask.ts, lossc multitask) against
// an independent computation: the gradients of the two task losses with respect to the shared
// weight W, written out by hand in plain JS (no compiler), their norms, the weights c / |g_i|
// and the weighted sum.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { combine, compile, LossError, MultiTaskLoss, stdlib, type MultiTaskInputs, type Tensor } from '../../index.js';
import { main } from '../../cli/main.js';
import { randn, rng } from '../helpers.js';

const N = 4;
const D = 3;
const K = 2;
const r = rng(7);
const W = randn([D, K], r);
const x = randn([N, D], r);
const y = randn([N, K], r);
const t = { data: Int32Array.from([1, 0, 1, 1]), shape: [N] };

/** Row-major [N, K] = x @ W. */
function logits(xs: Tensor, ws: Tensor): number[] {
  const out = new Array<number>(N * K).fill(0);
  for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) for (let d = 0; d < D; d++) out[n * K + k]! += xs.data[n * D + d]! * ws.data[d * K + k]!;
  return out;
}
/** dL/dW = x^T dL/dz for z = x @ W. */
function backToW(xs: Tensor, dz: number[]): number[] {
  const g = new Array<number>(D * K).fill(0);
  for (let n = 0; n < N; n++) for (let d = 0; d < D; d++) for (let k = 0; k < K; k++) g[d * K + k]! += xs.data[n * D + d]! * dz[n * K + k]!;
  return g;
}
/** mean((x W - y)^2) and its gradient with respect to W. */
function mseTask(xs: Tensor, ws: Tensor, ys: Tensor): { value: number; grad: number[] } {
  const z = logits(xs, ws);
  const diff = z.map((v, i) => v - ys.data[i]!);
  return { value: diff.reduce((a, b) => a + b * b, 0) / (N * K), grad: backToW(xs, diff.map((v) => (2 * v) / (N * K))) };
}
/** mean over rows of -log softmax(x W)[t] and its gradient with respect to W. */
function ceTask(xs: Tensor, ws: Tensor, ts: Tensor): { value: number; grad: number[] } {
  const z = logits(xs, ws);
  let value = 0;
  const dz = new Array<number>(N * K);
  for (let n = 0; n < N; n++) {
    const row = z.slice(n * K, n * K + K);
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
    value += (lse - row[ts.data[n]!]!) / N;
    row.forEach((v, k) => (dz[n * K + k] = (Math.exp(v - lse) - (k === ts.data[n]! ? 1 : 0)) / N));
  }
  return { value, grad: backToW(xs, dz) };
}
const norm = (g: number[]) => Math.sqrt(g.reduce((a, v) => a + v * v, 0));
const near = (a: number, b: number) => Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b));

const tasks = () => [
  { name: 'regression', loss: compile('mean((x @ W - y) ^ 2)') },
  { name: 'classification', loss: compile('cross_entropy(x @ W, t)') },
];
const point: MultiTaskInputs = { shared: { W }, tasks: [{ x, y }, { x, t }] };

describe('combine: tasks weighted by c / |grad_W L_i|', () => {
  it('measures the gradient norms and weights at the reference point', async () => {
    const m = await combine(tasks(), point, { shared: ['W'], scale: 0.5 });
    const a = mseTask(x, W, y);
    const b = ceTask(x, W, t);
    expect(near(m.norms[0]!, norm(a.grad))).toBe(true);
    expect(near(m.norms[1]!, norm(b.grad))).toBe(true);
    expect(near(m.weights[0]!, 0.5 / norm(a.grad))).toBe(true);
    expect(near(m.weights[1]!, 0.5 / norm(b.grad))).toBe(true);
  });

  it('evaluates the weighted sum and its gradient, the weights held fixed', async () => {
    const m = await combine(tasks(), point, { shared: ['W'] });
    // Elsewhere, with the weights of the reference point.
    const W2 = randn([D, K], r);
    const res = await m.valueAndGrad({ shared: { W: W2 }, tasks: [{ x, y }, { x, t }] });
    const a = mseTask(x, W2, y);
    const b = ceTask(x, W2, t);
    expect(res.losses.map((l, i) => near(l, [a.value, b.value][i]!))).toEqual([true, true]);
    expect(near(res.value, m.weights[0]! * a.value + m.weights[1]! * b.value)).toBe(true);
    res.grads.W!.data.forEach((g, i) => expect(near(g, m.weights[0]! * a.grad[i]! + m.weights[1]! * b.grad[i]!), `grad W[${i}]`).toBe(true));
    // The task-specific inputs get w_i times their own gradient.
    expect(Object.keys(res.taskGrads[0]!).sort()).toEqual(['x', 'y']);
    expect(Object.keys(res.taskGrads[1]!)).toEqual(['x']);
  });

  it('at the reference point every task contributes a gradient of norm c', async () => {
    const m = await combine(tasks(), point, { shared: ['W'], scale: 2 });
    const res = await m.valueAndGrad(point);
    const a = mseTask(x, W, y);
    const b = ceTask(x, W, t);
    expect(near(norm(a.grad.map((g) => m.weights[0]! * g)), 2)).toBe(true);
    expect(near(norm(b.grad.map((g) => m.weights[1]! * g)), 2)).toBe(true);
    expect(res.weights).toEqual(m.weights);
  });

  it('averages the norms over K batches, and rebalances only when asked', async () => {
    const x2 = randn([N, D], r);
    const batches: MultiTaskInputs[] = [point, { shared: { W }, tasks: [{ x: x2, y }, { x: x2, t }] }];
    const m = await combine(tasks(), batches, { shared: ['W'] });
    const g0 = (norm(mseTask(x, W, y).grad) + norm(mseTask(x2, W, y).grad)) / 2;
    expect(near(m.norms[0]!, g0)).toBe(true);
    const before = [...m.weights];
    await m.valueAndGrad(batches[1]!);
    expect(m.weights).toEqual(before);
    await m.rebalance(point);
    expect(near(m.norms[0]!, norm(mseTask(x, W, y).grad))).toBe(true);
  });

  it('floors a vanishing gradient norm at minNorm', async () => {
    const flat = compile('sum(0 * W) + 3');
    const m = await combine([{ loss: flat }, { loss: compile('mean((x @ W - y) ^ 2)') }], { shared: { W }, tasks: [{}, { x, y }] }, { shared: ['W'], minNorm: 1e-6 });
    expect(m.norms[0]).toBe(0);
    expect(m.weights[0]).toBeCloseTo(1e6, 6);
  });

  it('takes stdlib losses as tasks', async () => {
    const m = await combine([{ loss: stdlib.mse_loss!() }, { loss: stdlib.l1_loss!() }], { shared: { input: W }, tasks: [{ target: randn([D, K], r) }, { target: randn([D, K], r) }] }, { shared: ['input'] });
    expect(m.weights.every((w) => Number.isFinite(w) && w > 0)).toBe(true);
  });

  it('reports mistakes as LossError', async () => {
    const perSample = compile('(x @ W - y) ^ 2');
    await expect(combine([{ loss: perSample }], { shared: { W }, tasks: [{ x, y }] }, { shared: ['W'] })).rejects.toThrow(/must be a scalar/);
    expect(() => new MultiTaskLoss(tasks(), { shared: ['V'] })).toThrow(LossError);
    expect(() => new MultiTaskLoss([], { shared: ['W'] })).toThrow(LossError);
    expect(() => new MultiTaskLoss(tasks(), { shared: ['W'], scale: -1 })).toThrow(LossError);
    await expect(combine(tasks(), { shared: {}, tasks: [{ x, y }, { x, t }] }, { shared: ['W'] })).rejects.toThrow(/Missing input 'W'/);
    await expect(combine(tasks(), { shared: { W }, tasks: [{ x, y, W }, { x, t }] }, { shared: ['W'] })).rejects.toThrow(/give it once/);
    await expect(new MultiTaskLoss(tasks(), { shared: ['W'] }).valueAndGrad(point)).rejects.toThrow(/rebalance/);
  });
});

describe('lossc multitask', () => {
  afterEach(() => vi.restoreAllMocks());
  const json = (v: Tensor) => ({ shape: v.shape, data: Array.from(v.data), ...(v.data instanceof Int32Array ? { dtype: 'int32' } : {}) });

  it('prints the weights, the weighted value and its gradient, as the API computes them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lossc-mt-'));
    writeFileSync(join(dir, 'tasks.loss'), 'loss regression(x, W, y) = mean((x @ W - y) ^ 2)\n');
    const spec = {
      shared: ['W'],
      scale: 0.5,
      tasks: [{ name: 'regression', file: 'tasks.loss', loss: 'regression' }, { name: 'classification', formula: 'cross_entropy(x @ W, t)' }],
      inputs: { shared: { W: json(W) }, tasks: [{ x: json(x), y: json(y) }, { x: json(x), t: json(t) }] },
    };
    writeFileSync(join(dir, 'spec.json'), JSON.stringify(spec));
    let out = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
    const code = await main(['multitask', join(dir, 'spec.json')]);
    vi.restoreAllMocks();
    expect(code).toBe(0);
    const res = JSON.parse(out);
    const a = mseTask(x, W, y);
    const b = ceTask(x, W, t);
    const w = [0.5 / norm(a.grad), 0.5 / norm(b.grad)];
    expect(res.tasks).toEqual(['regression', 'classification']);
    res.weights.forEach((v: number, i: number) => expect(near(v, w[i]!)).toBe(true));
    expect(near(res.value, w[0]! * a.value + w[1]! * b.value)).toBe(true);
    res.grads.W.data.forEach((g: number, i: number) => expect(near(g, w[0]! * a.grad[i]! + w[1]! * b.grad[i]!)).toBe(true));
  });

  it('reports a spec without tasks on stderr, exit code 1', async () => {
    let err = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
    const code = await main(['multitask', JSON.stringify({ shared: ['W'], inputs: { shared: {}, tasks: [] } })]);
    vi.restoreAllMocks();
    expect(code).toBe(1);
    expect(err).toContain('"tasks"');
  });
});
