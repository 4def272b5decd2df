// Fusion: decides which nodes get storage and how the loops that compute them are arranged.
// Elementwise and layout/indexing nodes are never stored: they are inlined into whatever loop
// reads them (re-evaluated at that loop's index). A node is materialized when a reduction, a
// matmul or a scatter produces it, or when it is a result.
//
// Two views of the same kernels come out:
// - `groups`: sibling fusion. Kernels over the same iteration space that do not depend on
//   each other share one loop (a mean-squared error's value and gradient are one pass). One
//   group is one data-parallel kernel: what a kernel-per-loop back end (gpu.js) renders.
// - `nests`: the CPU plan (rewrites-and-ad.md §(d), the "level" scheme). Reductions over
//   trailing dims make row statistics; every kernel that only needs the statistics of its own
//   row joins the row loop: per row, one pass over the row per level of dependent reductions
//   (softmax cross-entropy: max, then sum of exponentials, then the gradient), row statistics
//   in locals, the row still in cache for the next pass. A reduction over all dims of
//   per-row values accumulates in the same loop. Everything else is one group on its own.
// Neither view looks at target syntax.

import type { Node, Shape } from './ir.js';
import { sameShape } from './ir.js';
import { opInfo } from './ops.js';
import { topoOrder } from './print.js';

export type KernelKind = 'map' | 'reduce' | 'logsumexp' | 'matmul' | 'index_add';

export interface Kernel {
  node: Node;
  kind: KernelKind;
  /** Shape iterated over: the node's own (map) or its operand's (reductions). */
  loopShape: Shape;
  /** Reduced dims of loopShape (innermost loops); empty for map. */
  reduced: readonly number[];
  /**
   * For a sum over one dim of `where(iota == index, value, 0)` (the gradient of pick, possibly
   * negated): the one term that can be nonzero. A back end may read it at `index` instead of
   * looping over the dim.
   */
  pick?: PickSum;
  /**
   * For a logsumexp of x - c with c constant along the reduced dims, in a nest that also
   * reduces max(x) over them: its maximum is max(x) - c (rounding is monotone), known
   * without a pass of its own.
   */
  shiftedMax?: { max: Node; shift: Node };
}

export interface PickSum {
  /** The int index, constant along the summed dim. */
  index: Node;
  /** The summand where the index matches; read with the summed dim set to the index. */
  value: Node;
  /** How many negations wrap the where. */
  negations: number;
}

export interface Group {
  kernels: Kernel[];
  loopShape: Shape;
  reduced: readonly number[];
  /** One pass over loopShape suffices for every kernel in the group. */
  fusable: boolean;
}

/** What a kernel contributes inside a nest. */
export type ItemRole =
  | 'row' // a row statistic: a reduction over the inner dims, or a map over the outer dims
  | 'total' // a reduction over every dim, accumulated across rows
  | 'map'; // an elementwise result over outer ++ inner, stored element by element

export interface NestItem {
  kernel: Kernel;
  role: ItemRole;
  /** A logsumexp is two passes: its max, then its sum of exp(x - max). */
  phase: 'all' | 'max' | 'sumexp';
}

/** Per outer index, steps run in order: a pass loops over `inner`; inner [] runs once. */
export interface Step {
  inner: Shape;
  items: NestItem[];
}

export interface Nest {
  /** Leading dims iterated once for all steps; [] for a group rendered as its own loops. */
  outer: Shape;
  steps: Step[];
  /** For outer []: the group this nest renders. */
  group?: Group;
  /** Row statistics read only inside this nest (kept in locals, never stored). */
  local: Set<Node>;
}

export interface Schedule {
  outputs: Node[];
  materialized: Set<Node>;
  groups: Group[];
  /** Nodes inlined into each group's loop body, for explain(). */
  order: Node[];
  /** The CPU loop plan over the same kernels (every kernel in exactly one nest). */
  nests: Nest[];
}

const SINGLE_PASS = new Set(['sum', 'prod', 'amax', 'amin', 'norm']);

/** Leaves that are read, not computed. */
export const isLeaf = (n: Node) => n.op === 'input' || n.op === 'const' || n.op === 'iota' || n.op === 'size';

