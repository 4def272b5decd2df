// Shared test utilities: a seeded RNG, tensors of random data, central finite differences.

import { expect } from 'vitest';
import { compile, LossError, type CompiledLoss, type Tensor } from '../index.js';
import { mulberry32 } from '../runtime/random.js';

/** Seeded uniforms in [0, 1) (runtime/random.ts), seed 1234 by default. */
export function rng(seed = 1234): () => number {
  return mulberry32(seed);
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

/** The LossError a call raises; fails when it raises none, or something else. */
export function lossErrorOf(f: () => unknown): LossError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(LossError);
    return e as LossError;
  }
  throw new Error('expected a LossError');
}

/** The error a call raises (its class name, code and message); fails when it raises none. */
export function errorOf(f: () => unknown): { name: string; code: string; message: string } {
  try {
    f();
  } catch (e) {
    const err = e as Error & { code: string };
    return { name: err.name, code: err.code, message: err.message };
  }
  throw new Error('expected an error');
}

/**
 * Whether two results agree to `rel`, elementwise and relative to the first's largest finite
 * magnitude (an entry that is a difference of larger terms keeps their rounding), NaN matching
 * NaN and infinities matching exactly. Returns the first disagreeing index, or -1.
 */
export function disagreement(a: ArrayLike<number>, b: ArrayLike<number>, rel: number): number {
  if (a.length !== b.length) return 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) if (Number.isFinite(a[i]!)) scale = Math.max(scale, Math.abs(a[i]!));
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (Object.is(x, y) || (Number.isNaN(x) && Number.isNaN(y))) continue;
    if (!(Math.abs(x - y) <= rel * Math.max(Math.abs(x), Math.abs(y), scale))) return i;
  }
  return -1;
}
