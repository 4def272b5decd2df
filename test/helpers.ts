// Shared test utilities: a seeded RNG, tensors of random data, central finite differences.

import { compile, type CompiledLoss, type Tensor } from '../index.js';

export function rng(seed = 1234): () => number {
  let s = seed >>> 0;
  return () => {
    // mulberry32
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randn(shape: number[], r: () => number, scale = 1, offset = 0): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = 1 - r();
    const v = r();
    data[i] = offset + scale * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
  return { data, shape };
}

export function uniform(shape: number[], r: () => number, lo: number, hi: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = lo + (hi - lo) * r();
  return { data, shape };
}

export function randint(shape: number[], hi: number, r: () => number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Int32Array(n);
  for (let i = 0; i < n; i++) data[i] = Math.floor(r() * hi);
  return { data, shape };
}

/** Sum of value * gradOutput weights, so non-scalar values are checked too. */
function scalarize(loss: CompiledLoss, inputs: Record<string, Tensor>, w?: Tensor): number {
  const v = loss.forward(inputs) as Tensor;
  let s = 0;
  for (let i = 0; i < v.data.length; i++) s += v.data[i]! * (w ? w.data[i]! : 1);
  return s;
}

/** Checks valueAndGrad against central differences for every float input. Returns max relative error. */
export function fdCheck(source: string, inputs: Record<string, Tensor>, opts: { params?: Record<string, number | string | boolean>; h?: number; gradOutput?: Tensor } = {}): number {
  const loss = compile(source, { params: opts.params });
  const { grads } = loss.valueAndGrad(inputs, opts.gradOutput ? { gradOutput: opts.gradOutput } : {});
  let worst = 0;
  for (const [name, g] of Object.entries(grads)) {
    const x = inputs[name]!;
    for (let i = 0; i < x.data.length; i++) {
      const orig = x.data[i]!;
      const h = (opts.h ?? 1e-6) * Math.max(1, Math.abs(orig));
      x.data[i] = orig + h;
      const fp = scalarize(loss, inputs, opts.gradOutput);
      x.data[i] = orig - h;
      const fm = scalarize(loss, inputs, opts.gradOutput);
      x.data[i] = orig;
      const fd = (fp - fm) / (2 * h);
      const err = Math.abs(fd - g.data[i]!) / Math.max(1, Math.abs(fd));
      worst = Math.max(worst, err);
    }
  }
  return worst;
}

export function close(a: number, b: number, rel = 1e-10, abs = 1e-13): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b;
  return Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b)) + abs;
}
