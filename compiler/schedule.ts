// Fusion: decides which nodes get storage and groups the loops that compute them.
// Elementwise and layout/indexing nodes are never stored: they are inlined into whatever
// loop reads them (re-evaluated at that loop's index). A node is materialized when a
// reduction, a matmul or a scatter produces it, or when it is a result. Sibling loops over
// the same iteration space that do not depend on each other share one loop nest (a
// mean-squared error's value and gradient are one pass). The result is a loop-level plan that
// each back end renders (codegen/js.ts); it does not look at target syntax.

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
}

export interface Group {
  kernels: Kernel[];
  loopShape: Shape;
  reduced: readonly number[];
  /** One pass over loopShape suffices for every kernel in the group. */
  fusable: boolean;
}

export interface Schedule {
  outputs: Node[];
  materialized: Set<Node>;
  groups: Group[];
  /** Nodes inlined into each group's loop body, for explain(). */
  order: Node[];
}

const SINGLE_PASS = new Set(['sum', 'prod', 'amax', 'amin', 'norm']);

/** Leaves that are read, not computed. */
export const isLeaf = (n: Node) => n.op === 'input' || n.op === 'const' || n.op === 'iota';

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
  // Group siblings: a kernel joins the earliest group after everything it depends on that
  // iterates the same space, when every kernel involved needs a single pass.
  const groups: Group[] = [];
  const groupOf = new Map<Node, number>();
  for (const k of kernels) {
    const deps = dependencies(k.node, materialized);
    let after = -1;
    for (const d of deps) after = Math.max(after, groupOf.get(d) ?? -1);
    const fusable = k.kind === 'map' || (k.kind === 'reduce' && SINGLE_PASS.has(k.node.op));
    let target = -1;
    if (fusable) {
      for (let j = after + 1; j < groups.length; j++) {
        const gr = groups[j]!;
        if (gr.fusable && sameShape(gr.loopShape, k.loopShape) && sameDims(gr.reduced, k.reduced, k.loopShape.length)) {
          target = j;
          break;
        }
      }
    }
    if (target < 0) {
      groups.push({ kernels: [k], loopShape: k.loopShape, reduced: k.reduced, fusable });
      target = groups.length - 1;
    } else {
      groups[target]!.kernels.push(k);
      // A group of maps takes the reduction dims of a full reduction joining it (same loops).
      if (k.reduced.length > groups[target]!.reduced.length) groups[target]!.reduced = k.reduced;
    }
    groupOf.set(k.node, target);
  }
  return { outputs, materialized, groups, order };
}

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
    return { node: n, kind: n.op === 'logsumexp' ? 'logsumexp' : 'reduce', loopShape: x.shape, reduced: n.attrs.dims! };
  }
  if (n.op === 'matmul') return { node: n, kind: 'matmul', loopShape: n.shape, reduced: [] };
  if (n.op === 'index_add') return { node: n, kind: 'index_add', loopShape: n.args[0]!.shape, reduced: [] };
  return { node: n, kind: 'map', loopShape: n.shape, reduced: [] };
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
