// The benchmark workloads W1–W8: data (float32, seeded), the lossc loss (the stdlib entry when
// it exists, else the same loss as a formula), the input the gradient is taken with respect to
// (the prediction), and the hand-written reference loop. Shapes are those of the issue.

import { compile, stdlib, type CompiledLoss } from '../index.js';
import * as ref from './reference.js';
import { mulberry32 } from '../runtime/random.js';

export type Data = Record<string, Float32Array | Int32Array>;

export interface Workload {
  id: string;
  title: string;
  shapes: Record<string, number[]>;
  /** Input names in the order the formula and the stdlib entry take them. */
  wrt: string;
  /** stdlib entry and options, preferred when the stdlib has it. */
  stdlib?: { name: string; options: Record<string, number | string | boolean> };
  /** The same loss as a formula over the same input names. */
  formula: string;
  params?: Record<string, number>;
  data(seed: number): Data;
  /** The hand-written loop: writes the gradient into g, returns the value. */
  reference(d: Data, g: Float32Array): number;
}

/** Seeded uniform [0, 1) (runtime/random.ts). */
export const rng = mulberry32;

export function randn(n: number, r: () => number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = scale * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  return out;
}

const uniform = (n: number, r: () => number, lo: number, hi: number) => Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
const signs = (n: number, r: () => number) => Float32Array.from({ length: n }, () => (r() < 0.5 ? -1 : 1));
const ints = (n: number, hi: number, r: () => number) => Int32Array.from({ length: n }, () => Math.floor(r() * hi));

/** Row-wise log-softmax (log = true) or softmax of random logits. */
function rowsSoftmax(rows: number, cols: number, r: () => number, log: boolean): Float32Array {
  const x = randn(rows * cols, r);
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    let m = -Infinity;
    for (let j = 0; j < cols; j++) m = Math.max(m, x[o + j]!);
    let s = 0;
    for (let j = 0; j < cols; j++) s += Math.exp(x[o + j]! - m);
    const lse = m + Math.log(s);
    for (let j = 0; j < cols; j++) x[o + j] = log ? x[o + j]! - lse : Math.exp(x[o + j]! - lse);
  }
  return x;
}

const f32 = (d: Data, k: string) => d[k] as Float32Array;
const BIG = 4194304;

