// Input sampling in strata (a fixed seed per case and stratum), by the role an input plays:
//   typical      — the values a loss usually sees;
//   log-scale    — magnitudes spread evenly in log10 from 1e-300 to 1e4 (both signs);
//   edges        — where the naive formula breaks: ±(709.78 ± 3) (exp overflow in float64),
//                  ±(88.72 ± 3) for float32; probabilities within 1e-15 of 0 and of 1;
//   kinks-ties   — every real entry equal (ties in max, hinges at 0, distances of 0) at 0, ±1,
//                  tiny or random values.
// Points whose truth is undefined (log of a negative number) are dropped by the harness, as
// Herbie does, so a role only narrows the sampling; it never hides a domain error.

import type { Dtype } from './truth.js';
export { mulberry32 as rng } from '../../runtime/random.js';

export type Role = 'real' | 'prob' | 'positive' | 'negative' | 'sign' | 'binary' | 'count' | { int: [number, number] };
export const STRATA = ['typical', 'log-scale', 'edges', 'kinks-ties'] as const;
export type Stratum = (typeof STRATA)[number];

export function hashSeed(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

const U = (r: () => number, lo: number, hi: number) => lo + (hi - lo) * r();
const sign = (r: () => number) => (r() < 0.5 ? -1 : 1);

/** One entry of a role in a stratum (`tie` is the value shared by every real entry in kinks-ties). */
export function draw(role: Role, stratum: Stratum, r: () => number, dtype: Dtype, tie: number): number {
  if (typeof role === 'object') return Math.floor(U(r, role.int[0], role.int[1]));
  const edge = dtype === 'float32' ? 88.72 : 709.78;
  switch (role) {
    case 'sign':
      return sign(r);
    case 'binary':
      return r() < 0.5 ? 0 : 1;
    case 'count':
      return Math.floor(U(r, 0, 10));
    case 'prob':
      if (stratum === 'typical') return r();
      if (stratum === 'log-scale') return 10 ** U(r, -300, 0);
      if (stratum === 'edges') {
        const d = 10 ** U(r, -16, -14);
        return r() < 0.5 ? d : 1 - d;
      }
      return [0, 1, 0.5, 1e-300][Math.floor(r() * 4)]!;
    case 'negative':
      return -draw('positive', stratum, r, dtype, tie);
    case 'positive':
      if (stratum === 'typical') return U(r, 0.1, 10);
      if (stratum === 'log-scale') return 10 ** U(r, -300, 4);
      if (stratum === 'edges') return dtype === 'float32' ? 10 ** U(r, 36, 38) : 10 ** U(r, 300, 307);
      return Math.abs(tie) || 1;
    case 'real':
      if (stratum === 'typical') return U(r, -10, 10);
      if (stratum === 'log-scale') return sign(r) * 10 ** U(r, -300, 4);
      if (stratum === 'edges') return sign(r) * (edge + U(r, -3, 3));
      return tie;
  }
}

export function tieValue(r: () => number): number {
  return [0, 1, -1, 1e-300, U(r, -3, 3)][Math.floor(r() * 5)]!;
}
