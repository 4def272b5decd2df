// The reference interpreter: evaluates an IR program node by node, in topological order,
// each node into a plain Float64Array — elementwise ops with the op table's scalar `eval`,
// reductions, layout and indexing ops written out plainly, no fusion and no generated code.
// It is the independent oracle the fused JS kernels are tested against, and the engine of
// anomaly mode (runtime/anomaly.ts), which needs every intermediate value.
//
// Semantics are those of codegen/js.ts: float64 arithmetic throughout (float32 inputs are
// read exactly; rounding results is the caller's business), reductions fold their slice in
// row-major order, max/min propagate NaN, logsumexp is max-shifted, an empty sum is 0 and an
// empty max -inf, and an index out of range raises LD3007 at the indexing expression.
//
// Every kernel is written once over an element Algebra: `VALUES` is arithmetic; anomaly mode
// runs the same kernels (same broadcasting, slices, gathers) over other element types.

import { LossError } from '../grammar/source.js';
import { diag } from '../grammar/diagnostics.js';
import { numel, strides, type Node, type Shape } from './ir.js';
import { opInfo } from './ops.js';
import { printNode, topoOrder } from './print.js';

/** How the elements of a kernel combine; the index structure is the kernel's own. */
export interface Algebra {
  /** An elementwise op, applied to its operands' elements (already broadcast). */
  map(n: Node): (...xs: number[]) => number;
  /** A reduction: folds one slice (its elements in row-major order). */
  fold(n: Node): (xs: Float64Array) => number;
  /** One matmul result from a row of the left operand and a column of the right one. */
  dot(row: number[], col: number[]): number;
  /** gather/take: the element read, combined with the index element that chose it. */
  pick(x: number, index: number): number;
  /** index_add: the value of an untouched slot, and how a scattered element joins a slot. */
  scatterInit: number;
  scatter(acc: number, v: number, index: number): number;
}

const FOLDS: Record<string, (n: Node) => (xs: Float64Array) => number> = {
  sum: () => (xs) => {
    let a = 0;
    for (const v of xs) a += v;
    return a;
  },
  prod: () => (xs) => {
    let a = 1;
    for (const v of xs) a *= v;
    return a;
  },
  // Once NaN, always NaN (a comparison with NaN is false, so test the accumulator first).
  amax: () => (xs) => {
    let a = -Infinity;
    for (const v of xs) if (a === a && (v > a || v !== v)) a = v;
    return a;
  },
  amin: () => (xs) => {
    let a = Infinity;
    for (const v of xs) if (a === a && (v < a || v !== v)) a = v;
    return a;
  },
  norm: (n) => {
    const p = n.attrs.p!;
    return (xs) => {
      let a = 0;
      for (const v of xs) a += p === 2 ? v * v : Math.pow(Math.abs(v), p);
      return p === 2 ? Math.sqrt(a) : Math.pow(a, 1 / p);
    };
  },
  // log Σ exp(x - m) + m with m the slice's max; a max of ±inf or NaN is the result itself.
  logsumexp: () => (xs) => {
    let m = -Infinity;
    for (const v of xs) if (v > m || v !== v) m = v;
    if (m - m !== 0) return m;
    let a = 0;
    for (const v of xs) a += Math.exp(v - m);
    return m + Math.log(a);
  },
};

/** Real arithmetic: the program's values. */
export const VALUES: Algebra = {
  map: (n) => opInfo(n.op).eval!,
  fold: (n) => {
    const f = FOLDS[n.op];
    if (!f) throw new Error(`internal: no reduction ${n.op}`);
    return f(n);
  },
  dot: (row, col) => {
    let a = 0;
    for (let p = 0; p < row.length; p++) a += row[p]! * col[p]!;
    return a;
  },
  pick: (x) => x,
  scatterInit: 0,
  scatter: (acc, v) => acc + v,
};

// ---- index structure ------------------------------------------------------------------

/**
 * For every element of a tensor of shape `over`, in row-major order, the offset
 * Σ idx[d] * step[d] (an odometer: one addition per element, no division).
 */
function offsets(over: Shape, step: readonly number[]): Int32Array {
  const n = numel(over);
  const out = new Int32Array(n);
  const r = over.length;
  const idx = new Array<number>(r).fill(0);
  let off = 0;
  for (let i = 0; i < n; i++) {
    out[i] = off;
    for (let d = r - 1; d >= 0; d--) {
      idx[d]!++;
      off += step[d]!;
      if (idx[d]! < over[d]!) break;
      off -= step[d]! * over[d]!;
      idx[d] = 0;
    }
  }
  return out;
}

