// Tensors as the library hands them out and takes them in: dense row-major typed arrays.
// Inputs may also be plain `{ data: number[], shape }` objects or bare numbers (scalars);
// normalizeInput turns any of these into a checked typed-array tensor or raises LossError.

import { LossError } from '../grammar/source.js';
import { diag } from '../grammar/diagnostics.js';

export type DTypeName = 'float32' | 'float64' | 'int32';
export type TypedData = Float32Array | Float64Array | Int32Array;

export interface Tensor {
  data: TypedData;
  shape: number[];
}

export type TensorLike =
  | Tensor
  | { data: ArrayLike<number>; shape: number[]; dtype?: DTypeName }
  | number;

/** The largest element count a typed array holds. */
export const MAX_ELEMENTS = 2 ** 31 - 1;

export function dtypeOf(data: TypedData): DTypeName {
  return data instanceof Float32Array ? 'float32' : data instanceof Int32Array ? 'int32' : 'float64';
}

/** Creates a tensor, copying `data` into a typed array of `dtype` (default: float64, or the array's own type). */
export function tensor(data: ArrayLike<number>, shape: number[], dtype?: DTypeName): Tensor {
  const t = normalizeInput('tensor', { data, shape, dtype });
  if (t.data === data) t.data = t.data.slice() as TypedData;
  return t;
}

const checkShape = (name: string, shape: unknown): number[] => {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new LossError(diag('LD3008', undefined, name, 'its shape must be an array of non-negative integers'));
  }
  // A zero-size dim does not excuse a huge one: shapes become loop bounds and buffer sizes.
  const big = shape.find((d: number) => d > MAX_ELEMENTS);
  if (big !== undefined) throw new LossError(diag('LD3008', undefined, name, `dim size ${big} in shape [${shape.join(', ')}] is more than a typed array holds (${MAX_ELEMENTS})`));
  return shape.map((d: number) => d + 0); // -0 → 0
};

/**
 * Checks and normalizes one input. `expect` is the dtype family a declaration asks for:
 * plain number arrays become int32 for an int parameter (when every entry is an integer),
 * float64 otherwise.
 */
export function normalizeInput(name: string, v: unknown, expect?: 'float' | 'int'): Tensor & { dtype: DTypeName } {
  if (typeof v === 'number') v = { data: [v], shape: [] };
  if (typeof v !== 'object' || v === null || !('data' in v) || !('shape' in v)) {
    throw new LossError(diag('LD3008', undefined, name, 'expected a tensor { data, shape } or a number'));
  }
  const raw = v as { data: unknown; shape: unknown; dtype?: unknown };
  const shape = checkShape(name, raw.shape);
  const count = shape.reduce((a, b) => a * b, 1);
  if (count > MAX_ELEMENTS) throw new LossError(diag('LD3008', undefined, name, `shape [${shape.join(', ')}] has more elements than a typed array holds (${MAX_ELEMENTS})`));
  const dtype = raw.dtype;
  if (dtype !== undefined && dtype !== 'float32' && dtype !== 'float64' && dtype !== 'int32') {
    throw new LossError(diag('LD3008', undefined, name, `unknown dtype ${JSON.stringify(String(dtype))}: expected "float32", "float64" or "int32"`));
  }
  let data: TypedData;
  const d = raw.data;
  if (d instanceof Float32Array || d instanceof Float64Array || d instanceof Int32Array) {
    data = d;
    if (dtype && dtypeOf(d) !== dtype) data = convert(name, d, dtype);
  } else if (Array.isArray(d) || (ArrayBuffer.isView(d) && !(d instanceof DataView) && !(d instanceof BigInt64Array) && !(d instanceof BigUint64Array))) {
    const arr = d as ArrayLike<number>;
    for (let i = 0; i < arr.length; i++) {
      if (typeof arr[i] !== 'number') throw new LossError(diag('LD3008', undefined, name, `data[${i}] is not a number`));
    }
    if (dtype === undefined && expect === 'int') {
      const bad = firstNonIntegral(arr);
      if (bad >= 0) throw new LossError(diag('LD3003', undefined, name, 'int32 (class indices)', `a non-integer value ${arr[bad]} at element ${bad}`));
    }
    const target: DTypeName = dtype ?? (expect === 'int' ? 'int32' : 'float64');
    data = convert(name, arr, target);
  } else {
    throw new LossError(diag('LD3008', undefined, name, 'data must be a number array, Float32Array, Float64Array or Int32Array'));
  }
  if (data.length !== count) {
    throw new LossError(diag('LD3004', undefined, name, data.length, `[${shape.join(', ')}]`, count));
  }
  return { data, shape: [...shape], dtype: dtypeOf(data) };
}

function firstNonIntegral(a: ArrayLike<number>): number {
  for (let i = 0; i < a.length; i++) if (!Number.isInteger(a[i])) return i;
  return -1;
}

function convert(name: string, a: ArrayLike<number>, dtype: DTypeName): TypedData {
  if (dtype === 'int32') {
    for (let i = 0; i < a.length; i++) {
      const x = a[i]!;
      if (!Number.isInteger(x) || x < -(2 ** 31) || x >= 2 ** 31) {
        throw new LossError(diag('LD3003', undefined, name, 'int32', `a non-integer value ${x} at element ${i}`));
      }
    }
    return Int32Array.from(a);
  }
  return dtype === 'float32' ? Float32Array.from(a) : Float64Array.from(a);
}
