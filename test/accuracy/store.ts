// The truth store (test/accuracy/truth.json): sampled points of the primitive and rule cases
// with their float64 truths, so the vitest check compares compiled results against arbitrary-
// precision truths in milliseconds instead of recomputing them. `npm run accuracy -- --update`
// rewrites it; the test fails, naming the case, when a case has no stored points (a new rule)
// or its formula changed.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TruthPoint } from './harness.js';

export const STORE = join(import.meta.dirname, 'truth.json');

export interface StoredCase {
  id: string;
  label: string;
  points: TruthPoint[];
}

const enc = (v: number | undefined): number | string | null =>
  v === undefined ? null : Number.isNaN(v) ? 'nan' : v === Infinity ? 'inf' : v === -Infinity ? '-inf' : v;
const dec = (v: number | string | null): number | undefined =>
  v === null ? undefined : v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : (v as number);

export function writeStore(cases: StoredCase[]): void {
  const lines = cases.map((c) =>
    JSON.stringify({
      id: c.id,
      label: c.label,
      points: c.points.map((p) => ({
        stratum: p.stratum,
        inputs: p.inputs,
        weights: p.weights,
        digits: p.truth.digits,
        value: p.truth.value.map(enc),
        grads: Object.fromEntries(Object.entries(p.truth.grads).map(([k, g]) => [k, g.map(enc)])),
      })),
    }),
  );
  writeFileSync(STORE, `{ "dtype": "float64", "cases": [\n${lines.join(',\n')}\n] }\n`);
}

export function readStore(): Map<string, StoredCase> {
  const raw = JSON.parse(readFileSync(STORE, 'utf8')) as { cases: { id: string; label: string; points: Record<string, unknown>[] }[] };
  const out = new Map<string, StoredCase>();
  for (const c of raw.cases) {
    out.set(c.id, {
      id: c.id,
      label: c.label,
      points: c.points.map((p) => ({
        stratum: p.stratum as TruthPoint['stratum'],
        inputs: p.inputs as TruthPoint['inputs'],
        weights: p.weights as number[],
        truth: {
          digits: p.digits as number,
          value: (p.value as (number | string | null)[]).map(dec),
          grads: Object.fromEntries(Object.entries(p.grads as Record<string, (number | string | null)[]>).map(([k, g]) => [k, g.map(dec)])),
        },
      })),
    });
  }
  return out;
}
