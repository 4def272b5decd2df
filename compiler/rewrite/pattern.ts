// Patterns and templates written in the loss language, compiled to matchers over the IR.
// `log(sum(exp(x), dim=d, keepdim=k))` parses with the ordinary grammar; in a pattern,
//   - a plain name (`x`, `y`, `a`) matches any node; a repeated name must match the same node;
//   - a name starting with `k` followed by a digit or nothing (`k`, `k1`) matches a scalar constant;
//   - a number matches a scalar constant of exactly that value;
//   - operators and calls match the IR op of that name (`max(x)` with one operand is the
//     reduction, with two the elementwise max), trying both orders for commutative ops;
//   - `dim=d`, `keepdim=k`, `p=q` and pick's `dim=a` bind the op's attributes to names.
// The same text on a rule's right-hand side is a template, built through the Graph; there the
// unbound names `nan` and `inf` are those constants (for guards: `where(x >= 0, x, nan)`).

import type { Expr } from '../../grammar/ast.js';
import { parseSource } from '../../grammar/index.js';
import type { Graph, Node } from '../ir.js';
import type { OpName } from '../ops.js';

export interface Bindings {
  nodes: Map<string, Node>;
  attrs: Map<string, unknown>;
}

const BINARY: Record<string, OpName> = {
  '+': 'add', '-': 'sub', '*': 'mul', '/': 'div', '^': 'pow', '@': 'matmul',
  '==': 'eq', '!=': 'ne', '<': 'lt', '<=': 'le', '>': 'gt', '>=': 'ge', '&&': 'and', '||': 'or',
};
const COMMUTATIVE = new Set<OpName>(['add', 'mul', 'max', 'min', 'eq', 'ne', 'and', 'or', 'logaddexp']);
const REDUCTIONS: Record<string, OpName> = { sum: 'sum', prod: 'prod', logsumexp: 'logsumexp', norm: 'norm', max: 'amax', min: 'amin' };
const ELEMENTWISE_CALLS = new Set<string>([
  'exp', 'log', 'log1p', 'expm1', 'sqrt', 'abs', 'sign', 'sigmoid', 'logsigmoid', 'softplus', 'log1mexp', 'tanh', 'relu',
  'sin', 'cos', 'tan', 'asin', 'acos', 'atan', 'floor', 'ceil', 'round', 'detach', 'max', 'min', 'logaddexp', 'xlogy', 'where', 'pow', 'cast',
]);

const TEMPLATE_CONSTANTS: Record<string, number> = { nan: NaN, inf: Infinity };

const isConstVar = (name: string) => /^k\d*$/.test(name);

export type Pattern = Expr;

export function parsePattern(text: string): Pattern {
  const unit = parseSource(text, '<rule>');
  if (!unit.body) throw new Error(`internal: rule without expression: ${text}`);
  return unit.body;
}

/** Resolves what IR op a call / operator in a pattern stands for. */
function opOf(e: Expr): OpName | undefined {
  if (e.kind === 'binary') return BINARY[e.op];
  if (e.kind === 'unary') return e.op === '-' ? 'neg' : 'not';
  if (e.kind === 'call') {
    const positional = e.args.filter((a) => a.name === undefined).length;
    if ((e.callee === 'max' || e.callee === 'min') && positional === 2) return e.callee;
    if (REDUCTIONS[e.callee]) return REDUCTIONS[e.callee];
    if (e.callee === 'pick') return 'gather';
    if (ELEMENTWISE_CALLS.has(e.callee)) return e.callee as OpName;
  }
  return undefined;
}

function operands(e: Expr): Expr[] {
  if (e.kind === 'binary') return [e.left, e.right];
  if (e.kind === 'unary') return [e.operand];
  if (e.kind === 'call') {
    const pos = e.args.filter((a) => a.name === undefined).map((a) => a.value);
    // norm(x, p) keeps p as an attribute, not an operand.
    return e.callee === 'norm' ? pos.slice(0, 1) : pos;
  }
  return [];
}

function keyword(e: Expr, name: string): Expr | undefined {
  return e.kind === 'call' ? e.args.find((a) => a.name === name)?.value : undefined;
}

function matchAttr(p: Expr | undefined, actual: unknown, b: Bindings): boolean {
  if (!p) return true;
  if (p.kind === 'name') {
    if (b.attrs.has(p.name)) return JSON.stringify(b.attrs.get(p.name)) === JSON.stringify(actual);
    b.attrs.set(p.name, actual);
    return true;
  }
  if (p.kind === 'bool') return actual === p.value;
  if (p.kind === 'num') return Array.isArray(actual) ? actual.length === 1 && actual[0] === p.value : actual === p.value;
  return false;
}

