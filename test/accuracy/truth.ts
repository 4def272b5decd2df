// Ground truth: the IR of a formula *as lowered* (before any rewrite, i.e. the mathematics the
// user wrote) evaluated in interval arithmetic (interval.ts). The precision is doubled until
// every output's enclosure rounds to a single double (or float32), as Herbie's Rival does, so
// a truth is never an artefact of too few digits (ln(1 + e^-700) needs ~330 digits, 1 + x
// being 1 below that). Gradients are central finite differences of that interval evaluation,
// h = 10^-(P/3), so the truncation error O(h²) is far below one ulp; the quotient's
// enclosure must round to one double too. Our own AD and derivative table are not used.

import type { Decimal } from 'decimal.js';
import type { Node } from '../../compiler/ir.js';
import { topoOrder } from '../../compiler/print.js';
import { Arith, exactOf, type Iv } from './interval.js';

export type Dtype = 'float64' | 'float32';
export type Round = (x: number) => number;
export const rounders: Record<Dtype, Round> = { float64: (x) => x, float32: Math.fround };

export interface TensorIv {
  shape: readonly number[];
  data: Iv[];
}

const numel = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const strides = (s: readonly number[]) => {
  const out = new Array<number>(s.length);
  let acc = 1;
  for (let i = s.length - 1; i >= 0; i--) {
    out[i] = acc;
    acc *= s[i]!;
  }
  return out;
};
const unravel = (flat: number, shape: readonly number[]): number[] => {
  const st = strides(shape);
  return shape.map((d, i) => Math.floor(flat / st[i]!) % d);
};
const ravel = (idx: readonly number[], shape: readonly number[]): number => {
  const st = strides(shape);
  return idx.reduce((acc, v, i) => acc + (shape[i] === 1 ? 0 : v) * st[i]!, 0);
};
/** Index into an operand broadcast (NumPy) to `out`. */
const bcast = (idx: readonly number[], out: readonly number[], arg: readonly number[]): number[] =>
  arg.map((d, j) => (d === 1 ? 0 : idx[j + out.length - arg.length]!));

export class UnsupportedOp extends Error {}

type Elementwise = (A: Arith, ...xs: Iv[]) => Iv;
const cmp = (test: (a: Iv, b: Iv) => boolean | undefined): Elementwise => (A, a, b) => {
  const r = test(a!, b!);
  return r === undefined ? A.hull(A.zero, A.one) : r ? A.one : A.zero;
};
const truth = (A: Arith, x: Iv): boolean | undefined => (A.isPoint(x) && x.lo.isZero() ? false : x.lo.gt(0) || x.hi.lt(0) ? true : undefined);

