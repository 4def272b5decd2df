// Prototype: the softmax cross-entropy row loop (W3) split over worker threads that share the
// logits and the gradient through SharedArrayBuffers. Each worker runs the same fused row loop
// (bench/reference.ts's, over its range of rows); the main thread signals a step with
// Atomics.notify and waits for every worker's partial loss. Measures what row-parallel code
// generation would gain over one thread, and what a step's synchronization costs.
//
//   node --import tsx bench/prototypes/workers.ts [--threads 2] [--reps 15]

import { Worker } from 'node:worker_threads';
import { crossEntropy } from '../reference.js';
import { randn, rng } from '../workloads.js';
import { interleaved, microseconds } from '../timing.js';

const args = process.argv.slice(2);
const opt = (name: string, d: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : d;
};
const THREADS = opt('threads', 2);
const REPS = opt('reps', 15);

// The worker: waits on ctl[0] (step counter), computes its rows, writes its partial loss, counts down ctl[1].
const WORKER = `
const { workerData } = require('node:worker_threads');
const { x, t, g, part, ctl, r0, r1, rows, cols, index } = workerData;
const X = new Float32Array(x), T = new Int32Array(t), G = new Float32Array(g), P = new Float64Array(part), C = new Int32Array(ctl);
${crossEntropyRange.toString()}
let seen = 0;
for (;;) {
  Atomics.wait(C, 0, seen);
  seen = Atomics.load(C, 0);
  if (seen < 0) break;
  P[index] = crossEntropyRange(X, T, G, r0, r1, rows, cols);
  if (Atomics.sub(C, 1, 1) === 1) Atomics.notify(C, 1);
}
`;

/** The reference row loop over rows [r0, r1) of a [rows, cols] batch: the partial sum of the loss. */
function crossEntropyRange(x: Float32Array, t: Int32Array, g: Float32Array, r0: number, r1: number, rows: number, cols: number): number {
  const k = 1 / rows;
  let total = 0;
  for (let r = r0; r < r1; r++) {
    const o = r * cols;
    let m = -Infinity;
    for (let j = 0; j < cols; j++) if (x[o + j]! > m) m = x[o + j]!;
    let s = 0;
    for (let j = 0; j < cols; j++) {
      const e = Math.exp(x[o + j]! - m);
      s += e;
      g[o + j] = e;
    }
    const c = k / s;
    for (let j = 0; j < cols; j++) g[o + j] = g[o + j]! * c;
    const tr = t[r]!;
    g[o + tr] = g[o + tr]! - k;
    total += m + Math.log(s) - x[o + tr]!;
  }
  return total;
}

class RowPool {
  private readonly ctl: Int32Array;
  private readonly part: Float64Array;
  private readonly workers: Worker[] = [];
  private step = 0;

  constructor(
    x: SharedArrayBuffer,
    t: SharedArrayBuffer,
    g: SharedArrayBuffer,
    readonly rows: number,
    cols: number,
    threads: number,
  ) {
    const ctl = new SharedArrayBuffer(8);
    const part = new SharedArrayBuffer(8 * threads);
    this.ctl = new Int32Array(ctl);
    this.part = new Float64Array(part);
    for (let i = 0; i < threads; i++) {
      const r0 = Math.floor((rows * i) / threads);
      const r1 = Math.floor((rows * (i + 1)) / threads);
      this.workers.push(new Worker(WORKER, { eval: true, workerData: { x, t, g, part, ctl, r0, r1, rows, cols, index: i } }));
    }
  }

  /** One step: every worker computes its rows; returns the mean loss. */
  run(): number {
    Atomics.store(this.ctl, 1, this.workers.length);
    Atomics.store(this.ctl, 0, ++this.step);
    Atomics.notify(this.ctl, 0);
    for (let left = Atomics.load(this.ctl, 1); left !== 0; left = Atomics.load(this.ctl, 1)) Atomics.wait(this.ctl, 1, left);
    let s = 0;
    for (const p of this.part) s += p;
    return s / this.rows;
  }

  async close(): Promise<void> {
    Atomics.store(this.ctl, 0, -1);
    Atomics.notify(this.ctl, 0);
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

async function main(): Promise<void> {
  const out: string[] = [];
  for (const [rows, cols] of [
    [4096, 1000],
    [64, 100],
  ] as const) {
    const r = rng(5);
    const xs = new SharedArrayBuffer(4 * rows * cols);
    const ts = new SharedArrayBuffer(4 * rows);
    const gs = new SharedArrayBuffer(4 * rows * cols);
    const x = new Float32Array(xs);
    x.set(randn(rows * cols, r, 3));
    const t = new Int32Array(ts);
    for (let i = 0; i < rows; i++) t[i] = Math.floor(r() * cols);
    const g1 = new Float32Array(rows * cols);
    const pool = new RowPool(xs, ts, gs, rows, cols, THREADS);
    const v1 = crossEntropy(x, t, g1, rows, cols);
    const v2 = pool.run();
    const g2 = new Float32Array(gs);
    let diff = 0;
    for (let i = 0; i < g1.length; i++) diff = Math.max(diff, Math.abs(g1[i]! - g2[i]!));
    if (Math.abs(v1 - v2) > 1e-9 * Math.abs(v1) || diff > 0) throw new Error(`workers disagree: ${v1} vs ${v2}, gradient ${diff}`);
    if (rows * cols > 1e6) {
      const tm = await interleaved({ one: () => crossEntropy(x, t, g1, rows, cols), pool: () => pool.run() }, REPS);
      out.push(`(${rows}, ${cols}): one thread ${tm['one']!.median.toFixed(1)} ms, ${THREADS} workers ${tm['pool']!.median.toFixed(1)} ms (× ${(tm['one']!.median / tm['pool']!.median).toFixed(2)})`);
    } else {
      const one = microseconds(() => crossEntropy(x, t, g1, rows, cols), 200, 9);
      const many = microseconds(() => pool.run(), 200, 9);
      out.push(`(${rows}, ${cols}): one thread ${one.toFixed(1)} µs, ${THREADS} workers ${many.toFixed(1)} µs (synchronization included)`);
    }
    await pool.close();
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

await main();