export function schedule(outputs: Node[]): Schedule {
  const order = topoOrder(outputs);
  const materialized = new Set<Node>();
  for (const n of outputs) if (!isLeaf(n) || n.op === 'iota') materialized.add(n);
  for (const n of order) {
    const kind = opInfo(n.op).kind;
    if (kind === 'reduce' || n.op === 'matmul' || n.op === 'index_add') materialized.add(n);
    if (n.op === 'matmul') {
      // matmul reads each operand element many times: operands must be stored, not recomputed.
      for (const a of n.args) {
        const base = peelViews(a);
        if (!isLeaf(base) || base.op === 'iota') materialized.add(base);
      }
    }
  }
  const kernels: Kernel[] = [];
  for (const n of order) {
    if (!materialized.has(n)) continue;
    kernels.push(kernelOf(n));
  }
  const groups: Group[] = [];
  const groupOf = new Map<Node, number>();
  for (const k of kernels) {
    const target = joinGroup(groups, k, dependencies(k.node, materialized), groupOf);
    groupOf.set(k.node, target);
  }
  return { outputs, materialized, groups, order, nests: planNests(kernels, materialized, outputs) };
}

/**
 * Adds k to the earliest group after everything it depends on that iterates the same space,
 * when every kernel involved needs a single pass; otherwise to a new group. Returns its index.
 */
function joinGroup(groups: Group[], k: Kernel, deps: Set<Node>, groupOf: Map<Node, number>): number {
  let after = -1;
  for (const d of deps) after = Math.max(after, groupOf.get(d) ?? -1);
  for (let j = after + 1; j < groups.length; j++) {
    if (accepts(groups[j]!, k)) {
      addToGroup(groups[j]!, k);
      return j;
    }
  }
  groups.push(newGroup(k));
  return groups.length - 1;
}

const isFusable = (k: Kernel) => k.kind === 'map' || (k.kind === 'reduce' && SINGLE_PASS.has(k.node.op));
const newGroup = (k: Kernel): Group => ({ kernels: [k], loopShape: k.loopShape, reduced: k.reduced, fusable: isFusable(k) });
const accepts = (g: Group, k: Kernel) =>
  g.fusable && isFusable(k) && sameShape(g.loopShape, k.loopShape) && sameDims(g.reduced, k.reduced, k.loopShape.length);

function addToGroup(g: Group, k: Kernel): void {
  g.kernels.push(k);
  // A group of maps takes the reduction dims of a full reduction joining it (same loops).
  if (k.reduced.length > g.reduced.length) g.reduced = k.reduced;
}

// ---- nests ------------------------------------------------------------------------------

interface NestBuild {
  outer: Shape;
  items: { item: NestItem; level: number }[];
  /** Level from which a row statistic of this nest can be read (its pass has finished). */
  avail: Map<Node, number>;
  group?: Group;
}

function planNests(kernels: Kernel[], materialized: Set<Node>, outputs: Node[]): Nest[] {
  const builds: NestBuild[] = [];
  const nestOf = new Map<Node, NestBuild>();
  const pos = (b: NestBuild | undefined) => (b ? builds.indexOf(b) : -1);
  for (const k of kernels) {
    const reads = readIndices(k, materialized);
    let lastDep = -1;
    for (const d of reads.keys()) lastDep = Math.max(lastDep, pos(nestOf.get(d)));
    let placed: NestBuild | undefined;
    for (let j = Math.max(lastDep, 0); j < builds.length && !placed; j++) {
      const b = builds[j]!;
      if (b.group) continue;
      const role = roleIn(k, b.outer);
      if (!role) continue;
      let level = 0;
      let ok = true;
      let inNest = false;
      for (const [d, vs] of reads) {
        if (nestOf.get(d) !== b) continue;
        inNest = true;
        const a = b.avail.get(d);
        if (a === undefined || !vs.every((v) => rowAligned(d, v, b.outer))) {
          ok = false;
          break;
        }
        level = Math.max(level, a);
      }
      // A total over rows is complete only after the nest's last row. One that needs nothing
      // from the nest (cross-entropy's count of targets not ignored) runs in a small loop
      // before it instead, so that the nest's gradient pass may use it.
      if (!ok || (role === 'total' && !inNest && k.loopShape.length === b.outer.length)) continue;
      if (k.kind === 'logsumexp') findShiftedMax(k, b);
      addItem(b, k, role, level);
      placed = b;
    }
    if (!placed) {
      const split = rowSplit(k);
      if (split !== undefined) {
        placed = { outer: k.loopShape.slice(0, split), items: [], avail: new Map() };
        addItem(placed, k, 'row', 0);
        builds.push(placed);
      } else {
        // A kernel without row structure: sibling fusion among such groups, as in `groups`;
        // a new group runs right after its last dependency.
        placed = builds.find((b, j) => j > lastDep && b.group !== undefined && accepts(b.group, k));
        if (placed) addToGroup(placed.group!, k);
        else {
          placed = { outer: [], items: [], avail: new Map(), group: newGroup(k) };
          builds.splice(lastDep + 1, 0, placed);
        }
      }
    }
    nestOf.set(k.node, placed);
  }
  const outs = new Set(outputs);
  const usedElsewhere = new Set<Node>();
  for (const k of kernels) {
    for (const d of dependencies(k.node, materialized)) if (nestOf.get(d) !== nestOf.get(k.node)) usedElsewhere.add(d);
  }
  return builds.map((b) => {
    const local = new Set<Node>();
    for (const { item } of b.items) {
      const n = item.kernel.node;
      if (item.role === 'row' && !outs.has(n) && !usedElsewhere.has(n)) local.add(n);
    }
    return { outer: b.outer, steps: b.group ? [] : steps(b), group: b.group, local };
  });
}