/** Interval semantics of every elementwise op of compiler/ops.ts. */
const ELEMENTWISE: Record<string, Elementwise> = {
  neg: (A, a) => A.neg(a!),
  not: (A, a) => (truth(A, a!) === undefined ? A.hull(A.zero, A.one) : truth(A, a!) ? A.zero : A.one),
  cast: (_A, a) => a!,
  detach: (_A, a) => a!,
  exp: (A, a) => A.exp(a!),
  log: (A, a) => A.log(a!),
  log1p: (A, a) => A.log1p(a!),
  expm1: (A, a) => A.expm1(a!),
  sqrt: (A, a) => A.sqrt(a!),
  abs: (A, a) => A.abs(a!),
  sign: (A, a) => A.inc(a!, (x) => new A.D(x.isZero() ? 0 : x.s)),
  sigmoid: (A, a) => A.sigmoid(a!),
  logsigmoid: (A, a) => A.logsigmoid(a!),
  softplus: (A, a) => A.softplus(a!),
  log1mexp: (A, a) => A.log1mexp(a!),
  tanh: (A, a) => A.tanh(a!),
  relu: (A, a) => A.inc(a!, (x) => (x.isNaN() || x.gt(0) ? x : new A.D(0))),
  sin: (A, a) => A.smooth(a!, (x) => A.D.sin(x)),
  cos: (A, a) => A.smooth(a!, (x) => A.D.cos(x)),
  tan: (A, a) => A.smooth(a!, (x) => A.D.tan(x)),
  asin: (A, a) => A.incOn(a!, -1, 1, (x) => A.D.asin(x)),
  acos: (A, a) => A.neg(A.incOn(a!, -1, 1, (x) => A.D.acos(x).neg())),
  atan: (A, a) => A.inc(a!, (x) => A.D.atan(x)),
  floor: (A, a) => A.inc(a!, (x) => x.floor()),
  ceil: (A, a) => A.inc(a!, (x) => x.ceil()),
  round: (A, a) => A.inc(a!, (x) => x.toDecimalPlaces(0, 6 /* ROUND_HALF_EVEN */)),
  add: (A, a, b) => A.add(a!, b!),
  sub: (A, a, b) => A.sub(a!, b!),
  mul: (A, a, b) => A.mul(a!, b!),
  div: (A, a, b) => A.div(a!, b!),
  pow: (A, a, b) => A.pow(a!, b!),
  max: (A, a, b) => A.inc2(a!, b!, (x, y) => (x.isNaN() || y.isNaN() ? new A.D(NaN) : x.gt(y) ? x : y)),
  min: (A, a, b) => A.inc2(a!, b!, (x, y) => (x.isNaN() || y.isNaN() ? new A.D(NaN) : x.lt(y) ? x : y)),
  lt: cmp((a, b) => (a.hi.lt(b.lo) ? true : a.lo.gte(b.hi) ? false : undefined)),
  le: cmp((a, b) => (a.hi.lte(b.lo) ? true : a.lo.gt(b.hi) ? false : undefined)),
  gt: cmp((a, b) => (a.lo.gt(b.hi) ? true : a.hi.lte(b.lo) ? false : undefined)),
  ge: cmp((a, b) => (a.lo.gte(b.hi) ? true : a.hi.lt(b.lo) ? false : undefined)),
  eq: cmp((a, b) => (a.lo.eq(a.hi) && b.lo.eq(b.hi) && a.lo.eq(b.lo) ? true : a.hi.lt(b.lo) || a.lo.gt(b.hi) ? false : undefined)),
  ne: cmp((a, b) => (a.lo.eq(a.hi) && b.lo.eq(b.hi) && a.lo.eq(b.lo) ? false : a.hi.lt(b.lo) || a.lo.gt(b.hi) ? true : undefined)),
  and: (A, a, b) => {
    const [x, y] = [truth(A, a!), truth(A, b!)];
    return x === false || y === false ? A.zero : x && y ? A.one : A.hull(A.zero, A.one);
  },
  or: (A, a, b) => {
    const [x, y] = [truth(A, a!), truth(A, b!)];
    return x || y ? A.one : x === false && y === false ? A.zero : A.hull(A.zero, A.one);
  },
  logaddexp: (A, a, b) => A.logaddexp(a!, b!),
  xlogy: (A, a, b) => {
    if (A.isPoint(a!) && a!.lo.isZero()) return b!.lo.isNaN() ? A.nan : A.zero;
    return A.mul(a!, A.log(b!));
  },
  where: (A, c, a, b) => {
    const t = truth(A, c!);
    return t === undefined ? A.hull(a!, b!) : t ? a! : b!;
  },
};

/** Evaluates the graph below `roots` on interval inputs at one precision. */
export function evaluate(A: Arith, roots: readonly Node[], inputs: Map<string, TensorIv>): TensorIv[] {
  const val = new Map<Node, TensorIv>();
  for (const n of topoOrder(roots)) val.set(n, evalNode(A, n, n.args.map((a) => val.get(a)!), inputs));
  return roots.map((r) => val.get(r)!);
}

function evalNode(A: Arith, n: Node, args: TensorIv[], inputs: Map<string, TensorIv>): TensorIv {
  const shape = n.shape;
  const size = numel(shape);
  const gen = (f: (idx: number[], flat: number) => Iv): TensorIv => ({ shape, data: Array.from({ length: size }, (_, i) => f(unravel(i, shape), i)) });
  const at = (t: TensorIv, idx: readonly number[]) => t.data[ravel(idx, t.shape)]!;
  switch (n.op) {
    case 'const':
      return { shape, data: [A.point(n.attrs.value!)] };
    case 'input': {
      const t = inputs.get(n.attrs.name!);
      if (!t) throw new Error(`no value for input ${n.attrs.name}`);
      return t;
    }
    case 'iota':
      return gen((idx) => A.point(idx[n.attrs.axis!]!));
    case 'reshape':
      return { shape, data: args[0]!.data };
    case 'expand':
      return gen((idx) => at(args[0]!, bcast(idx, shape, args[0]!.shape)));
    case 'permute': {
      const perm = n.attrs.perm!;
      return gen((idx) => {
        const src = new Array<number>(perm.length);
        perm.forEach((p, i) => (src[p] = idx[i]!));
        return at(args[0]!, src);
      });
    }
    case 'gather': {
      const axis = n.attrs.axis!;
      return gen((idx) => {
        const k = pointIndex(at(args[1]!, idx));
        if (k < 0 || k >= args[0]!.shape[axis]!) throw new RangeError('index out of range');
        return at(args[0]!, [...idx.slice(0, axis), k, ...idx.slice(axis)]);
      });
    }
    case 'take': {
      const q = args[1]!.shape.length;
      return gen((idx) => {
        const k = pointIndex(at(args[1]!, idx.slice(0, q)));
        if (k < 0 || k >= args[0]!.shape[0]!) throw new RangeError('index out of range');
        return at(args[0]!, [k, ...idx.slice(q)]);
      });
    }
    case 'index_add': {
      const [g, ix] = args as [TensorIv, TensorIv];
      const q = ix.shape.length;
      const out = Array.from({ length: size }, () => A.zero);
      for (let i = 0; i < g.data.length; i++) {
        const idx = unravel(i, g.shape);
        const k = pointIndex(at(ix, idx.slice(0, q)));
        const o = ravel([k, ...idx.slice(q)], shape);
        out[o] = A.add(out[o]!, g.data[i]!);
      }
      return { shape, data: out };
    }
    case 'matmul': {
      const [a, b] = args as [TensorIv, TensorIv];
      const r = shape.length;
      const K = a.shape[r - 1]!;
      return gen((idx) => {
        let acc = A.zero;
        for (let p = 0; p < K; p++) {
          acc = A.add(acc, A.mul(at(a, [...idx.slice(0, r - 1), p]), at(b, [...idx.slice(0, r - 2), p, idx[r - 1]!])));
        }
        return acc;
      });
    }
    case 'sum':
    case 'prod':
    case 'amax':
    case 'amin':
    case 'logsumexp':
    case 'norm':
      return reduce(A, n, args[0]!);
    default: {
      const f = ELEMENTWISE[n.op];
      if (!f) throw new UnsupportedOp(`no interval semantics for op ${n.op}`);
      return gen((idx) => f(A, ...args.map((t) => at(t, bcast(idx, shape, t.shape)))));
    }
  }
}

