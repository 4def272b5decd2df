// Reverse-mode derivative rules, one entry per op: given the upstream gradient `g` of a node,
// the gradient flowing to each operand. Elementwise rules are templates in the loss language
// over `x` (unary operand) or `a`, `b` (binary operands), `y` (the node's own value, shared
// with the forward program) and `g`; ops with structure (reductions, layout, indexing,
// matmul) are small functions. Broadcasting is undone by the driver (autodiff.ts), not here.
// Non-smooth points follow PyTorch (loss-spec.md §0.3): abs'(0) = 0, relu'(0) = 0, clamp and
// max/min against a constant pass the gradient at the kink, ties between two tensors split it.
// Every rule is written so that it does not cancel or overflow where its function is finite:
// sigmoid' = sigmoid(x)·sigmoid(-x) (not y·(1 - y), which is 0 from x ≈ 37 on), tanh' =
// 4·sigmoid(2x)·sigmoid(-2x) (not 1 - y², 0 from x ≈ 19 on), expm1' = exp(x) (not y + 1,
// which loses everything below x ≈ -37), asin'/acos' through (1 - x)(1 + x).

import type { Graph, Node } from './ir.js';
import type { OpName } from './ops.js';
import { instantiate, parsePattern, type Bindings } from './rewrite/pattern.js';

/** Returns, per operand, its gradient (shape of the node for elementwise ops), or undefined for none. */
export type AdjointFn = (g: Graph, n: Node, gy: Node) => (Node | undefined)[];

type Template = string | null; // null: no gradient flows to that operand

const ELEMENTWISE: Partial<Record<OpName, Template[]>> = {
  neg: ['-g'],
  cast: ['g'],
  exp: ['g * y'],
  log: ['g / x'],
  log1p: ['g / (1 + x)'],
  expm1: ['g * exp(x)'],
  sqrt: ['g / (2 * y)'],
  abs: ['g * sign(x)'],
  sigmoid: ['g * (y * sigmoid(-x))'],
  logsigmoid: ['g * sigmoid(-x)'],
  softplus: ['g * sigmoid(x)'],
  // exp(x) / expm1(x) = -e^x / (1 - e^x): no overflow of expm1(-x) below x = -709.
  log1mexp: ['g * (exp(x) / expm1(x))'],
  tanh: ['g * (4 * (sigmoid(2 * x) * sigmoid(-2 * x)))'],
  relu: ['g * (x > 0)'],
  sin: ['g * cos(x)'],
  cos: ['-g * sin(x)'],
  tan: ['g * (1 + y * y)'],
  asin: ['g / sqrt((1 - x) * (1 + x))'],
  acos: ['-g / sqrt((1 - x) * (1 + x))'],
  atan: ['g / (1 + x * x)'],
  add: ['g', 'g'],
  sub: ['g', '-g'],
  mul: ['g * b', 'g * a'],
  div: ['g / b', '-g * y / b'],
  pow: ['g * (b * a ^ (b - 1))', 'g * where(a == 0 && b >= 0, 0, y * log(a))'],
  // Equal operands (±inf included, where a - b is NaN) share the gradient evenly.
  logaddexp: ['g * where(a == b, 0.5, sigmoid(a - b))', 'g * where(a == b, 0.5, sigmoid(b - a))'],
  // xlogy(0, y) is 0 for every y, so no gradient reaches y where x == 0 (kl_div's target 0).
  xlogy: ['g * xlogy(a != 0, b)', 'g * where(a == 0, 0, a / b)'],
  where: [null, 'where(c, g, 0)', 'where(c, 0, g)'],
};

// max/min: against a constant (a hinge, a clamp) the kink passes the gradient as clamp_min
// does; between two tensors a tie splits it evenly, as torch.maximum does.
const EXTREMUM: Record<'max' | 'min', { vsConst: [string, string]; split: [string, string] }> = {
  max: { vsConst: ['g * (a >= b)', 'g * (b >= a)'], split: ['g * ((a > b) + (a == b) / 2)', 'g * ((b > a) + (a == b) / 2)'] },
  min: { vsConst: ['g * (a <= b)', 'g * (b <= a)'], split: ['g * ((a < b) + (a == b) / 2)', 'g * ((b < a) + (a == b) / 2)'] },
};

const parsed = new Map<string, ReturnType<typeof parsePattern>>();
function build(g: Graph, template: string, vars: Record<string, Node>): Node {
  let t = parsed.get(template);
  if (!t) parsed.set(template, (t = parsePattern(template)));
  const b: Bindings = { nodes: new Map(Object.entries(vars)), attrs: new Map() };
  return instantiate(t, b, g);
}

function elementwiseVars(n: Node, gy: Node): Record<string, Node> {
  const [a, b, c] = n.args;
  return n.args.length === 1 ? { x: a!, y: n, g: gy } : n.args.length === 2 ? { a: a!, b: b!, y: n, g: gy } : { c: a!, a: b!, b: c!, y: n, g: gy };
}

