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

/** Two disjoint probe sets (primes above every literal size a loss is likely to spell). */
const PROBE_SETS: readonly (readonly number[])[] = [
  [1009, 1013, 1019, 1021, 1031, 1033, 1039, 1049, 1051, 1061, 1063, 1069, 1087, 1091, 1093, 1097],
  [1103, 1109, 1117, 1123, 1129, 1151, 1153, 1163, 1171, 1181, 1187, 1193, 1201, 1213, 1217, 1223],
];

export const MAX_SYMBOLIC_DIMS = PROBE_SETS[0]!.length;

export class SizeSymbols {
  /** Probe value of each symbolic dim, by dim index (its identifier is `d<index>`). */
  readonly probes: readonly number[];

  constructor(count: number, set: 0 | 1 = 0) {
    if (count > MAX_SYMBOLIC_DIMS) throw new Error(`internal: more than ${MAX_SYMBOLIC_DIMS} symbolic dims`);
    this.probes = PROBE_SETS[set]!.slice(0, count);
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