/** Steps reading an operand of shape `from` broadcast (NumPy rules) to `to`. */
function broadcastSteps(from: Shape, to: Shape): number[] {
  const st = strides(from);
  const lead = to.length - from.length;
  return to.map((_, d) => (d < lead || from[d - lead] === 1 ? 0 : st[d - lead]!));
}

/** The multi-index of flat offset i in `shape`, for error messages. */
function unravel(i: number, shape: Shape): number[] {
  const out = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    const s = shape[d]!;
    out[d] = s === 0 ? 0 : i % s;
    i = s === 0 ? 0 : Math.floor(i / s);
  }
  return out;
}

function checkIndex(n: Node, v: number, limit: number, at: number, over: Shape): number {
  if (!(v >= 0 && v < limit)) {
    const what = n.op === 'take' || n.op === 'index_add' ? 'row index' : 'class index';
    const text = printNode(n);
    throw new LossError(diag('LD3007', n.span, what, v, limit, text.length > 60 ? `${text.slice(0, 60)}…` : text, `[${unravel(at, over).join(', ')}]`));
  }
  return v;
}

// ---- kernels --------------------------------------------------------------------------

/**
 * One node's result from its operands' buffers, in algebra `alg`. `real` holds the operands'
 * actual values: indexing ops take their indices from there whatever the algebra.
 */
