// Error metrics. Bits of error is Herbie's: log2(1 + number of floating-point values between
// the computed result and the truth), measured on the ordinals of float64 (or float32) bit
// patterns, so it is scale-free and counts overflow to ±inf as the distance to infinity. A NaN
// result where the truth is a number is the maximum (64 or 32 bits).

import type { Dtype } from './truth.js';

const buf = new DataView(new ArrayBuffer(8));

function ordinal(x: number, dtype: Dtype): bigint {
  let bits: bigint;
  if (dtype === 'float64') {
    buf.setFloat64(0, x);
    bits = buf.getBigUint64(0);
    const mag = bits & 0x7fffffffffffffffn;
    return bits >> 63n ? -mag : mag;
  }
  buf.setFloat32(0, x);
  bits = BigInt(buf.getUint32(0));
  const mag = bits & 0x7fffffffn;
  return bits >> 31n ? -mag : mag;
}

/** Bits of error of `got` against `truth` (both already rounded to dtype). */
export function bitsOfError(got: number, truth: number, dtype: Dtype): number {
  const width = dtype === 'float64' ? 64 : 32;
  if (Number.isNaN(truth)) return Number.isNaN(got) ? 0 : width;
  if (Number.isNaN(got)) return width;
  const d = ordinal(got, dtype) - ordinal(truth, dtype);
  const n = Number(d < 0n ? -d : d);
  return Math.min(width, Math.log2(1 + n));
}

/** |got - truth| / |truth| (0 when equal, Infinity for a wrong zero or a wrong non-finite). */
export function relativeError(got: number, truth: number): number {
  if (Object.is(got, truth) || got === truth) return 0;
  if (!Number.isFinite(got) || !Number.isFinite(truth)) return Infinity;
  return truth === 0 ? Infinity : Math.abs(got - truth) / Math.abs(truth);
}
