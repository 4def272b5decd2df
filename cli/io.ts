// Shared command-line plumbing: reading the loss source (-e FORMULA or a .loss file),
// --params key=value lists, inputs.json, and JSON output with non-finite numbers spelled as
// the fixtures spell them ("nan", "inf", "-inf").

import { readFileSync } from 'node:fs';
import { LossError } from '../grammar/source.js';
import { diag } from '../grammar/diagnostics.js';
import type { Tensor, TensorLike } from '../runtime/tensor.js';

export interface SourceArg {
  text: string;
  name: string;
}

export function readSource(expr: string | undefined, file: string | undefined): SourceArg {
  if (expr !== undefined) return { text: expr, name: '<formula>' };
  if (file === undefined) throw new LossError(diag('LD4001', undefined, 'a .loss file or -e FORMULA'));
  try {
    return { text: readFileSync(file, 'utf8'), name: file };
  } catch (e) {
    throw new LossError(diag('LD4002', undefined, file, (e as Error).message));
  }
}

/** `margin=0.5 reduction=sum swap=true` → typed values (numbers, booleans, strings). */
export function parseParams(items: string[] | undefined): Record<string, number | string | boolean> {
  // Keys are user text: no prototype, so `__proto__=2` is a parameter like any other.
  const out: Record<string, number | string | boolean> = Object.create(null);
  for (const item of items ?? []) {
    for (const part of item.split(/\s+/).filter(Boolean)) {
      const eq = part.indexOf('=');
      if (eq <= 0) throw new LossError(diag('LD4003', undefined, part));
      const key = part.slice(0, eq);
      const raw = part.slice(eq + 1);
      out[key] = raw === 'true' ? true : raw === 'false' ? false : raw !== '' && !Number.isNaN(Number(raw)) ? Number(raw) : raw.replace(/^"(.*)"$/, '$1');
    }
  }
  return out;
}

/** inputs.json (a path, `-` for stdin, or inline JSON) → input tensors. */
export function readInputs(arg: string | undefined): Record<string, TensorLike> {
  if (arg === undefined) return {};
  let text: string;
  try {
    text = arg.trim().startsWith('{') ? arg : readFileSync(arg === '-' ? 0 : arg, 'utf8');
  } catch (e) {
    throw new LossError(diag('LD4002', undefined, arg, (e as Error).message));
  }
  let json: unknown;
  try {
    json = JSON.parse(text, (_k, v) => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v));
  } catch (e) {
    throw new LossError(diag('LD4004', undefined, arg === '-' ? 'stdin' : arg, (e as Error).message));
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new LossError(diag('LD4004', undefined, arg, 'expected an object mapping input names to { shape, data }'));
  return json as Record<string, TensorLike>;
}

const num = (x: number): number | string => (Number.isNaN(x) ? 'nan' : x === Infinity ? 'inf' : x === -Infinity ? '-inf' : x);

export function tensorJson(t: Tensor): { shape: number[]; data: (number | string)[] } {
  return { shape: t.shape, data: Array.from(t.data, num) };
}
