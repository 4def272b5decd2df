// The float32 dialect's table-driven exp, log and log1p (compiler/codegen/fastmath.ts): relative
// error far below float32 resolution over their whole range, by dense sampling against Math.*
// (itself within an ulp) and, on fewer points, against decimal.js at 40 digits (independent of
// the platform's libm); special values exactly as Math.*.

import { describe, expect, it } from 'vitest';
import { Decimal } from 'decimal.js';
import { fexp, flog, flog1p } from '../../compiler/codegen/fastmath.js';
import { rng } from '../helpers.js';

const D = Decimal.clone({ precision: 40 });

/** The double x as an exact decimal (to 40 digits): mantissa × 2^exponent from its bits. */
function exact(x: number): Decimal {
  const f = new Float64Array([x]);
  const u = new BigUint64Array(f.buffer);
  const bits = u[0]!;
  const sign = bits >> 63n ? -1 : 1;
  const be = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & ((1n << 52n) - 1n);
  const mant = be === 0 ? frac : frac | (1n << 52n);
  const e = (be === 0 ? 1 : be) - 1075;
  return new D(mant.toString()).times(new D(2).pow(e)).times(sign);
}

const rel = (a: number, b: number) => (a === b ? 0 : Math.abs(a - b) / Math.abs(b));

/** Largest relative error of f against g over the points. */
function worst(f: (x: number) => number, g: (x: number) => number, xs: number[]): { err: number; at: number } {
  let err = 0;
  let at = NaN;
  for (const x of xs) {
    const e = rel(f(x), g(x));
    if (!(e <= err)) {
      err = e;
      at = x;
    }
  }
  return { err, at };
}

const r = rng(20260801);
const uniform = (n: number, lo: number, hi: number) => Array.from({ length: n }, () => lo + (hi - lo) * r());
/** |x| log-uniform in [10^a, 10^b], random sign when signed. */
const logUniform = (n: number, a: number, b: number, signed: boolean) =>
  Array.from({ length: n }, () => (signed && r() < 0.5 ? -1 : 1) * 10 ** (a + (b - a) * r()));

describe('fexp', () => {
  it('is within 1e-15 relative of Math.exp over the normal range', () => {
    const xs = [...uniform(80000, -708, 709.78), ...logUniform(20000, -300, 2.85, true), ...uniform(10000, -1, 1)];
    const { err, at } = worst(fexp, Math.exp, xs);
    expect(err, `worst at ${at}`).toBeLessThan(1e-15);
  });

  it('agrees with exp computed in decimal to 1e-15', () => {
    for (const x of [...uniform(150, -700, 700), ...logUniform(100, -20, 2, true)]) {
      const truth = Number(exact(x).exp());
      expect(rel(fexp(x), truth), `x = ${x}`).toBeLessThan(1e-15);
    }
  });

  it('keeps exp special values: overflow, underflow, infinities, NaN, signed zeros', () => {
    const maxArg = 709.782712893384; // the largest x with a finite exp(x)
    expect(fexp(maxArg)).toBe(Math.exp(maxArg));
    expect(fexp(709.7827128933841)).toBe(Infinity);
    expect(fexp(1e10)).toBe(Infinity);
    expect(fexp(Infinity)).toBe(Infinity);
    expect(fexp(-Infinity)).toBe(0);
    expect(fexp(-1e10)).toBe(0);
    expect(fexp(-746)).toBe(0);
    expect(fexp(NaN)).toBeNaN();
    expect(fexp(0)).toBe(1);
    expect(fexp(-0)).toBe(1);
    expect(fexp(1e-300)).toBe(1);
  });

  it('is accurate to the smallest subnormal below the normal range', () => {
    for (const x of uniform(3000, -745.2, -708.4)) expect(Math.abs(fexp(x) - Math.exp(x))).toBeLessThanOrEqual(1e-322);
  });
});

describe('flog', () => {
  it('is within 1e-15 relative of Math.log for every normal positive x', () => {
    const xs = [...logUniform(80000, -307.6, 308.2, false), ...uniform(20000, 0.5, 2), ...uniform(10000, 1 - 1e-6, 1 + 1e-6)];
    const { err, at } = worst(flog, Math.log, xs);
    expect(err, `worst at ${at}`).toBeLessThan(1e-15);
  });

  it('has no cancellation next to 1', () => {
    for (const x of [1 - 2 ** -53, 1 + 2 ** -52, 1 - 1e-10, 1 + 1e-10, 0.999, 1.001]) {
      expect(rel(flog(x), Number(exact(x).ln())), `x = ${x}`).toBeLessThan(1e-15);
    }
  });

  it('agrees with ln computed in decimal to 1e-15', () => {
    for (const x of [...logUniform(200, -300, 300, false), ...uniform(100, 0.25, 4)]) {
      if (x === 1) continue;
      expect(rel(flog(x), Number(exact(x).ln())), `x = ${x}`).toBeLessThan(1e-15);
    }
  });

  it('keeps log special values: 0, negatives, subnormals, infinities, NaN', () => {
    expect(flog(0)).toBe(-Infinity);
    expect(flog(-0)).toBe(-Infinity);
    expect(flog(-1)).toBeNaN();
    expect(flog(NaN)).toBeNaN();
    expect(flog(Infinity)).toBe(Infinity);
    expect(flog(-Infinity)).toBeNaN();
    expect(flog(1)).toBe(0);
    expect(flog(5e-324)).toBe(Math.log(5e-324));
    expect(flog(1e-310)).toBe(Math.log(1e-310));
    expect(flog(Number.MAX_VALUE)).toBe(Math.log(Number.MAX_VALUE));
  });
});

describe('flog1p', () => {
  it('is within 1e-15 relative of Math.log1p on (-1, inf)', () => {
    const xs = [
      ...logUniform(50000, -300, 300, false),
      ...logUniform(20000, -300, -1e-12, false).map((x) => -Math.min(x, 0.999999)),
      ...uniform(20000, -0.999999, 3),
      ...uniform(10000, -1e-8, 1e-8),
    ];
    const { err, at } = worst(flog1p, Math.log1p, xs);
    expect(err, `worst at ${at}`).toBeLessThan(1e-15);
  });

  it('agrees with ln(1 + x) computed in decimal to 1e-15', () => {
    for (const x of [...uniform(100, -0.99, 10), ...logUniform(100, -15, 5, false)]) {
      expect(rel(flog1p(x), Number(exact(x).plus(1).ln())), `x = ${x}`).toBeLessThan(1e-15);
    }
  });

  it('keeps log1p special values', () => {
    expect(flog1p(-1)).toBe(-Infinity);
    expect(flog1p(-2)).toBeNaN();
    expect(flog1p(NaN)).toBeNaN();
    expect(flog1p(Infinity)).toBe(Infinity);
    expect(flog1p(0)).toBe(0);
    expect(flog1p(1e-300)).toBe(1e-300);
    expect(flog1p(5e-324)).toBe(5e-324);
    expect(flog1p(Number.MAX_VALUE)).toBe(Math.log1p(Number.MAX_VALUE));
  });
});