function snapshot(b: Bindings): Bindings {
  return { nodes: new Map(b.nodes), attrs: new Map(b.attrs) };
}
function restore(b: Bindings, s: Bindings): void {
  b.nodes = s.nodes;
  b.attrs = s.attrs;
}

export function match(p: Pattern, n: Node, b: Bindings): boolean {
  switch (p.kind) {
    case 'name': {
      if (isConstVar(p.name) && !(n.op === 'const')) return false;
      const prev = b.nodes.get(p.name);
      if (prev) return prev === n;
      b.nodes.set(p.name, n);
      return true;
    }
    case 'num':
      return n.op === 'const' && n.attrs.value === p.value;
    case 'unary':
      if (p.op === '-' && p.operand.kind === 'num') return n.op === 'const' && n.attrs.value === -p.operand.value;
      break;
    default:
      break;
  }
  const op = opOf(p);
  if (!op || n.op !== op) return false;
  if (n.op === 'cast' || n.op === 'detach') return false;
  const ps = operands(p);
  if (ps.length !== n.args.length) return false;
  if (p.kind === 'call') {
    if (REDUCTIONS[p.callee] && op !== 'max' && op !== 'min') {
      if (!matchAttr(keyword(p, 'dim'), n.attrs.dims, b)) return false;
      if (!matchAttr(keyword(p, 'keepdim'), n.attrs.keepdim, b)) return false;
      const pArg = p.args.filter((a) => a.name === undefined)[1]?.value ?? keyword(p, 'p');
      if (op === 'norm' && !matchAttr(pArg, n.attrs.p, b)) return false;
    }
    if (op === 'gather' && !matchAttr(keyword(p, 'dim'), n.attrs.axis, b)) return false;
  }
  // Only a commutative op tries a second order, so only it needs the bindings as they were;
  // elsewhere a failed match fails the whole rule, whose bindings are then dropped.
  if (!(COMMUTATIVE.has(op) && ps.length === 2)) return ps.every((q, i) => match(q, n.args[i]!, b));
  const s = snapshot(b);
  if (match(ps[0]!, n.args[0]!, b) && match(ps[1]!, n.args[1]!, b)) return true;
  restore(b, s);
  if (match(ps[0]!, n.args[1]!, b) && match(ps[1]!, n.args[0]!, b)) return true;
  restore(b, s);
  return false;
}

/** Builds a template with the bindings of a match. */
export function instantiate(t: Expr, b: Bindings, g: Graph): Node {
  const attr = (name: string, fallback?: unknown): unknown => {
    const e = keyword(t, name);
    if (!e) return fallback;
    if (e.kind === 'name') return b.attrs.get(e.name);
    if (e.kind === 'bool') return e.value;
    if (e.kind === 'num') return e.value;
    if (e.kind === 'list') return e.items.map((i) => (i.kind === 'num' ? i.value : NaN));
    return fallback;
  };
  switch (t.kind) {
    case 'name': {
      const n = b.nodes.get(t.name);
      if (n) return n;
      if (t.name in TEMPLATE_CONSTANTS) return g.const(TEMPLATE_CONSTANTS[t.name]!);
      throw new Error(`internal: unbound template variable ${t.name}`);
    }
    case 'num':
      return g.const(t.value);
    case 'unary':
      if (t.op === '-' && t.operand.kind === 'num') return g.const(-t.operand.value);
      break;
    default:
      break;
  }
  const op = opOf(t);
  if (!op) throw new Error(`internal: template op not understood`);
  const args = operands(t).map((a) => instantiate(a, b, g));
  if (op === 'matmul') return g.matmul(args[0]!, args[1]!);
  if (op === 'gather') return g.gather(args[0]!, args[1]!, attr('dim') as number);
  if (t.kind === 'call' && REDUCTIONS[t.callee] && op !== 'max' && op !== 'min') {
    const dims = attr('dim') as number | number[] | undefined;
    const pArg = t.args.filter((a) => a.name === undefined)[1]?.value;
    const p = op === 'norm' ? (pArg?.kind === 'name' ? (b.attrs.get(pArg.name) as number) : pArg?.kind === 'num' ? pArg.value : 2) : undefined;
    return g.reduce(op, args[0]!, dims === undefined ? undefined : Array.isArray(dims) ? dims : [dims], Boolean(attr('keepdim', false)), undefined, p);
  }
  return g.map(op, args);
}