export const WORKLOADS: Workload[] = [
  {
    id: 'W1',
    title: 'mse_loss (4,194,304)',
    shapes: { input: [BIG], target: [BIG] },
    wrt: 'input',
    stdlib: { name: 'mse_loss', options: {} },
    formula: 'mean((input - target) ^ 2)',
    data: (s) => {
      const r = rng(s);
      return { input: randn(BIG, r), target: randn(BIG, r) };
    },
    reference: (d, g) => ref.mse(f32(d, 'input'), f32(d, 'target'), g),
  },
  {
    id: 'W2',
    title: 'l1_loss (4,194,304)',
    shapes: { input: [BIG], target: [BIG] },
    wrt: 'input',
    stdlib: { name: 'l1_loss', options: {} },
    formula: 'mean(abs(input - target))',
    data: (s) => {
      const r = rng(s);
      return { input: randn(BIG, r), target: randn(BIG, r) };
    },
    reference: (d, g) => ref.l1(f32(d, 'input'), f32(d, 'target'), g),
  },
  {
    id: 'W3',
    title: 'cross_entropy (4096, 1000), int targets',
    shapes: { input: [4096, 1000], target: [4096] },
    wrt: 'input',
    stdlib: { name: 'cross_entropy', options: {} },
    formula: '-mean(pick(log_softmax(input, dim=1), target, dim=1))',
    data: (s) => {
      const r = rng(s);
      return { input: randn(4096 * 1000, r, 3), target: ints(4096, 1000, r) };
    },
    reference: (d, g) => ref.crossEntropy(f32(d, 'input'), d['target'] as Int32Array, g, 4096, 1000),
  },
  {
    id: 'W4',
    title: 'binary_cross_entropy_with_logits (4,194,304)',
    shapes: { input: [BIG], target: [BIG] },
    wrt: 'input',
    stdlib: { name: 'binary_cross_entropy_with_logits', options: {} },
    formula: 'mean(-(target * log(sigmoid(input)) + (1 - target) * log(1 - sigmoid(input))))',
    data: (s) => {
      const r = rng(s);
      return { input: randn(BIG, r, 3), target: uniform(BIG, r, 0, 1) };
    },
    reference: (d, g) => ref.bceWithLogits(f32(d, 'input'), f32(d, 'target'), g),
  },
  {
    id: 'W5',
    title: 'triplet_margin_loss (16384, 128) x3, margin 1',
    shapes: { anchor: [16384, 128], positive: [16384, 128], negative: [16384, 128] },
    wrt: 'anchor',
    stdlib: { name: 'triplet_margin_loss', options: { margin: 1 } },
    formula: 'mean(max(0, margin + pairwise_distance(anchor, positive) - pairwise_distance(anchor, negative)))',
    params: { margin: 1 },
    data: (s) => {
      const r = rng(s);
      const n = 16384 * 128;
      return { anchor: randn(n, r), positive: randn(n, r), negative: randn(n, r) };
    },
    reference: (d, g) => ref.triplet(f32(d, 'anchor'), f32(d, 'positive'), f32(d, 'negative'), g, 16384, 128, 1, 1e-6),
  },
  {
    id: 'W6',
    title: 'kl_div batchmean (32, 49152), log-prob input',
    shapes: { input: [32, 49152], target: [32, 49152] },
    wrt: 'input',
    stdlib: { name: 'kl_div', options: { reduction: 'batchmean' } },
    formula: 'sum(xlogy(target, target) - target * input) / size(input, 0)',
    data: (s) => {
      const r = rng(s);
      return { input: rowsSoftmax(32, 49152, r, true), target: rowsSoftmax(32, 49152, r, false) };
    },
    reference: (d, g) => ref.klDiv(f32(d, 'input'), f32(d, 'target'), g, 32),
  },
  {
    id: 'W7',
    title: 'formula -mean(pick(log_softmax(x, dim=1), t, dim=1)) (4096, 1000)',
    shapes: { x: [4096, 1000], t: [4096] },
    wrt: 'x',
    formula: '-mean(pick(log_softmax(x, dim=1), t, dim=1))',
    data: (s) => {
      const r = rng(s);
      return { x: randn(4096 * 1000, r, 3), t: ints(4096, 1000, r) };
    },
    reference: (d, g) => ref.crossEntropy(f32(d, 'x'), d['t'] as Int32Array, g, 4096, 1000),
  },
  {
    id: 'W8',
    title: 'margin_ranking_loss (4,194,304), margin 0',
    shapes: { input1: [BIG], input2: [BIG], target: [BIG] },
    wrt: 'input1',
    stdlib: { name: 'margin_ranking_loss', options: { margin: 0 } },
    formula: 'mean(max(0, -target * (input1 - input2) + margin))',
    params: { margin: 0 },
    data: (s) => {
      const r = rng(s);
      return { input1: randn(BIG, r), input2: randn(BIG, r), target: signs(BIG, r) };
    },
    reference: (d, g) => ref.marginRanking(f32(d, 'input1'), f32(d, 'input2'), f32(d, 'target'), g, 0),
  },
];

/** The workload's loss: the stdlib entry when the stdlib has it (and it compiles), else the formula. */
export function makeLoss(w: Workload, compileOptions: Parameters<typeof compile>[1] = {}): { loss: CompiledLoss; source: string } {
  if (w.stdlib && w.stdlib.name in stdlib) {
    try {
      return { loss: stdlib[w.stdlib.name]!(w.stdlib.options, compileOptions), source: `stdlib.${w.stdlib.name}` };
    } catch {
      // An entry that does not compile yet (the stdlib is growing): measure the formula.
    }
  }
  return { loss: compile(w.formula, { ...compileOptions, params: w.params }), source: 'formula' };
}

/** The inputs of a call, as tensors. */
export function inputsOf(w: Workload, d: Data): Record<string, { data: Float32Array | Int32Array; shape: number[] }> {
  const out: Record<string, { data: Float32Array | Int32Array; shape: number[] }> = {};
  for (const [k, shape] of Object.entries(w.shapes)) out[k] = { data: d[k]!, shape };
  return out;
}
