// stdlib/margin.loss: multi_margin_loss and multilabel_margin_loss against direct JS ports of
// PyTorch's CPU kernels (aten/src/ATen/native/LossMultiMargin.cpp, LossMultiLabelMargin.cpp),
// loops and all, on random inputs, random targets and random -1 padding.

import { describe, expect, it } from 'vitest';
import { stdlib, type Tensor } from '../../index.js';
import { randint, randn, rng, uniform } from '../helpers.js';

const r = rng(17);
const N = 6;
const C = 5;
const close = (a: number, b: number) => Math.abs(a - b) <= 1e-13 * Math.max(1, Math.abs(a), Math.abs(b));

/** multi_margin_inner_sum_cpu, per sample. */
function multiMargin(x: Tensor, y: Tensor, w: Tensor, p: number, margin: number): number[] {
  return Array.from({ length: N }, (_, n) => {
    const t = y.data[n]!;
    let sum = 0;
    for (let d = 0; d < C; d++) {
      if (d === t) continue;
      const z = margin - x.data[n * C + t]! + x.data[n * C + d]!;
      if (z > 0) sum += w.data[t]! * (p === 1 ? z : z * z);
    }
    return sum / C;
  });
}

/** multilabel_margin_loss_forward_out_frame, per sample. */
function multilabelMargin(x: Tensor, y: Tensor): number[] {
  return Array.from({ length: N }, (_, n) => {
    const isTarget = new Array<boolean>(C).fill(false);
    for (let k = 0; k < C; k++) {
      const t = y.data[n * C + k]!;
      if (t < 0) break;
      isTarget[t] = true;
    }
    let sum = 0;
    for (let k = 0; k < C; k++) {
      const t = y.data[n * C + k]!;
      if (t < 0) break;
      for (let d = 0; d < C; d++) {
        if (isTarget[d]) continue;
        const z = 1 - x.data[n * C + t]! + x.data[n * C + d]!;
        if (z > 0) sum += z;
      }
    }
    return sum / C;
  });
}

describe('multi_margin_loss matches the PyTorch kernel', () => {
  const x = randn([N, C], r);
  const y = randint([N], C, r);
  const w = uniform([C], r, 0.2, 2);
  for (const p of [1, 2]) {
    for (const margin of [1, 0.3]) {
      it(`p = ${p}, margin = ${margin}, with a class weight`, () => {
        const out = stdlib.multi_margin_loss!({ p, margin, reduction: 'none' }).forward({ input: x, target: y, weight: w }) as Tensor;
        multiMargin(x, y, w, p, margin).forEach((e, n) => expect(close(out.data[n]!, e), `sample ${n}`).toBe(true));
      });
    }
  }
});

describe('multilabel_margin_loss matches the PyTorch kernel', () => {
  for (let trial = 0; trial < 4; trial++) {
    it(`random labels, duplicates and -1 padding (trial ${trial})`, () => {
      const x = randn([N, C], r);
      const y = randint([N, C], C, r);
      // Pad each row from a random point with -1, then random junk that must be ignored.
      for (let n = 0; n < N; n++) {
        const stop = Math.floor(r() * (C + 1));
        if (stop < C) y.data[n * C + stop] = -1;
      }
      const out = stdlib.multilabel_margin_loss!({ reduction: 'none' }).forward({ input: x, target: y }) as Tensor;
      multilabelMargin(x, y).forEach((e, n) => expect(close(out.data[n]!, e), `sample ${n}`).toBe(true));
    });
  }
});
