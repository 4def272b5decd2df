// Symbolic reverse-mode differentiation: the gradient of a scalar (or, with an upstream
// gradient, any) root with respect to chosen input nodes, as new IR in the same Graph.
// It walks the DAG once in reverse topological order, summing the adjoints of nodes with
// several consumers, and only through nodes that depend on a requested input. Gradient
// nodes share the forward's nodes (an exp's own value is reused, not recomputed) and take
// the span of the forward op they come from, so errors in the gradient point at user text.

import type { Graph, Node } from './ir.js';
import { opInfo } from './ops.js';
import { topoOrder } from './print.js';
import { adjointRule } from './derivatives.js';

export function gradients(g: Graph, root: Node, wrt: readonly Node[], seed: Node): Map<Node, Node> {
  const order = topoOrder([root]);
  const active = new Set<Node>(wrt.filter((w) => w.dtype === 'float'));
  for (const n of order) {
    if (n.dtype === 'float' && n.args.some((a) => active.has(a)) && adjointRule(n)) active.add(n);
  }
  const contributions = new Map<Node, Node[]>();
  const add = (n: Node, t: Node) => {
    const list = contributions.get(n);
    if (list) list.push(t);
    else contributions.set(n, [t]);
  };
  if (active.has(root)) add(root, seed);
  const saved = g.defaultSpan;
  try {
    for (let i = order.length - 1; i >= 0; i--) {
      const n = order[i]!;
      const parts = contributions.get(n);
      if (!parts || !active.has(n) || n.op === 'input') continue;
      g.defaultSpan = n.span;
      const gy = parts.reduce((acc, t) => g.map('add', [acc, t]));
      const grads = adjointRule(n)!(g, n, gy);
      const elementwise = opInfo(n.op).kind === 'elementwise';
      n.args.forEach((a, k) => {
        const ga = grads[k];
        if (!ga || !active.has(a)) return;
        // Elementwise ops broadcast their operands: sum the gradient back to each shape.
        add(a, elementwise ? g.sumTo(ga, a.shape) : ga);
      });
    }
  } finally {
    g.defaultSpan = saved;
  }
  const out = new Map<Node, Node>();
  for (const w of wrt) {
    const parts = contributions.get(w);
    out.set(w, parts ? parts.reduce((acc, t) => g.map('add', [acc, t])) : g.expand(g.const(0), w.shape));
  }
  return out;
}
