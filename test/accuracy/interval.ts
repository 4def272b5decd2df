// Interval arithmetic over decimal.js at a chosen precision: each value is an enclosure
// [lo, hi] of the exact real result. Every operation is computed at P + GUARD digits, rounded
// to nearest, and its endpoints widened outward by a relative 10^-P, which covers the
// rounding of correctly rounded operations (+ - × ÷ sqrt exp ln, decimal.js's guarantee) and
// of the composite formulas below, none of which cancels: near 0, log1p and expm1 use their
// series, so 1 + x never swallows x. Monotone functions map endpoints to endpoints; the
// others take corners (× ÷ pow) or split at their extremum (abs, x²). A function of an
// enclosure that lies wholly outside its domain is NaN (log of a negative number); one that
// straddles the domain's edge (log of [-1e-40, 1e-40], only a too-low precision) is the whole
// line [-inf, inf], which never settles, so the oracle raises the precision.

import { Decimal } from 'decimal.js';

export interface Iv {
  lo: Decimal;
  hi: Decimal;
}

const GUARD = 12;

/** Exact decimal value of a double: mantissa × 2^e, written out in decimal digits (BigInt). */
export function exactOf(x: number): Decimal {
  if (!Number.isFinite(x) || x === 0) return new Decimal(x);
  const b = new DataView(new ArrayBuffer(8));
  b.setFloat64(0, x);
  const hi = b.getUint32(0);
  const biased = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(b.getUint32(4));
  if (biased !== 0) mant |= 1n << 52n;
  const e = (biased === 0 ? 1 : biased) - 1075;
  const sign = hi >>> 31 ? '-' : '';
  // m·2^e = m·5^-e / 10^-e for e < 0; a Decimal built from a string is exact, whatever its length.
  return e >= 0 ? new Decimal(`${sign}${(mant << BigInt(e)).toString()}`) : new Decimal(`${sign}${(mant * 5n ** BigInt(-e)).toString()}e${e}`);
}

export class Arith {
  readonly D: Decimal.Constructor;
  private readonly rel: Decimal;
  readonly zero: Iv;
  readonly one: Iv;
  readonly nan: Iv;

  constructor(readonly precision: number) {
    this.D = Decimal.clone({ precision: precision + GUARD, rounding: Decimal.ROUND_HALF_EVEN, minE: -9e15, maxE: 9e15 });
    this.rel = new this.D(10).pow(-precision);
    this.zero = this.point(0);
    this.one = this.point(1);
    this.nan = this.point(NaN);
  }

  /** A Decimal of this precision (decimal.js computes with the precision of the receiver's constructor). */
  point(x: number | Decimal): Iv {
    const d = new this.D(typeof x === 'number' ? exactOf(x) : x);
    return { lo: d, hi: d };
  }

  /** Outward widening of a nearest-rounded lower / upper endpoint. */
  private down(x: Decimal): Decimal {
    return x.isFinite() && !x.isZero() ? x.minus(x.abs().times(this.rel)) : x;
  }
  private up(x: Decimal): Decimal {
    return x.isFinite() && !x.isZero() ? x.plus(x.abs().times(this.rel)) : x;
  }
  private iv(lo: Decimal, hi: Decimal): Iv {
    if (lo.isNaN() || hi.isNaN()) return this.nan;
    return { lo: this.down(lo), hi: this.up(hi) };
  }

  readonly all = (): Iv => ({ lo: new this.D(-Infinity), hi: new this.D(Infinity) });

  /** Increasing f on the domain [from, to]: NaN wholly outside it, the whole line across its edge. */
  incOn(a: Iv, from: number, to: number, f: (x: Decimal) => Decimal): Iv {
    if (a.lo.isNaN()) return this.nan;
    if (a.hi.lt(from) || a.lo.gt(to)) return this.nan;
    if (a.lo.lt(from) || a.hi.gt(to)) return this.all();
    return this.inc(a, f);
  }

  /** Increasing f: endpoints to endpoints. */
  inc(a: Iv, f: (x: Decimal) => Decimal): Iv {
    if (a.lo.eq(a.hi)) {
      const v = f(a.lo);
      return this.iv(v, v);
    }
    return this.iv(f(a.lo), f(a.hi));
  }
  dec(a: Iv, f: (x: Decimal) => Decimal): Iv {
    return this.iv(f(a.hi), f(a.lo));
  }
  /** Increasing in both arguments. */
  inc2(a: Iv, b: Iv, f: (x: Decimal, y: Decimal) => Decimal): Iv {
    return this.iv(f(a.lo, b.lo), f(a.hi, b.hi));
  }
  hull(...xs: Iv[]): Iv {
    if (xs.some((x) => x.lo.isNaN())) return this.nan;
    return { lo: this.D.min(...xs.map((x) => x.lo)), hi: this.D.max(...xs.map((x) => x.hi)) };
  }
  /** f at the corners of the box (f monotone in each argument on the box). */
  corners(a: Iv, b: Iv, f: (x: Decimal, y: Decimal) => Decimal): Iv {
    const vs = [f(a.lo, b.lo), f(a.lo, b.hi), f(a.hi, b.lo), f(a.hi, b.hi)];
    if (vs.some((v) => v.isNaN())) return this.nan;
    return this.iv(this.D.min(...vs), this.D.max(...vs));
  }

  isPoint(a: Iv): boolean {
    return a.lo.eq(a.hi);
  }
  contains(a: Iv, x: number): boolean {
    return a.lo.lte(x) && a.hi.gte(x);
  }

  // ---- arithmetic ---------------------------------------------------------------------