function addItem(b: NestBuild, k: Kernel, role: ItemRole, level: number): void {
  if (k.kind === 'logsumexp') {
    // Its max is a pass of its own, or (shifted) a value of the row before its sum's pass.
    const sumLevel = k.shiftedMax ? level : level + 1;
    b.items.push({ item: { kernel: k, role, phase: 'max' }, level }, { item: { kernel: k, role, phase: 'sumexp' }, level: sumLevel });
    b.avail.set(k.node, sumLevel + 1);
    return;
  }
  b.items.push({ item: { kernel: k, role, phase: 'all' }, level });
  if (role !== 'row') return;
  // A row statistic made by a pass is readable one level later; a map over the outer dims or
  // a picked sum (computed once per row, before that level's passes) at the same level.
  const inPass = k.kind === 'reduce' && !k.pick;
  b.avail.set(k.node, inPass ? level + 1 : level);
}

/** Sets k.shiftedMax when k = logsumexp(x - c) and the nest reduces max(x) over the same dims. */
function findShiftedMax(k: Kernel, b: NestBuild): void {
  const arg = k.node.args[0]!;
  if (arg.op !== 'sub') return;
  const [x, c] = arg.args as [Node, Node];
  const dims = k.node.attrs.dims!;
  const lead = arg.shape.length - c.shape.length;
  if (!dims.every((d) => d < lead || c.shape[d - lead] === 1)) return;
  const sameDims = (a: readonly number[]) => a.length === dims.length && a.every((d, i) => d === dims[i]);
  for (const { item } of b.items) {
    const m = item.kernel.node;
    if (m.op === 'amax' && m.args[0] === x && sameDims(m.attrs.dims!) && b.avail.has(m)) {
      k.shiftedMax = { max: m, shift: c };
      return;
    }
  }
}

/** Orders a nest's items into steps: per level, the once-per-row step, then one pass per inner shape. */
function steps(b: NestBuild): Step[] {
  const out: Step[] = [];
  const maxLevel = Math.max(0, ...b.items.map((i) => i.level));
  const r = b.outer.length;
  for (let level = 0; level <= maxLevel; level++) {
    const here = b.items.filter((i) => i.level === level).map((i) => i.item);
    const once = here.filter((i) => innerOf(i, r).length === 0);
    if (once.length) out.push({ inner: [], items: once });
    const passes: Step[] = [];
    for (const item of here) {
      const inner = innerOf(item, r);
      if (inner.length === 0) continue;
      let p = passes.find((s) => sameShape(s.inner, inner));
      if (!p) passes.push((p = { inner, items: [] }));
      p.items.push(item);
    }
    out.push(...passes);
  }
  return out;
}

