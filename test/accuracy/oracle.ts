// The oracle: true value and finite-difference gradient of a lowered formula at one point,
// rounded to float64 or float32, each computed with precision raised until its enclosure
// rounds to a single number (truth.ts): the next precision is estimated from the enclosure's
// width (an enclosure shrinks as 10^-P for values and 10^-2P/3 for finite differences), so a
// hard point jumps to the digits it needs. An element whose truth is undefined (log of a
// negative number: NaN in the enclosure) is NaN; one that does not settle by the last
// precision (the enclosure straddles a rounding boundary, e.g. a tie between two doubles) is
// reported as undetermined and left out of the error statistics.

import { Decimal } from 'decimal.js';
import type { Lowered } from '../../compiler/lower.js';
import { Arith, type Iv } from './interval.js';
import { evaluate, exactOf, rounders, type Dtype, type TensorIv } from './truth.js';

const Exact = Decimal.clone({ precision: 2500, minE: -9e15, maxE: 9e15 });

/** Digits tried, in order (decimal.js's ln needs precision below ~1000: its ln 10 has 1025 digits). */
export const PRECISIONS = [32, 64, 128, 256, 512, 900];

/** The smallest precision after P predicted to settle `v` (rate 1: values, 2/3: differences). */
function nextPrecision(P: number, vs: Iv[], rate: number): number {
  let need = P + 1;
  for (const v of vs) {
    if (!v.lo.isFinite() || !v.hi.isFinite()) continue;
    const width = v.hi.minus(v.lo);
    if (width.isZero()) continue;
    const mid = Decimal.max(v.lo.abs(), v.hi.abs());
    // Half an ulp of the midpoint, floored at the smallest subnormal.
    const target = Decimal.max(mid.times(2 ** -54), 2 ** -1075);
    const digits = Math.ceil(Decimal.log10(width.div(target)).toNumber() / rate) + 2;
    need = Math.max(need, P + digits);
  }
  return PRECISIONS.find((q) => q >= need) ?? need;
}

export interface PointInputs {
  [name: string]: { shape: number[]; data: number[]; int?: boolean };
}

export interface OracleResult {
  /** Per element of the value: the truth (NaN when undefined), or undefined when undetermined. */
  value: (number | undefined)[];
  /** Per float input, per element: d(Σ weights · value)/dx, as above. */
  grads: Record<string, (number | undefined)[]>;
  /** Highest precision (digits) the point needed. */
  digits: number;
}

/** The single number an enclosure rounds to, NaN when undefined, undefined when it straddles. */
function settle(v: Iv, round: (x: number) => number): number | undefined {
  if (v.lo.isNaN() || v.hi.isNaN()) return NaN;
  const a = round(v.lo.toNumber());
  const b = round(v.hi.toNumber());
  return a === b ? a : undefined;
}

function pointTensors(A: Arith, inputs: PointInputs, override?: { name: string; index: number; value: Decimal }): Map<string, TensorIv> {
  const m = new Map<string, TensorIv>();
  for (const [name, t] of Object.entries(inputs)) {
    const data = t.data.map((x, i) => (override && override.name === name && override.index === i ? A.point(override.value) : A.point(exactOf(x))));
    m.set(name, { shape: t.shape, data });
  }
  return m;
}

/** `weights` weigh the value's elements in the gradient (the upstream gradient; default all 1). */
export function oracle(low: Lowered, inputs: PointInputs, dtype: Dtype, opts: { grads?: boolean; weights?: number[] } = {}): OracleResult {
  const round = rounders[dtype];
  const root = low.root;
  let digits = 0;
  // Value.
  let value: (number | undefined)[] = [];
  for (let P = PRECISIONS[0]!; P <= PRECISIONS[PRECISIONS.length - 1]!; ) {
    digits = P;
    const A = new Arith(P);
    const [out] = evaluate(A, [root], pointTensors(A, inputs));
    value = out!.data.map((v) => settle(v, round));
    if (value.every((v) => v !== undefined)) break;
    P = nextPrecision(P, out!.data.filter((_, i) => value[i] === undefined), 1);
  }
  const grads: Record<string, (number | undefined)[]> = {};
  // A point where part of the value is undefined (a domain error as written) has no gradient to compare.
  if (opts.grads && !value.some((v) => v === undefined || Number.isNaN(v))) {
    for (const [name, t] of Object.entries(inputs)) {
      if (t.int) continue;
      grads[name] = t.data.map((x, i) => {
        const reach = reached(low, inputs, name, i, value);
        if (!reach.some(Boolean)) return 0;
        // Reaching an element that is infinite here: no derivative to compare.
        if (reach.some((r, j) => r && !Number.isFinite(value[j]))) return NaN;
        // A relative step at |x| = 10^-k shows a difference only past k more digits: start there.
        const k = x === 0 ? 0 : Math.max(0, -Math.log10(Math.abs(x)));
        for (let P = PRECISIONS.find((q) => q >= 1.5 * k + 40) ?? PRECISIONS[PRECISIONS.length - 1]!; P <= PRECISIONS[PRECISIONS.length - 1]!; ) {
          digits = Math.max(digits, P);
          const g = fdAt(low, inputs, name, i, x, P, opts.weights, reach);
          const s = settle(g, round);
          if (s !== undefined) return s;
          P = nextPrecision(P, [g], 2 / 3);
        }
        return undefined;
      });
    }
  }
  return { value, grads, digits };
}

/**
 * Which value elements the input element reaches: the graph evaluated with that element set to
 * NaN, which every arithmetic op propagates (a comparison does not, and a dependence only
 * through a comparison has derivative 0 off the switching point).
 */
function reached(low: Lowered, inputs: PointInputs, name: string, i: number, value: (number | undefined)[]): boolean[] {
  const A = new Arith(16);
  const [out] = evaluate(A, [low.root], pointTensors(A, inputs, { name, index: i, value: new Decimal(NaN) }));
  return out!.data.map((v, j) => v.lo.isNaN() && !Number.isNaN(value[j]));
}

/**
 * Central difference of Σ weights · value in input `name`, element i, at precision P, over the
 * elements the input reaches (the others would only add their rounding). The step is relative,
 * h = |x|·10^-(P/3) (10^-(P/3) at 0): the function may have structure at the scale of x (a norm
 * of entries of 1e-141), so an absolute step could straddle it, and a step across a domain edge
 * (log1mexp at -1e-189) would be undefined. Its truncation error O((h/x)²) is far below one ulp;
 * the price is |log10 x| more digits before a difference shows, which the precision search pays.
 */
function fdAt(low: Lowered, inputs: PointInputs, name: string, i: number, x: number, P: number, weights: number[] | undefined, reach: boolean[]): Iv {
  const A = new Arith(P);
  const D = A.D;
  const x0 = exactOf(x);
  if (!x0.isFinite()) return A.nan;
  const scale = new D(10).pow(-Math.ceil(P / 3));
  const h = x0.isZero() ? scale : Exact.mul(x0.abs(), scale);
  // x ± h exactly (a double has at most 767 significant digits).
  const [up] = evaluate(A, [low.root], pointTensors(A, inputs, { name, index: i, value: Exact.add(x0, h) }));
  const [down] = evaluate(A, [low.root], pointTensors(A, inputs, { name, index: i, value: Exact.sub(x0, h) }));
  let diff = A.zero;
  up!.data.forEach((u, j) => {
    if (!reach[j]) return;
    const w = weights ? A.point(weights[j]!) : A.one;
    diff = A.add(diff, A.mul(w, A.sub(u, down!.data[j]!)));
  });
  return A.div(diff, A.point(Exact.mul(h, 2)));
}