  add(a: Iv, b: Iv): Iv {
    return this.inc2(a, b, (x, y) => x.plus(y));
  }
  sub(a: Iv, b: Iv): Iv {
    return this.iv(a.lo.minus(b.hi), a.hi.minus(b.lo));
  }
  neg(a: Iv): Iv {
    return { lo: a.hi.neg(), hi: a.lo.neg() };
  }
  mul(a: Iv, b: Iv): Iv {
    // 0 · inf is NaN in IEEE arithmetic and in decimal.js alike.
    return this.corners(a, b, (x, y) => x.times(y));
  }
  div(a: Iv, b: Iv): Iv {
    if (b.lo.lte(0) && b.hi.gte(0) && !this.isPoint(b)) return a.lo.isNaN() ? this.nan : this.all();
    return this.corners(a, b, (x, y) => x.div(y));
  }
  abs(a: Iv): Iv {
    if (a.lo.gte(0)) return a;
    if (a.hi.lte(0)) return this.neg(a);
    return { lo: new this.D(0), hi: this.D.max(a.lo.neg(), a.hi) };
  }
  pow(a: Iv, b: Iv): Iv {
    const p = (x: Decimal, y: Decimal) => this.D.pow(x, y);
    if (this.isPoint(b) && b.lo.isInteger()) {
      // Integer powers: monotone on each side of 0; even powers have their minimum at 0.
      if (a.lo.lt(0) && a.hi.gt(0)) {
        const even = b.lo.mod(2).isZero();
        const ends = this.corners(a, b, p);
        return even && b.lo.gt(0) ? { lo: new this.D(0), hi: ends.hi } : b.lo.gt(0) ? ends : this.nan;
      }
      return this.corners(a, b, p);
    }
    // A negative base with a non-integer exponent is undefined.
    if (a.hi.lt(0)) return this.nan;
    if (a.lo.lt(0)) return this.all();
    return this.corners(a, b, p);
  }

  // ---- transcendental -----------------------------------------------------------------

  /** log(1 + x), by its series where 1 + x would lose x's digits. */
  log1pD(x: Decimal): Decimal {
    const D = this.D;
    if (x.abs().lt(new D(10).pow(-(this.precision / 2 + 4)))) return x.minus(x.times(x).div(2)).plus(x.pow(3).div(3));
    return D.ln(x.plus(1));
  }
  /** exp(x) - 1, by its series near 0. */
  expm1D(x: Decimal): Decimal {
    const D = this.D;
    if (x.abs().lt(new D(10).pow(-(this.precision / 2 + 4)))) return x.plus(x.times(x).div(2)).plus(x.pow(3).div(6));
    return D.exp(x).minus(1);
  }
  softplusD(x: Decimal): Decimal {
    // max(x, 0) + log1p(exp(-|x|))
    return this.D.max(x, 0).plus(this.log1pD(this.D.exp(x.abs().neg())));
  }
  sigmoidD(x: Decimal): Decimal {
    return new this.D(1).div(this.D.exp(x.neg()).plus(1));
  }
  log1mexpD(x: Decimal): Decimal {
    // log(1 - exp(x)), x <= 0; NaN above.
    if (x.gt(0)) return new this.D(NaN);
    return x.gt(-0.693) ? this.D.ln(this.expm1D(x).neg()) : this.log1pD(this.D.exp(x).neg());
  }
  logaddexpD(a: Decimal, b: Decimal): Decimal {
    const m = this.D.max(a, b);
    if (!m.isFinite()) return m;
    return m.plus(this.log1pD(this.D.exp(a.minus(b).abs().neg())));
  }

  exp(a: Iv): Iv {
    return this.inc(a, (x) => this.D.exp(x));
  }
  log(a: Iv): Iv {
    return this.incOn(a, 0, Infinity, (x) => (x.isZero() ? new this.D(-Infinity) : this.D.ln(x)));
  }
  log1p(a: Iv): Iv {
    return this.incOn(a, -1, Infinity, (x) => (x.eq(-1) ? new this.D(-Infinity) : this.log1pD(x)));
  }
  expm1(a: Iv): Iv {
    return this.inc(a, (x) => this.expm1D(x));
  }
  sqrt(a: Iv): Iv {
    return this.incOn(a, 0, Infinity, (x) => this.D.sqrt(x));
  }
  sigmoid(a: Iv): Iv {
    return this.inc(a, (x) => this.sigmoidD(x));
  }
  softplus(a: Iv): Iv {
    return this.inc(a, (x) => this.softplusD(x));
  }
  logsigmoid(a: Iv): Iv {
    return this.inc(a, (x) => this.softplusD(x.neg()).neg());
  }
  log1mexp(a: Iv): Iv {
    return this.incOn(a, -Infinity, 0, (x) => this.log1mexpD(x));
  }
  tanh(a: Iv): Iv {
    // tanh x = expm1(2x) / (expm1(2x) + 2): no cancellation near 0.
    return this.inc(a, (x) => {
      if (x.abs().gt(1e6)) return new this.D(x.s);
      const e = this.expm1D(x.times(2));
      return e.div(e.plus(2));
    });
  }
  logaddexp(a: Iv, b: Iv): Iv {
    return this.inc2(a, b, (x, y) => this.logaddexpD(x, y));
  }
  /** Non-monotone but smooth (sin, cos, tan): endpoints, widened; enclosures are tiny, extrema inside them rare. */
  smooth(a: Iv, f: (x: Decimal) => Decimal): Iv {
    const u = f(a.lo);
    const v = f(a.hi);
    return this.iv(this.D.min(u, v), this.D.max(u, v));
  }
}
