// The rewrite engine: named rules (pattern ⇒ replacement, with a domain guard) grouped in
// tables, one table per concern, and tables grouped in phases run in a fixed order
// (canonicalize → stabilize → specialize, as PyTensor's optimizer databases). A phase applies
// its rules bottom-up over the DAG, every node to a fixpoint, and repeats the pass until the
// roots stop changing. Every application is logged with its rule, table, phase and the node
// before and after, so explain() can report it at the user's source position.

import type { Span } from '../../grammar/source.js';
import type { Graph, Node } from '../ir.js';
import { broadcastShapes, sameShape } from '../ir.js';
import { instantiate, match, parsePattern, type Bindings, type Pattern } from './pattern.js';

export interface RuleSpec {
  /** Stable name; the upstream name where the rule comes from PyTensor or Herbie. */
  name: string;
  /** Pattern in the loss language (see pattern.ts). */
  lhs: string;
  /** Replacement template in the loss language, or a function building it (undefined: no rewrite). */
  rhs: string | ((b: Bindings, g: Graph, n: Node) => Node | undefined);
  /** Domain guard: the rule applies only where this holds (checked on the bindings). */
  when?: (b: Bindings, n: Node) => boolean;
  /** Where the rule comes from (PyTensor rewrite, Herbie rule, paper). */
  source?: string;
  /** The inputs on which both sides agree, and what happens elsewhere. */
  domain?: string;
  /** A formula as a user writes it that this rule rewrites (tests and docs run it). */
  example?: string;
  /** Free text for docs. */
  note?: string;
}

export interface Rule extends RuleSpec {
  pattern: Pattern;
  template?: Pattern;
  /** Name of the table the rule belongs to. */
  table: string;
}

/** A table of rules about one concern; `stability` tables are what explain() reports first. */
export interface RuleTable {
  name: string;
  kind: 'stability' | 'routine';
  /** One line for docs and explain(). */
  about: string;
  rules: Rule[];
}

export interface Phase {
  name: string;
  tables: RuleTable[];
}

export interface RewriteEvent {
  rule: string;
  table: string;
  kind: RuleTable['kind'];
  phase: string;
  before: Node;
  after: Node;
  span?: Span;
}

export function ruleTable(name: string, kind: RuleTable['kind'], about: string, specs: RuleSpec[]): RuleTable {
  const rules = specs.map((s) => ({
    ...s,
    table: name,
    pattern: parsePattern(s.lhs),
    template: typeof s.rhs === 'string' ? parsePattern(s.rhs) : undefined,
  }));
  return { name, kind, about, rules };
}

/** Rebuilds n with new operands (same op, attrs and shape: rewrites preserve shapes). */
function rebuild(g: Graph, n: Node, args: Node[]): Node {
  if (args.every((a, i) => a === n.args[i])) return n;
  return g.make(n.op, args, n.attrs, n.shape, n.dtype, n.span);
}

const MAX_STEPS_PER_NODE = 64;
const MAX_PASSES = 8;
const MAX_NESTING = 256;

/** Runs the phases in order over everything reachable from `roots`; returns the new roots. */
export function runPhases(g: Graph, roots: Node[], phases: Phase[], log: RewriteEvent[]): Node[] {
  for (const p of phases) roots = runPhase(g, roots, p, log);
  return roots;
}

/** One phase to a fixpoint: bottom-up passes until a pass changes no root. */
export function runPhase(g: Graph, roots: Node[], phase: Phase, log: RewriteEvent[]): Node[] {
  const rules = phase.tables.flatMap((t) => t.rules.map((r) => ({ rule: r, kind: t.kind })));
  const index = new Map<string, typeof rules>();
  for (const r of rules) {
    const key = headOp(r.rule.pattern);
    const list = index.get(key) ?? [];
    list.push(r);
    index.set(key, list);
  }
  const candidates = (n: Node) => [...(index.get(n.op) ?? []), ...(index.get('*') ?? [])];
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const next = onePass(g, roots, candidates, phase.name, log);
    if (next.every((n, i) => n === roots[i])) return next;
    roots = next;
  }
  return roots;
}

type Candidate = { rule: Rule; kind: RuleTable['kind'] };

function onePass(g: Graph, roots: Node[], candidates: (n: Node) => Candidate[], phase: string, log: RewriteEvent[]): Node[] {
  const memo = new Map<Node, Node>();
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
        cur = visitNested(next);
      }
      memo.set(n, cur);
      memo.set(cur, cur);
    }
    return memo.get(root)!;
  };
  let nesting = 0;
  const visitNested = (n: Node): Node => {
    // Replacements nest only as deep as the rules build; far deeper means two rules undo each
    // other (a defect of the tables, which the rule tests run every example to catch).
    if (++nesting > MAX_NESTING) throw new Error(`internal: rewrite rules loop at ${n.op} (last: ${log[log.length - 1]?.rule})`);
    try {
      const args = n.args.map((a) => (memo.has(a) ? memo.get(a)! : visit(a)));
      return rebuild(g, n, args);
    } finally {
      nesting--;
    }
  };
  return roots.map(visit);
}

const INFIX_OPS: Record<string, string> = {
  '+': 'add', '-': 'sub', '*': 'mul', '/': 'div', '^': 'pow', '@': 'matmul', '==': 'eq', '!=': 'ne',
  '<': 'lt', '<=': 'le', '>': 'gt', '>=': 'ge', '&&': 'and', '||': 'or',
};

/** The IR op a pattern's root must have ('*' for a bare variable: tried on every node). */
function headOp(p: Pattern): string {
  if (p.kind === 'binary') return INFIX_OPS[p.op]!;
  if (p.kind === 'unary') return p.op === '-' ? 'neg' : 'not';
  if (p.kind === 'call') {
    const positional = p.args.filter((a) => a.name === undefined).length;
    if ((p.callee === 'max' || p.callee === 'min') && positional === 1) return p.callee === 'max' ? 'amax' : 'amin';
    if (p.callee === 'pick') return 'gather';
    return p.callee;
  }
  return '*';
}

function applyOnce(g: Graph, n: Node, rules: Candidate[], phase: string, log: RewriteEvent[]): Node | undefined {
  for (const { rule: r, kind } of rules) {
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
    log.push({ rule: r.name, table: r.table, kind, phase, before: n, after: out, span: n.span });
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
  if (out.dtype !== n.dtype) {
    if (n.dtype !== 'float') return undefined;
    out = g.cast(out);
  }
  return out;
}