function pointIndex(v: Iv): number {
  if (!v.lo.eq(v.hi)) throw new Error('index is not exact');
  return v.lo.toNumber();
}

function reduce(A: Arith, n: Node, x: TensorIv): TensorIv {
  const dims = n.attrs.dims!;
  const groups = new Map<number, Iv[]>();
  const keptShape = x.shape.map((d, i) => (dims.includes(i) ? 1 : d));
  for (let i = 0; i < x.data.length; i++) {
    const idx = unravel(i, x.shape).map((v, d) => (dims.includes(d) ? 0 : v));
    const k = ravel(idx, keptShape);
    const list = groups.get(k) ?? [];
    list.push(x.data[i]!);
    groups.set(k, list);
  }
  const out: Iv[] = [];
  for (let k = 0; k < numel(keptShape); k++) out.push(reduceOne(A, n, groups.get(k) ?? []));
  return { shape: n.shape, data: out };
}

function reduceOne(A: Arith, n: Node, xs: Iv[]): Iv {
  const D = A.D;
  switch (n.op) {
    case 'sum':
      return xs.reduce((a, b) => A.add(a, b), A.zero);
    case 'prod':
      return xs.reduce((a, b) => A.mul(a, b), A.one);
    case 'amax':
      return xs.reduce((a, b) => ELEMENTWISE.max!(A, a, b), A.point(-Infinity));
    case 'amin':
      return xs.reduce((a, b) => ELEMENTWISE.min!(A, a, b), A.point(Infinity));
    case 'logsumexp': {
      // Increasing in every entry: the max-shifted sum at the lower and at the upper ends.
      const lse = (vs: Decimal[]): Decimal => {
        if (vs.some((v) => v.isNaN())) return new D(NaN);
        const m = vs.reduce((a, b) => (b.gt(a) ? b : a), new D(-Infinity));
        if (!m.isFinite()) return m;
        return m.plus(D.ln(vs.reduce((s, v) => s.plus(D.exp(v.minus(m))), new D(0))));
      };
      if (xs.some((x) => x.lo.isNaN())) return A.nan;
      return widen(A, lse(xs.map((x) => x.lo)), lse(xs.map((x) => x.hi)));
    }
    case 'norm': {
      const p = n.attrs.p!;
      const abs = xs.map((x) => A.abs(x));
      const f = (vs: Decimal[]) => {
        const s = vs.reduce((acc, v) => acc.plus(p === 2 ? v.times(v) : D.pow(v, p)), new D(0));
        return p === 2 ? D.sqrt(s) : D.pow(s, new D(1).div(p));
      };
      if (abs.some((x) => x.lo.isNaN())) return A.nan;
      return widen(A, f(abs.map((x) => x.lo)), f(abs.map((x) => x.hi)));
    }
    default:
      throw new UnsupportedOp(`no interval semantics for reduction ${n.op}`);
  }
}

function widen(A: Arith, lo: Decimal, hi: Decimal): Iv {
  return A.inc2({ lo, hi }, A.zero, (x) => x);
}

export { exactOf };
