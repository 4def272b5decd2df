// The rewrite engine: named rules (pattern ⇒ replacement, with a domain guard) applied
// bottom-up over the DAG until nothing changes. Rules come in tables, one per concern
// (simplify.ts, stabilize.ts); a phase runs one or more tables. Every application is logged
// by rule name with the node before and after, so explain() can report it with its span.

import type { Span } from '../../grammar/source.js';
import type { Graph, Node } from '../ir.js';
import { broadcastShapes, sameShape } from '../ir.js';
import { instantiate, match, parsePattern, type Bindings, type Pattern } from './pattern.js';

export interface RuleSpec {
  /** Stable name; upstream names where the rule comes from PyTensor or Herbie. */
  name: string;
  /** Pattern in the loss language (see pattern.ts). */
  lhs: string;
  /** Replacement template in the loss language, or a function building it (undefined: no rewrite). */
  rhs: string | ((b: Bindings, g: Graph, n: Node) => Node | undefined);
  /** Domain guard: the rule applies only where this holds. */
  when?: (b: Bindings, n: Node) => boolean;
  /** Where the rule comes from and the domain it is valid on, for docs/ and explain(). */
  note?: string;
}

export interface Rule extends RuleSpec {
  pattern: Pattern;
  template?: Pattern;
}

export interface RewriteEvent {
  rule: string;
  phase: string;
  before: Node;
  after: Node;
  span?: Span;
}

export function compileRules(specs: RuleSpec[]): Rule[] {
  return specs.map((s) => ({ ...s, pattern: parsePattern(s.lhs), template: typeof s.rhs === 'string' ? parsePattern(s.rhs) : undefined }));
}

/** Rebuilds n with new operands (same op, attrs and shape: rewrites preserve shapes). */
function rebuild(g: Graph, n: Node, args: Node[]): Node {
  if (args.every((a, i) => a === n.args[i])) return n;
  return g.make(n.op, args, n.attrs, n.shape, n.dtype, n.span);
}

const MAX_STEPS_PER_NODE = 64;

/**
 * Runs `rules` over everything reachable from `roots`, bottom-up, each node to a fixpoint.
 * Returns the new roots (same order) and appends applied rewrites to `log`.
 */
export function rewrite(g: Graph, roots: Node[], rules: Rule[], phase: string, log: RewriteEvent[]): Node[] {
  const memo = new Map<Node, Node>();
  const index = new Map<string, Rule[]>();
  for (const r of rules) {
    const key = headOp(r.pattern);
    const list = index.get(key) ?? [];
    list.push(r);
    index.set(key, list);
  }
  const candidates = (n: Node): Rule[] => [...(index.get(n.op) ?? []), ...(index.get('*') ?? [])];

  const visit = (root: Node): Node => {
    // Iterative post-order, so 20,000-deep chains cannot overflow the stack.
    const stack: Node[] = [root];
    while (stack.length) {
      const n = stack[stack.length - 1]!;
      if (memo.has(n)) {
        stack.pop();
        continue;
      }
      const pending = n.args.filter((a) => !memo.has(a));
      if (pending.length) {
        stack.push(...pending);
        continue;
      }
      stack.pop();
      let cur = rebuild(g, n, n.args.map((a) => memo.get(a)!));
      for (let step = 0; step < MAX_STEPS_PER_NODE; step++) {
        const next = applyOnce(g, cur, candidates(cur), phase, log);
        if (!next) break;
        // The replacement's new subterms may match too: rewrite them before continuing.
        cur = next === cur ? cur : visitNested(next);
      }
      memo.set(n, cur);
      memo.set(cur, cur);
    }
    return memo.get(root)!;
  };
  const visitNested = (n: Node): Node => {
    // Operands of a fresh replacement that were never seen are rewritten first.
    const args = n.args.map((a) => (memo.has(a) ? memo.get(a)! : visit(a)));
    return rebuild(g, n, args);
  };
  return roots.map(visit);
}

function headOp(p: Pattern): string {
  if (p.kind === 'binary') return ({ '+': 'add', '-': 'sub', '*': 'mul', '/': 'div', '^': 'pow', '@': 'matmul', '==': 'eq', '!=': 'ne', '<': 'lt', '<=': 'le', '>': 'gt', '>=': 'ge', '&&': 'and', '||': 'or' } as Record<string, string>)[p.op]!;
  if (p.kind === 'unary') return p.op === '-' ? 'neg' : 'not';
  if (p.kind === 'call') {
    const positional = p.args.filter((a) => a.name === undefined).length;
    if ((p.callee === 'max' || p.callee === 'min') && positional === 1) return p.callee === 'max' ? 'amax' : 'amin';
    if (p.callee === 'pick') return 'gather';
    return p.callee;
  }
  return '*';
}

function applyOnce(g: Graph, n: Node, rules: Rule[], phase: string, log: RewriteEvent[]): Node | undefined {
  for (const r of rules) {
    const b: Bindings = { nodes: new Map(), attrs: new Map() };
    if (!match(r.pattern, n, b)) continue;
    if (r.when && !r.when(b, n)) continue;
    const saved = g.defaultSpan;
    g.defaultSpan = n.span;
    let out: Node | undefined;
    try {
      out = r.template ? instantiate(r.template, b, g) : (r.rhs as Exclude<RuleSpec['rhs'], string>)(b, g, n);
    } catch {
      out = undefined; // the template does not fit these operands (e.g. shapes): no rewrite
    } finally {
      g.defaultSpan = saved;
    }
    if (!out || out === n) continue;
    out = fitShape(g, out, n);
    if (!out || out === n) continue;
    log.push({ rule: r.name, phase, before: n, after: out, span: n.span });
    return out;
  }
  return undefined;
}

/** A replacement must have the node's shape (broadcasting up is fine) and a float/int dtype no wider. */
function fitShape(g: Graph, out: Node, n: Node): Node | undefined {
  if (!sameShape(out.shape, n.shape)) {
    const b = broadcastShapes(out.shape, n.shape);
    if (!b || !sameShape(b, n.shape)) return undefined;
    out = g.expand(out, n.shape);
  }
  if (out.dtype !== n.dtype) out = n.dtype === 'float' ? g.cast(out) : undefined!;
  return out;
}