export function evalNode(n: Node, args: readonly Float64Array[], alg: Algebra = VALUES, real: readonly Float64Array[] = args): Float64Array {
  const size = numel(n.shape);
  const out = new Float64Array(size);
  const kind = opInfo(n.op).kind;
  switch (n.op) {
    case 'const':
    case 'size':
      out.fill(n.attrs.value!);
      return out;
    case 'input':
      throw new Error(`internal: input ${n.attrs.name} has no value`);
    case 'iota': {
      const axis = n.attrs.axis!;
      const offs = offsets(n.shape, n.shape.map((_, d) => (d === axis ? 1 : 0)));
      for (let i = 0; i < size; i++) out[i] = offs[i]!;
      return out;
    }
    case 'reshape':
      out.set(args[0]!);
      return out;
    case 'expand':
    case 'permute': {
      const x = n.args[0]!;
      const steps = n.op === 'expand' ? broadcastSteps(x.shape, n.shape) : n.attrs.perm!.map((p) => strides(x.shape)[p]!);
      const offs = offsets(n.shape, steps);
      const a = args[0]!;
      for (let i = 0; i < size; i++) out[i] = a[offs[i]!]!;
      return out;
    }
    case 'gather': {
      // out[..., j, ...] = x[..., index[..., j, ...], ...] along `axis`, index shaped like out.
      const x = n.args[0]!;
      const axis = n.attrs.axis!;
      const xs = strides(x.shape);
      const base = offsets(n.shape, n.shape.map((_, d) => xs[d < axis ? d : d + 1]!));
      const [a, ix] = args as [Float64Array, Float64Array];
      const idx = real[1]!;
      for (let i = 0; i < size; i++) {
        const k = checkIndex(n, idx[i]!, x.shape[axis]!, i, n.shape);
        out[i] = alg.pick(a[base[i]! + k * xs[axis]!]!, ix[i]!);
      }
      return out;
    }
    case 'take': {
      // Rows of x picked by index: out = index.shape ++ x.shape[1:].
      const x = n.args[0]!;
      const rest = numel(x.shape.slice(1));
      const [a, ix] = args as [Float64Array, Float64Array];
      const idx = real[1]!;
      for (let i = 0; i < size; i++) {
        const q = Math.floor(i / rest);
        const row = checkIndex(n, idx[q]!, x.shape[0]!, i, n.shape);
        out[i] = alg.pick(a[row * rest + (i % rest)]!, ix[q]!);
      }
      return out;
    }
    case 'index_add': {
      // The adjoint of take: rows of g added into a tensor of attrs.shape at index.
      const g = n.args[0]!;
      const rest = numel(n.shape.slice(1));
      const [a, ix] = args as [Float64Array, Float64Array];
      const idx = real[1]!;
      out.fill(alg.scatterInit);
      const count = numel(g.shape);
      for (let i = 0; i < count; i++) {
        const q = Math.floor(i / rest);
        const row = checkIndex(n, idx[q]!, n.shape[0]!, i, g.shape);
        const at = row * rest + (i % rest);
        out[at] = alg.scatter(out[at]!, a[i]!, ix[q]!);
      }
      return out;
    }
    case 'matmul': {
      // [..., m, k] @ [..., k, n], batch dims already equal (the IR expands them).
      const [x, y] = n.args as [Node, Node];
      const r = n.shape.length;
      const m = n.shape[r - 2]!;
      const cols = n.shape[r - 1]!;
      const k = x.shape[r - 1]!;
      const batches = numel(n.shape.slice(0, -2));
      const [a, b] = args as [Float64Array, Float64Array];
      const row = new Array<number>(k);
      const col = new Array<number>(k);
      for (let bi = 0; bi < batches; bi++) {
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < cols; j++) {
            for (let p = 0; p < k; p++) {
              row[p] = a[(bi * m + i) * k + p]!;
              col[p] = b[(bi * k + p) * cols + j]!;
            }
            out[(bi * m + i) * cols + j] = alg.dot(row, col);
          }
        }
      }
      return out;
    }
  }
  if (kind === 'reduce') {
    // Each operand element goes to the slice of the output element it reduces into: a
    // counting sort by output offset keeps each slice contiguous and in row-major order.
    const x = n.args[0]!;
    const dims = n.attrs.dims!;
    const kept = x.shape.map((s, d) => (dims.includes(d) ? 1 : s));
    const ks = strides(kept);
    const offs = offsets(x.shape, x.shape.map((_, d) => (dims.includes(d) ? 0 : ks[d]!)));
    const start = new Int32Array(size + 1);
    for (let i = 0; i < offs.length; i++) start[offs[i]! + 1]!++;
    for (let j = 0; j < size; j++) start[j + 1]! += start[j]!;
    const sorted = new Float64Array(offs.length);
    const fill = start.slice(0, size);
    const a = args[0]!;
    for (let i = 0; i < offs.length; i++) sorted[fill[offs[i]!]!++] = a[i]!;
    const fold = alg.fold(n);
    for (let j = 0; j < size; j++) out[j] = fold(sorted.subarray(start[j]!, start[j + 1]!));
    return out;
  }
  if (kind === 'elementwise') {
    const f = alg.map(n);
    // Operands already of the result's shape are read at i; others through broadcast offsets.
    const read = n.args.map((a, k): ((i: number) => number) => {
      const buf = args[k]!;
      if (buf.length === size) return (i) => buf[i]!;
      if (buf.length === 1) return () => buf[0]!;
      const offs = offsets(n.shape, broadcastSteps(a.shape, n.shape));
      return (i) => buf[offs[i]!]!;
    });
    const [r0, r1, r2] = read;
    if (read.length === 1) for (let i = 0; i < size; i++) out[i] = f(r0!(i));
    else if (read.length === 2) for (let i = 0; i < size; i++) out[i] = f(r0!(i), r1!(i));
    else if (read.length === 3) for (let i = 0; i < size; i++) out[i] = f(r0!(i), r1!(i), r2!(i));
    else for (let i = 0; i < size; i++) out[i] = f(...read.map((r) => r(i)));
    return out;
  }
  throw new Error(`internal: the interpreter has no kernel for ${n.op}`);
}

/**
 * Evaluates everything `outputs` depend on. `inputs` gives each input node's data (the
 * generated function's arguments). `visit`, when given, sees each node's result as soon as it
 * is computed, with its operands' results (anomaly mode checks every node this way).
 */
export function interpret(
  outputs: readonly Node[],
  inputs: ReadonlyMap<Node, ArrayLike<number>>,
  visit?: (n: Node, value: Float64Array, args: Float64Array[], rank: number) => void,
): Map<Node, Float64Array> {
  const values = new Map<Node, Float64Array>();
  const order = topoOrder(outputs);
  order.forEach((n, rank) => {
    const args = n.args.map((a) => values.get(a)!);
    let v: Float64Array;
    if (n.op === 'input') {
      const given = inputs.get(n);
      if (!given) throw new Error(`internal: no data for input ${n.attrs.name}`);
      v = Float64Array.from(given);
    } else {
      v = evalNode(n, args);
    }
    values.set(n, v);
    visit?.(n, v, args, rank);
  });
  return values;
}
