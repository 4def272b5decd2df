// The IR: a DAG of small immutable, hash-consed nodes with concrete shapes.
// Every node is created through a Graph, which interns it (structurally equal nodes are the
// same object, so CSE is free and "did this rewrite change anything?" is an identity check),
// infers its shape and dtype, and raises a LossError at the node's source span when the
// operands do not fit. Lowering, rewriting and differentiation all build nodes this way.

import { LossError, type Span } from '../grammar/source.js';
import { diag, type DiagnosticCode } from '../grammar/diagnostics.js';
import { opInfo, type OpName } from './ops.js';
import type { SizeSymbols } from './symbolic.js';

export type DType = 'float' | 'int';
export type Shape = readonly number[];

export interface Attrs {
  readonly value?: number; // const
  readonly name?: string; // input
  readonly dims?: readonly number[]; // reductions (sorted, non-negative)
  readonly keepdim?: boolean; // reductions
  readonly p?: number; // norm
  readonly axis?: number; // gather, iota
  readonly shape?: Shape; // reshape, expand, iota, index_add
  readonly perm?: readonly number[]; // permute
}

export interface Node {
  readonly id: number;
  readonly op: OpName;
  readonly args: readonly Node[];
  readonly attrs: Attrs;
  readonly shape: Shape;
  readonly dtype: DType;
  /** Where the user wrote it (the first occurrence, for a shared node). */
  readonly span?: Span;
}

/** The most elements a typed array holds: no intermediate may be larger. */
export const MAX_NODE_ELEMENTS = 2 ** 31 - 1;