/** The dims a nest item loops over inside the row: [] when it is computed once per row. */
function innerOf(item: NestItem, outerRank: number): Shape {
  const k = item.kernel;
  if (k.pick || (k.shiftedMax && item.phase === 'max')) return [];
  const shape = k.kind === 'map' ? k.node.shape : k.loopShape;
  return shape.slice(outerRank);
}

/** Where a row reduction splits its loop shape (first reduced dim), if its reduced dims are a proper trailing run. */
function rowSplit(k: Kernel): number | undefined {
  if (k.kind !== 'logsumexp' && !(k.kind === 'reduce' && SINGLE_PASS.has(k.node.op))) return undefined;
  const r = k.loopShape.length;
  const first = r - k.reduced.length;
  if (k.reduced.length === 0 || first === 0) return undefined;
  return k.reduced.every((d, i) => d === first + i) ? first : undefined;
}

function roleIn(k: Kernel, outer: Shape): ItemRole | undefined {
  const r = outer.length;
  const prefix = (s: Shape) => s.length >= r && outer.every((d, i) => s[i] === d);
  if (k.kind === 'map') return prefix(k.node.shape) ? (k.node.shape.length === r ? 'row' : 'map') : undefined;
  if (k.kind !== 'reduce' && k.kind !== 'logsumexp') return undefined;
  if (!prefix(k.loopShape)) return undefined;
  if (rowSplit(k) === r) return 'row';
  const full = k.reduced.length === k.loopShape.length;
  return k.kind === 'reduce' && SINGLE_PASS.has(k.node.op) && full ? 'total' : undefined;
}

// ---- index analysis ---------------------------------------------------------------------

/** A symbolic index: a loop dim (≥ 0), the constant 0, or a value computed from data. */
type Sym = number;
const ZERO = -1;
const DATA = -2;

/** True when a read of `d` at `v` is the current row's entry: the outer dims in order, then size-1 dims. */
function rowAligned(d: Node, v: readonly Sym[], outer: Shape): boolean {
  if (d.shape.length < outer.length) return false;
  for (let t = 0; t < d.shape.length; t++) {
    if (t < outer.length) {
      if (v[t] !== t || d.shape[t] !== outer[t]) return false;
    } else if (d.shape[t] !== 1) return false;
  }
  return true;
}

/** For each materialized node the kernel reads, the symbolic indices it reads it at. */
export function readIndices(k: Kernel, materialized: Set<Node>): Map<Node, Sym[][]> {
  const out = new Map<Node, Sym[][]>();
  const seen = new Set<string>();
  const visit = (n: Node, idx: readonly Sym[], self: boolean): void => {
    if (n.op === 'const' || n.op === 'size' || n.op === 'input') return;
    if (!self && materialized.has(n)) {
      const list = out.get(n) ?? [];
      if (!list.some((v) => v.every((s, i) => s === idx[i]))) list.push([...idx]);
      out.set(n, list);
      return;
    }
    if (n.op === 'iota') return;
    const key = `${n.id}:${idx.join(',')}`;
    if (seen.has(key)) return;
    seen.add(key);
    const bcast = (a: Node) => broadcastSym(idx, n.shape, a.shape);
    switch (n.op) {
      case 'permute': {
        const xi: Sym[] = [];
        n.attrs.perm!.forEach((p, i) => (xi[p] = idx[i]!));
        return visit(n.args[0]!, xi, false);
      }
      case 'reshape':
        return visit(n.args[0]!, reshapeSym(idx, n.shape, n.args[0]!.shape), false);
      case 'gather': {
        const [x, ix] = n.args as [Node, Node];
        const axis = n.attrs.axis!;
        visit(ix, idx, false);
        return visit(x, [...idx.slice(0, axis), DATA, ...idx.slice(axis)], false);
      }
      case 'take': {
        const [x, ix] = n.args as [Node, Node];
        const q = ix.shape.length;
        visit(ix, idx.slice(0, q), false);
        return visit(x, [DATA, ...idx.slice(q)], false);
      }
      default:
        if (opInfo(n.op).kind === 'elementwise' || n.op === 'expand') for (const a of n.args) visit(a, bcast(a), false);
        else if (self) for (const a of n.args) visit(a, a.shape.map((_, i) => i), false);
    }
  };
  if (k.kind === 'map') visit(k.node, k.node.shape.map((_, i) => i), true);
  else visit(k.node, [], true);
  return out;
}

