// stdlib/divergence.loss: the identity KL(p || softmax(z)) = cross-entropy(z, p) - H(p), checked
// numerically per sample, under each reduction and for the gradient (H(p) does not depend on z),
// with zeros in p (0 log 0 = 0).

import { describe, expect, it } from 'vitest';
import { compile, stdlib, type Tensor } from '../../index.js';
import { randn, rng } from '../helpers.js';

const N = 5;
const C = 4;
const r = rng(3);
const z = randn([N, C], r);
// Probability rows, one with a zero entry.
const p = randn([N, C], r);
for (let n = 0; n < N; n++) {
  let s = 0;
  for (let c = 0; c < C; c++) s += (p.data[n * C + c] = Math.exp(p.data[n * C + c]!));
  for (let c = 0; c < C; c++) p.data[n * C + c]! /= s;
}
p.data[1] = 0;
const renorm = 1 / (p.data[0]! + p.data[2]! + p.data[3]!);
for (const c of [0, 2, 3]) p.data[c]! *= renorm;

/** H(p) per row, with 0 log 0 = 0. */
const entropy = Array.from({ length: N }, (_, n) => -Array.from(p.data.slice(n * C, n * C + C)).reduce((a, v) => a + (v === 0 ? 0 : v * Math.log(v)), 0));
const close = (a: number, b: number) => Math.abs(a - b) <= 1e-13 * Math.max(1, Math.abs(a), Math.abs(b));

describe('KL = cross-entropy - entropy', () => {
  it('per sample', () => {
    const kl = compile('sum(kl_div(log_softmax(z, 1), p, reduction="none"), dim=1)').forward({ z, p }) as Tensor;
    const ce = stdlib.cross_entropy!({ reduction: 'none' }).forward({ input: z, target: p }) as Tensor;
    for (let n = 0; n < N; n++) expect(close(kl.data[n]!, ce.data[n]! - entropy[n]!), `row ${n}`).toBe(true);
  });

  it('kl_div "batchmean" is cross_entropy "mean" minus the mean entropy; kl_div "mean" is that over C', () => {
    const meanH = entropy.reduce((a, b) => a + b, 0) / N;
    const ce = (stdlib.cross_entropy!().forward({ input: z, target: p }) as Tensor).data[0]!;
    const batchmean = (compile('kl_div(log_softmax(z, 1), p, reduction="batchmean")').forward({ z, p }) as Tensor).data[0]!;
    const mean = (compile('kl_div(log_softmax(z, 1), p)').forward({ z, p }) as Tensor).data[0]!;
    expect(close(batchmean, ce - meanH)).toBe(true);
    expect(close(mean, (ce - meanH) / C)).toBe(true);
  });

  it('has the gradient of the cross-entropy with respect to the logits', () => {
    const kl = compile('kl_div(log_softmax(z, 1), p, reduction="batchmean")').valueAndGrad({ z, p }, { wrt: ['z'] });
    const ce = stdlib.cross_entropy!().valueAndGrad({ input: z, target: p }, { wrt: ['input'] });
    kl.grads.z!.data.forEach((g, i) => expect(close(g, ce.grads.input!.data[i]!), `grad z[${i}]`).toBe(true));
  });

  it('log_target gives the same divergence from log-probabilities (rows without a zero: log 0 = -inf gives NaN, as in PyTorch)', () => {
    const rows = (t: Tensor) => ({ data: t.data.slice(C), shape: [N - 1, C] });
    const q = rows(p);
    const logq = { data: q.data.map((v) => Math.log(v)), shape: q.shape };
    const a = stdlib.kl_div!({ reduction: 'sum' }).forward({ input: rows(z), target: q }) as Tensor;
    const b = stdlib.kl_div!({ reduction: 'sum', log_target: true }).forward({ input: rows(z), target: logq }) as Tensor;
    expect(close(a.data[0]!, b.data[0]!)).toBe(true);
    const withZero = stdlib.kl_div!({ reduction: 'none', log_target: true }).forward({ input: z, target: { data: p.data.map((v) => Math.log(v)), shape: p.shape } }) as Tensor;
    expect(withZero.data[1]).toBeNaN();
  });
});