export const numel = (shape: Shape): number => shape.reduce((a, b) => a * b, 1);
/** Row-major strides: how far one step along each dim moves in the flat data. */
export function strides(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

export const sameShape = (a: Shape, b: Shape): boolean =>
  a.length === b.length && a.every((d, i) => d === b[i]);
export const fmtShape = (s: Shape): string => `[${s.join(', ')}]`;

/** NumPy broadcasting of two shapes, or undefined when they do not broadcast. */
export function broadcastShapes(a: Shape, b: Shape): number[] | undefined {
  const n = Math.max(a.length, b.length);
  const out: number[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return undefined;
    out[i] = da === 1 ? db : da;
  }
  return out;
}

function attrKey(a: Attrs): string {
  // Fixed key order; numbers keep -0 and NaN distinct.
  let k = '';
  if (a.value !== undefined) k += `v${Object.is(a.value, -0) ? '-0' : String(a.value)}`;
  if (a.name !== undefined) k += `n${JSON.stringify(a.name)}`;
  if (a.dims) k += `d${a.dims.join(',')}`;
  if (a.keepdim !== undefined) k += `k${a.keepdim ? 1 : 0}`;
  if (a.p !== undefined) k += `p${a.p}`;
  if (a.axis !== undefined) k += `a${a.axis}`;
  if (a.shape) k += `s${a.shape.join(',')}`;
  if (a.perm) k += `P${a.perm.join(',')}`;
  return k;
}

/** Owner of one program's nodes: interning, shape inference, errors with spans. */
export class Graph {
  private readonly table = new Map<string, Node>();
  private nextId = 0;
  /** Span attached to nodes created without an explicit one (set by rewrites and AD). */
  defaultSpan?: Span;
  /** Set when compiling for export: shapes hold probes of symbolic dims (compiler/symbolic.ts). */
  readonly symbolic?: SizeSymbols;

  constructor(symbolic?: SizeSymbols) {
    this.symbolic = symbolic;
  }

  get size(): number {
    return this.table.size;
  }

  fail(span: Span | undefined, code: DiagnosticCode, ...args: (string | number)[]): never {
    throw new LossError(diag(code, span ?? this.defaultSpan, ...args));
  }

  /** Interns a node whose shape and dtype are already known. */
  make(op: OpName, args: readonly Node[], attrs: Attrs, shape: Shape, dtype: DType, span?: Span): Node {
    // Every node may be materialized as a typed array: refuse what none can hold (and the
    // loops of billions of iterations it would take) at the expression that asks for it.
    // (Probe sizes are not real sizes: a symbolic program is checked at run time instead.)
    if (!this.symbolic && numel(shape) > MAX_NODE_ELEMENTS) this.fail(span, 'LD2048', fmtShape(shape), MAX_NODE_ELEMENTS);
    const key = `${op}|${args.map((a) => a.id).join(',')}|${attrKey(attrs)}|${dtype}|${shape.join(',')}`;
    const found = this.table.get(key);
    if (found) return found;
    const node: Node = Object.freeze({
      id: this.nextId++,
      op,
      args: Object.freeze([...args]),
      attrs: Object.freeze({ ...attrs }),
      shape: Object.freeze([...shape]),
      dtype,
      span: span ?? this.defaultSpan,
    });
    this.table.set(key, node);
    return node;
  }

  // ---- leaves -------------------------------------------------------------------------

  const(value: number, span?: Span): Node {
    return this.make('const', [], { value }, [], 'float', span);
  }
  input(name: string, shape: Shape, dtype: DType, span?: Span): Node {
    return this.make('input', [], { name }, shape, dtype, span);
  }
  /**
   * A number of elements as a scalar: a constant, or a `size` leaf when it depends on a
   * symbolic dim (so that no pass folds the probe into the program).
   */
  count(value: number, span?: Span): Node {
    if (this.symbolic?.isSymbolic(value)) return this.make('size', [], { value }, [], 'float', span);
    return this.const(value, span);
  }
  /** The index along `axis` of each element of a tensor of `shape`. */
  iota(shape: Shape, axis: number, span?: Span): Node {
    return this.make('iota', [], { shape, axis }, shape, 'int', span);
  }

  // ---- elementwise --------------------------------------------------------------------

  /** Any elementwise op of the table, with broadcasting; int operands of float ops are cast. */
  map(op: OpName, args: readonly Node[], span?: Span): Node {
    const info = opInfo(op);
    if (info.kind !== 'elementwise') throw new Error(`internal: ${op} is not elementwise`);
    let shape: Shape = args[0]!.shape;
    for (let i = 1; i < args.length; i++) {
      const b = broadcastShapes(shape, args[i]!.shape);
      if (!b) {
        const what = info.syntax.infix ? `'${info.syntax.infix}'` : `${info.syntax.name}()`;
        this.fail(span, 'LD2010', what, fmtShape(args[0]!.shape), fmtShape(args[i]!.shape));
      }
      shape = b;
    }
    // Int operands give an int result where the op is closed over ints; an integral constant
    // does not force float (`where(t == ignore, 0, t)` stays an index), and the condition of
    // `where` does not take part.
    const typed = op === 'where' ? args.slice(1) : args;
    const intLike = (a: Node) => a.dtype === 'int' || (a.op === 'const' && Number.isInteger(a.attrs.value));
    const dtype: DType = info.intClosed && typed.some((a) => a.dtype === 'int') && typed.every(intLike) ? 'int' : 'float';
    const cast = (a: Node): Node => (dtype === 'float' && !info.intArgsOk ? this.cast(a) : a);
    return this.make(op, args.map(cast), {}, shape, dtype, span);
  }

  cast(x: Node): Node {
    if (x.dtype === 'float') return x;
    if (x.op === 'const') return x;
    return this.make('cast', [x], {}, x.shape, 'float', x.span);
  }

  // ---- reductions ---------------------------------------------------------------------

  /** Normalizes a user `dim` (negative allowed) against a rank. */
  normDim(d: number, rank: number, span?: Span): number {
    const r = Math.max(rank, 1);
    if (!Number.isInteger(d) || d < -r || d >= r) this.fail(span, 'LD2020', d, rank);
    return d < 0 ? d + r : d;
  }

  reduce(op: OpName, x: Node, dims: readonly number[] | undefined, keepdim: boolean, span?: Span, p?: number): Node {
    const rank = x.shape.length;
    const all = dims === undefined || dims.length === 0 ? x.shape.map((_, i) => i) : dims;
    const norm = [...new Set(all.map((d) => this.normDim(d, rank, span)))].sort((a, b) => a - b);
    // A reduction of a scalar is the scalar itself (the norm of one number is its magnitude).
    if (rank === 0) return op === 'norm' ? this.map('abs', [x], span) : this.cast(x);
    const shape = keepdim ? x.shape.map((d, i) => (norm.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !norm.includes(i));
    const attrs: Attrs = p === undefined ? { dims: norm, keepdim } : { dims: norm, keepdim, p };
    return this.make(op, [this.cast(x)], attrs, shape, 'float', span);
  }

  // ---- shape ops ----------------------------------------------------------------------

  reshape(x: Node, shape: Shape, span?: Span): Node {
    if (numel(shape) !== numel(x.shape)) this.fail(span, 'LD2011', fmtShape(x.shape), fmtShape(shape));
    if (sameShape(shape, x.shape)) return x;
    if (x.op === 'reshape') return this.reshape(x.args[0]!, shape, span);
    if (x.op === 'const') return this.expand(x, shape, span);
    return this.make('reshape', [x], { shape }, shape, x.dtype, span);
  }

  /** Broadcasts x to `shape` (NumPy rules). */
  expand(x: Node, shape: Shape, span?: Span): Node {
    const b = broadcastShapes(x.shape, shape);
    if (!b || !sameShape(b, shape)) this.fail(span, 'LD2012', fmtShape(x.shape), fmtShape(shape));
    if (sameShape(x.shape, shape)) return x;
    return this.make('expand', [x], { shape }, shape, x.dtype, span);
  }

  permute(x: Node, perm: readonly number[], span?: Span): Node {
    if (perm.every((p, i) => p === i)) return x;
    const shape = perm.map((p) => x.shape[p]!);
    if (x.op === 'permute') {
      const inner = x.attrs.perm!;
      return this.permute(x.args[0]!, perm.map((p) => inner[p]!), span);
    }
    return this.make('permute', [x], { perm }, shape, x.dtype, span);
  }

  /** Swaps the last two dims. */
  transpose(x: Node, span?: Span): Node {
    const r = x.shape.length;
    if (r < 2) return x;
    const perm = x.shape.map((_, i) => i);
    perm[r - 2] = r - 1;
    perm[r - 1] = r - 2;
    return this.permute(x, perm, span);
  }

  /** Sums `g` down to `shape`, undoing broadcasting (the adjoint of expand). */
  sumTo(g: Node, shape: Shape, span?: Span): Node {
    if (sameShape(g.shape, shape)) return g;
    const lead = g.shape.length - shape.length;
    const dims: number[] = [];
    for (let i = 0; i < g.shape.length; i++) {
      if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) dims.push(i);
    }
    const summed = dims.length ? this.reduce('sum', g, dims, true, span) : g;
    return this.reshape(summed, shape, span);
  }

  // ---- indexing -----------------------------------------------------------------------

  /** x's entries at integer `idx` along `axis` (gather then squeeze): out shape = x without axis. */
  gather(x: Node, idx: Node, axis: number, span?: Span): Node {
    if (idx.dtype !== 'int') this.fail(idx.span ?? span, 'LD2030', 'pick');
    const outShape = x.shape.filter((_, i) => i !== axis);
    const b = broadcastShapes(idx.shape, outShape);
    if (!b || !sameShape(b, outShape)) this.fail(span, 'LD2013', fmtShape(idx.shape), fmtShape(x.shape), axis);
    const idxFull = this.expand(idx, outShape, span);
    return this.make('gather', [this.cast(x), idxFull], { axis }, outShape, 'float', span);
  }

  /** Rows of x picked by integer idx: out shape = idx.shape ++ x.shape[1:]. */
  take(x: Node, idx: Node, span?: Span): Node {
    if (idx.dtype !== 'int') this.fail(idx.span ?? span, 'LD2030', 'indexing');
    if (x.shape.length === 0) this.fail(span, 'LD2014');
    const shape = [...idx.shape, ...x.shape.slice(1)];
    return this.make('take', [this.cast(x), idx], {}, shape, 'float', span);
  }

  /** Adjoint of take: rows of g added into a zero tensor of `shape` at idx. */
  indexAdd(g: Node, idx: Node, shape: Shape, span?: Span): Node {
    return this.make('index_add', [g, idx], { shape }, shape, 'float', span);
  }

  matmul(a: Node, b: Node, span?: Span): Node {
    if (a.shape.length === 0 || b.shape.length === 0) this.fail(span, 'LD2015', fmtShape(a.shape), fmtShape(b.shape));
    // 1-D operands are promoted as in NumPy and the added dim removed afterwards.
    const a2 = a.shape.length === 1 ? this.reshape(a, [1, a.shape[0]!], span) : a;
    const b2 = b.shape.length === 1 ? this.reshape(b, [b.shape[0]!, 1], span) : b;
    const k = a2.shape[a2.shape.length - 1]!;
    if (b2.shape[b2.shape.length - 2] !== k) this.fail(span, 'LD2015', fmtShape(a.shape), fmtShape(b.shape));
    const batch = broadcastShapes(a2.shape.slice(0, -2), b2.shape.slice(0, -2));
    if (!batch) this.fail(span, 'LD2015', fmtShape(a.shape), fmtShape(b.shape));
    const m = a2.shape[a2.shape.length - 2]!;
    const n = b2.shape[b2.shape.length - 1]!;
    const ab = this.expand(a2, [...batch, m, k], span);
    const bb = this.expand(b2, [...batch, k, n], span);
    const out = this.make('matmul', [this.cast(ab), this.cast(bb)], {}, [...batch, m, n], 'float', span);
    let shape = out.shape.slice();
    if (a.shape.length === 1) shape = [...shape.slice(0, -2), n];
    if (b.shape.length === 1) shape = shape.slice(0, -1);
    return this.reshape(out, shape, span);
  }
}
