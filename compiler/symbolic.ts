// Symbolic sizes for compile-time export (a size-generic program from one compilation).
//
// The IR has concrete shapes, and every pass decides with them. To compile a program that is
// valid for all sizes, each symbolic dim (a named dim such as N or C) gets a *probe*: a
// distinct prime no literal size uses. Shapes then carry probes and products of probes, which
// factor uniquely, so the code generator prints every loop bound, stride and buffer length as
// an expression of the dims (`d0 * d1`). Numbers computed from sizes (a mean's count,
// `size(x, 1)`) become `size` leaves, which no pass folds. Whatever a pass decides from a
// probe that does not hold for every size shows up as a difference between two compilations
// with different probes: the exporter compiles twice and refuses a program whose code differs
// (compiler/export/).
//
// Symbolic dims are assumed distinct from one another and from 1 while compiling (a probe is
// neither); the generated loops are correct at run time for any size, 1 included, because a
// dim of size 1 is only special where it broadcasts, and symbolic dims never do.

/** Primes from 1009 up: probes, far above the literal sizes losses spell, small enough that a
 * product of five stays an exact integer in a double. */
const PRIMES: readonly number[] = (() => {
  const out: number[] = [];
  for (let n = 1009; out.length < 200; n += 2) {
    let prime = true;
    for (let d = 3; d * d <= n; d += 2) if (n % d === 0) prime = false;
    if (prime) out.push(n);
  }
  return out;
})();

/** The most symbolic dims one export may have. */
export const MAX_SYMBOLIC_DIMS = 16;

export class SizeSymbols {
  /** Probe value of each symbolic dim, by dim index (its identifier is `d<index>`). */
  readonly probes: readonly number[];

  /**
   * `set` 0 and 1 give disjoint probes (the exporter compiles with both); `avoid` lists the
   * literal sizes of the signature, whose factors a probe must not be.
   */
  constructor(count: number, set: 0 | 1 = 0, avoid: readonly number[] = []) {
    if (count > MAX_SYMBOLIC_DIMS) throw new Error(`internal: more than ${MAX_SYMBOLIC_DIMS} symbolic dims`);
    const usable = PRIMES.filter((p) => !avoid.some((a) => Number.isInteger(a) && a > 0 && a % p === 0));
    this.probes = usable.slice(set * count, set * count + count);
  }

  /** The generated identifier of symbolic dim i. */
  static ident(i: number): string {
    return `d${i}`;
  }

  /** Factors a size into a literal part and the symbolic dims it multiplies (with repeats). */
  factor(v: number): { literal: number; dims: number[] } {
    let literal = v;
    const dims: number[] = [];
    if (!Number.isInteger(v) || v <= 0) return { literal: v, dims };
    this.probes.forEach((p, i) => {
      while (literal % p === 0) {
        literal /= p;
        dims.push(i);
      }
    });
    return { literal, dims };
  }

  /** Whether a size depends on a symbolic dim. */
  isSymbolic(v: number): boolean {
    return this.factor(v).dims.length > 0;
  }

  /** A size as a JS expression of the dims: `d0`, `(3 * d0 * d1)`, or the literal. */
  text(v: number): string {
    const { literal, dims } = this.factor(v);
    if (dims.length === 0) return String(v);
    const terms = [...(literal === 1 ? [] : [String(literal)]), ...dims.map((i) => SizeSymbols.ident(i))];
    return terms.length === 1 ? terms[0]! : `(${terms.join(' * ')})`;
  }
}