/** g reshaped to the reduction's keepdim shape, so it broadcasts against the operand. */
function unreduce(g: Graph, n: Node, t: Node): Node {
  if (n.attrs.keepdim) return t;
  const x = n.args[0]!;
  return g.reshape(t, x.shape.map((d, i) => (n.attrs.dims!.includes(i) ? 1 : d)));
}

const STRUCTURAL: Partial<Record<OpName, AdjointFn>> = {
  sum: (g, n, gy) => [g.expand(unreduce(g, n, gy), n.args[0]!.shape)],
  prod: (g, n, gy) => {
    // ∂prod/∂x_i is the product of the others: y / x_i without zeros; with one zero, the product
    // of the non-zeros at that entry and 0 elsewhere; with two or more, 0 (y / x would be 0/0).
    const x = n.args[0]!;
    const dims = n.attrs.dims!;
    const isZero = g.map('eq', [x, g.const(0)]);
    const zeros = g.reduce('sum', isZero, dims, true);
    const others = g.reduce('prod', g.map('where', [isZero, g.const(1), x]), dims, true);
    const vars = { g: unreduce(g, n, gy), y: unreduce(g, n, n), x, c: zeros, z: isZero, n: others };
    return [build(g, 'g * where(c == 0, y / x, where(c == 1 && z, n, 0))', vars)];
  },
  logsumexp: (g, n, gy) => [build(g, 'g * exp(x - y)', { g: unreduce(g, n, gy), y: unreduce(g, n, n), x: n.args[0]! })],
  amax: (g, n, gy) => [extremumAdjoint(g, n, gy)],
  amin: (g, n, gy) => [extremumAdjoint(g, n, gy)],
  norm: (g, n, gy) => {
    const vars = { g: unreduce(g, n, gy), y: unreduce(g, n, n), x: n.args[0]! };
    // PyTorch's convention: the gradient of a norm at 0 is 0.
    const p = n.attrs.p!;
    const t = p === 2 ? 'where(y == 0, 0, g * x / y)' : `where(y == 0, 0, g * sign(x) * abs(x) ^ ${p - 1} / y ^ ${p - 1})`;
    return [build(g, t, vars)];
  },
  reshape: (g, n, gy) => [g.reshape(gy, n.args[0]!.shape)],
  expand: (g, n, gy) => [g.sumTo(gy, n.args[0]!.shape)],
  permute: (g, n, gy) => {
    const perm = n.attrs.perm!;
    const inverse = perm.map((_, i) => perm.indexOf(i));
    return [g.permute(gy, inverse)];
  },
  gather: (g, n, gy) => {
    const [x, idx] = n.args as [Node, Node];
    const axis = n.attrs.axis!;
    const unsq = (t: Node) => g.reshape(t, [...t.shape.slice(0, axis), 1, ...t.shape.slice(axis)]);
    const hit = g.map('eq', [g.iota(x.shape, axis), unsq(idx)]);
    return [g.map('where', [hit, unsq(gy), g.const(0)]), undefined];
  },
  take: (g, n, gy) => [g.indexAdd(gy, n.args[1]!, n.args[0]!.shape), undefined],
  index_add: (g, n, gy) => [g.take(gy, n.args[1]!), undefined],
  matmul: (g, n, gy) => {
    const [a, b] = n.args as [Node, Node];
    return [g.matmul(gy, g.transpose(b)), g.matmul(g.transpose(a), gy)];
  },
};

function extremumAdjoint(g: Graph, n: Node, gy: Node): Node {
  // The gradient goes to the arg-max; ties share it evenly (torch.amax).
  const x = n.args[0]!;
  const hit = g.map('eq', [x, unreduce(g, n, n)]);
  const count = g.reduce('sum', hit, n.attrs.dims, true);
  return build(g, 'g * h / c', { g: unreduce(g, n, gy), h: hit, c: count });
}

/** The adjoint rule of n, or undefined when no gradient flows through it. */
export function adjointRule(n: Node): AdjointFn | undefined {
  const s = STRUCTURAL[n.op];
  if (s) return s;
  if (n.op === 'max' || n.op === 'min') {
    const r = EXTREMUM[n.op];
    const [a, b] = n.args as [Node, Node];
    const constant = (x: Node) => x.op === 'const' || x.op === 'size';
    const templates = constant(b) || constant(a) ? r.vsConst : r.split;
    return (g, node, gy) => templates.map((t) => build(g, t, elementwiseVars(node, gy)));
  }
  const templates = ELEMENTWISE[n.op];
  if (!templates) return undefined;
  return (g, node, gy) => templates.map((t) => (t === null ? undefined : build(g, t, elementwiseVars(node, gy))));
}

/** For docs and tests: the derivative table as text. */
export function derivativeTable(): Record<string, (string | null)[]> {
  return { ...ELEMENTWISE, max: EXTREMUM.max.split, min: EXTREMUM.min.split };
}