/** Operand index under NumPy broadcasting (shapes right-aligned, size-1 dims read at 0). */
function broadcastSym(idx: readonly Sym[], outShape: Shape, argShape: Shape): Sym[] {
  const lead = outShape.length - argShape.length;
  return argShape.map((d, j) => (d === 1 ? ZERO : idx[j + lead]!));
}

/** A reshape that only adds or drops size-1 dims pairs the other dims in order; any other is data-like. */
function reshapeSym(idx: readonly Sym[], outShape: Shape, inShape: Shape): Sym[] {
  const a = outShape.filter((d) => d !== 1);
  const b = inShape.filter((d) => d !== 1);
  if (a.length !== b.length || a.some((d, i) => d !== b[i])) return inShape.map((d) => (d === 1 ? ZERO : DATA));
  const kept = idx.filter((_, i) => outShape[i] !== 1);
  let k = 0;
  return inShape.map((d) => (d === 1 ? ZERO : kept[k++]!));
}

// ---- kernels ----------------------------------------------------------------------------

/** Map kernels iterate every dim; a full reduction too, so they share a loop. */
function sameDims(a: readonly number[], b: readonly number[], rank: number): boolean {
  const full = (d: readonly number[]) => d.length === 0 || d.length === rank;
  if (full(a) && full(b)) return true;
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function kernelOf(n: Node): Kernel {
  const info = opInfo(n.op);
  if (info.kind === 'reduce') {
    const x = n.args[0]!;
    const k: Kernel = { node: n, kind: n.op === 'logsumexp' ? 'logsumexp' : 'reduce', loopShape: x.shape, reduced: n.attrs.dims! };
    const pick = pickSum(n);
    if (pick) k.pick = pick;
    return k;
  }
  if (n.op === 'matmul') return { node: n, kind: 'matmul', loopShape: n.shape, reduced: [] };
  if (n.op === 'index_add') return { node: n, kind: 'index_add', loopShape: n.args[0]!.shape, reduced: [] };
  return { node: n, kind: 'map', loopShape: n.shape, reduced: [] };
}

/**
 * Recognizes sum(-…-where(iota == index, value, 0), dim) over one trailing dim, with the index
 * constant along that dim: at most one term is nonzero (the sum is that term, or 0 when the
 * index is out of range), so the loop over the dim is unnecessary.
 */
function pickSum(n: Node): PickSum | undefined {
  if (n.op !== 'sum' || n.attrs.dims!.length !== 1) return undefined;
  const x = n.args[0]!;
  const axis = n.attrs.dims![0]!;
  if (axis !== x.shape.length - 1) return undefined;
  let w = x;
  let negations = 0;
  while (w.op === 'neg') {
    w = w.args[0]!;
    negations++;
  }
  if (w.op !== 'where' || !sameShape(w.shape, x.shape)) return undefined;
  const [c, value, zero] = w.args as [Node, Node, Node];
  if (zero.op !== 'const' || zero.attrs.value !== 0 || c.op !== 'eq') return undefined;
  const [p, q] = c.args as [Node, Node];
  const isAxisIota = (t: Node) => t.op === 'iota' && t.attrs.axis === axis && sameShape(t.shape, x.shape);
  const index = isAxisIota(p) ? q : isAxisIota(q) ? p : undefined;
  if (!index || index.dtype !== 'int') return undefined;
  // The index must not vary along the summed dim: size 1 (or absent) there after broadcasting.
  const lead = x.shape.length - index.shape.length;
  if (axis >= lead && index.shape[axis - lead] !== 1) return undefined;
  return { index, value, negations };
}

/** Views that only re-index their operand. */
export function peelViews(n: Node): Node {
  while (n.op === 'expand' || n.op === 'permute' || n.op === 'reshape') n = n.args[0]!;
  return n;
}

/** Materialized nodes read (directly or through inlined nodes) by the kernel computing n. */
export function dependencies(n: Node, materialized: Set<Node>): Set<Node> {
  const out = new Set<Node>();
  const seen = new Set<Node>();
  const stack = [...n.args];
  while (stack.length) {
    const a = stack.pop()!;
    if (seen.has(a)) continue;
    seen.add(a);
    if (materialized.has(a)) out.add(a);
    else stack.push(...a.args);
  }
  return out;
}
