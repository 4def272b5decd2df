// AST → IR for one input signature (shapes and dtypes known).
// Resolves names (lets, def parameters, options/params, named dims, inputs, defs, the
// prelude, constants, built-ins), inlines defs, evaluates compile-time values (options,
// dims, `if` on constants) and builds shape-checked IR through the Graph. Every error is a
// LossError at the span of the offending source.

import type { Arg, Def, Dim, Expr, LossDef, SourceUnit } from '../grammar/ast.js';
import { LossError, type Span } from '../grammar/source.js';
import { diag, type DiagnosticCode } from '../grammar/diagnostics.js';
import { parseSource } from '../grammar/index.js';
import { Graph, type DType, type Node, type Shape } from './ir.js';
import { BUILTINS, CONSTANTS, elementwiseV, toNode, type BuiltinCtx } from './builtins.js';
import { PRELUDE_SOURCE } from './prelude.js';
import { libraryLoss, libraryNames } from './library.js';
import { boolV, describeValue, Env, numV, sizeV, strV, tensorV, type Value } from './values.js';
import type { SizeSymbols } from './symbolic.js';
import type { OpName } from './ops.js';

export type OptionValue = number | string | boolean;
export interface InputSig {
  shape: Shape;
  dtype: DType;
}

let preludeUnit: SourceUnit | undefined;
export function preludeDefs(): Def[] {
  preludeUnit ??= parseSource(PRELUDE_SOURCE, '<prelude>');
  return preludeUnit.defs;
}

const MAX_INLINE_DEPTH = 64;

const BINARY_OPS: Record<string, OpName> = {
  '+': 'add', '-': 'sub', '*': 'mul', '/': 'div', '^': 'pow',
  '==': 'eq', '!=': 'ne', '<': 'lt', '<=': 'le', '>': 'gt', '>=': 'ge', '&&': 'and', '||': 'or',
};

/** Binds named dims of a declared parameter to the sizes of an actual shape. */
export function matchDims(dims: readonly Dim[], shape: Shape): { ok: true; bound: [string, number, Span][] } | { ok: false; reason: string } {
  const ell = dims.findIndex((d) => d.kind === 'ellipsis');
  const fixed = dims.filter((d) => d.kind !== 'ellipsis').length;
  if (ell < 0 ? shape.length !== fixed : shape.length < fixed) {
    return { ok: false, reason: `expected ${ell < 0 ? '' : 'at least '}${fixed} dim${fixed === 1 ? '' : 's'} but got shape [${shape.join(', ')}]` };
  }
  const bound: [string, number, Span][] = [];
  const tail = dims.length - ell - 1;
  for (let i = 0; i < dims.length; i++) {
    const d = dims[i]!;
    if (d.kind === 'ellipsis') continue;
    const at = ell >= 0 && i > ell ? shape.length - (dims.length - i) : i;
    void tail;
    const size = shape[at]!;
    if (d.kind === 'fixed' && d.size !== size) return { ok: false, reason: `dim ${at} must be ${d.size} but is ${size}` };
    if (d.kind === 'named') bound.push([d.name, size, d.span]);
  }
  return { ok: true, bound };
}

interface Ctx {
  g: Graph;
  depth: number;
  /** Inside a prelude def: every node takes the user's call-site span. */
  spanOverride?: Span;
}

export interface Lowered {
  graph: Graph;
  root: Node;
  inputs: Map<string, Node>;
}

export class Lowerer {
  readonly g: Graph;
  private readonly ctx: Ctx;

  /** `symbolic`: compile for export, with probe sizes for the symbolic dims (compiler/symbolic.ts). */
  constructor(symbolic?: SizeSymbols) {
    this.g = new Graph(symbolic);
    this.ctx = { g: this.g, depth: 0 };
  }

  /** The global scope: prelude and unit defs, then constants are looked up last. */
  globalEnv(unit: SourceUnit): Env {
    const env = new Env();
    for (const d of preludeDefs()) env.set(d.name, { kind: 'fn', def: d, env, fromPrelude: true });
    const userEnv = env.child();
    for (const d of unit.defs) userEnv.set(d.name, { kind: 'fn', def: d, env: userEnv, fromPrelude: false });
    for (const l of unit.losses) userEnv.set(l.name, { kind: 'loss', def: l, unit, fromLibrary: false });
    return userEnv;
  }

  lowerFormula(unit: SourceUnit, inputs: string[], sig: Record<string, InputSig>, params: Record<string, OptionValue>): Lowered {
    const env = this.globalEnv(unit).child();
    for (const [k, v] of Object.entries(params)) env.set(k, optionValue(v));
    const nodes = new Map<string, Node>();
    for (const name of inputs) {
      const s = sig[name]!;
      const node = this.g.input(name, s.shape, s.dtype);
      nodes.set(name, node);
      env.set(name, tensorV(node));
    }
    const root = this.asTensor(this.expr(unit.body!, env), unit.body!.span);
    return { graph: this.g, root, inputs: nodes };
  }

  lowerLoss(unit: SourceUnit, loss: LossDef, sig: Record<string, InputSig>, params: Record<string, OptionValue>): Lowered {
    const nodes = new Map<string, Node>();
    const args = new Map<string, Value>();
    for (const p of loss.tensorParams) {
      const s = sig[p.name];
      if (!s) continue;
      const node = this.g.input(p.name, s.shape, s.dtype, p.span);
      nodes.set(p.name, node);
      args.set(p.name, tensorV(node));
    }
    const options = new Map(Object.entries(params).map(([k, v]) => [k, optionValue(v)] as const));
    const root = this.asTensor(this.lossBody(loss, this.globalEnv(unit), args, options, loss.span), loss.body.span);
    return { graph: this.g, root, inputs: nodes };
  }

  /**
   * A loss applied to tensor arguments and option values: binds options (given or default),
   * named dims (checked for consistency), tensor parameters (given, or their default
   * broadcast to the declared shape) and lowers the body. Used for the compiled loss itself
   * and for a loss called from a formula.
   */
  private lossBody(loss: LossDef, global: Env, args: Map<string, Value>, options: Map<string, Value>, callSpan: Span): Value {
    const env = global.child();
    for (const o of loss.options) {
      const dflt = this.expr(o.default, env);
      const v = options.get(o.name);
      if (v === undefined) {
        env.set(o.name, dflt);
        continue;
      }
      if (dflt.kind !== v.kind && !(dflt.kind === 'num' && v.kind === 'bool')) {
        const want = dflt.kind === 'num' ? 'number' : dflt.kind === 'str' ? 'string' : 'boolean';
        throw new LossError(diag('LD2042', this.span(o.span), o.name, `a ${want} (got ${describeValue(v)})`));
      }
      env.set(o.name, v);
    }
    // Named dims first, so defaults and the body can use them.
    const dimOwner = new Map<string, string>();
    for (const p of loss.tensorParams) {
      const v = args.get(p.name);
      if (!v || !p.dims) continue;
      const shape = v.kind === 'tensor' ? v.node.shape : [];
      const m = matchDims(p.dims, shape);
      if (!m.ok) throw new LossError(diag('LD2047', this.span(callSpan), p.name, loss.name, m.reason));
      for (const [name, size] of m.bound) {
        const prev = env.get(name);
        if (dimOwner.has(name) && prev?.kind === 'num' && prev.value !== size) {
          throw new LossError(diag('LD2047', this.span(callSpan), p.name, loss.name, `${name} = ${size}, but ${dimOwner.get(name)} has ${name} = ${prev.value}`));
        }
        dimOwner.set(name, p.name);
        env.set(name, sizeV(size));
      }
    }
    for (const p of loss.tensorParams) {
      const v = args.get(p.name);
      if (v) {
        if (p.dtype === 'int' && (v.kind !== 'tensor' || v.node.dtype !== 'int')) {
          throw new LossError(diag('LD2047', this.span(callSpan), p.name, loss.name, 'expected an int tensor (class indices)'));
        }
        env.set(p.name, v);
      } else if (p.default) {
        const node = this.asTensor(this.expr(p.default, env), p.span);
        const declared = p.dims?.every((d) => d.kind === 'fixed' || (d.kind === 'named' && env.get(d.name)?.kind === 'num'))
          ? p.dims.map((d) => (d.kind === 'fixed' ? d.size : (env.get((d as { name: string }).name) as { value: number }).value))
          : undefined;
        env.set(p.name, tensorV(declared ? this.g.expand(node, declared, this.span(p.span)) : node));
      } else {
        throw new LossError(diag('LD3001', this.span(callSpan), p.name));
      }
    }
    return this.expr(loss.body, env);
  }

  /** A call of a loss from a formula: tensors by position or name, options by name. */
  private callLoss(loss: LossDef, unit: SourceUnit, fromLibrary: boolean, args: Arg[], span: Span, env: Env): Value {
    if (this.ctx.depth >= MAX_INLINE_DEPTH) throw new LossError(diag('LD2043', this.span(span), loss.name, MAX_INLINE_DEPTH));
    const params = [
      ...loss.tensorParams.map((p) => ({ name: p.name, required: !p.default })),
      ...loss.options.map((o) => ({ name: o.name, required: false })),
    ];
    const bound = this.bind(loss.name, params, args, span, env, loss.tensorParams.length);
    const tensors = new Map<string, Value>();
    const options = new Map<string, Value>();
    for (const p of loss.tensorParams) {
      const b = bound.get(p.name);
      if (b) tensors.set(p.name, b.value);
    }
    for (const o of loss.options) {
      const b = bound.get(o.name);
      if (!b) continue;
      let v = b.value;
      if (v.kind === 'tensor' && v.node.op === 'const') v = numV(v.node.attrs.value!);
      if (v.kind !== 'num' && v.kind !== 'str' && v.kind !== 'bool') throw new LossError(diag('LD2007', this.span(b.span), o.name, 'value (a number, string or boolean)'));
      options.set(o.name, v);
    }
    const saved = this.ctx.spanOverride;
    if (fromLibrary) this.ctx.spanOverride ??= span;
    this.ctx.depth++;
    try {
      return this.lossBody(loss, this.unitEnv(unit), tensors, options, span);
    } finally {
      this.ctx.depth--;
      this.ctx.spanOverride = saved;
    }
  }

  private readonly unitEnvs = new Map<SourceUnit, Env>();
  private unitEnv(unit: SourceUnit): Env {
    let e = this.unitEnvs.get(unit);
    if (!e) this.unitEnvs.set(unit, (e = this.globalEnv(unit)));
    return e;
  }

  private span(s: Span): Span {
    return this.ctx.spanOverride ?? s;
  }

  private asTensor(v: Value, span: Span): Node {
    return toNode(this.g, v, this.span(span));
  }

  expr(e: Expr, env: Env): Value {
    const g = this.g;
    switch (e.kind) {
      case 'num':
        return numV(e.value);
      case 'str':
        return strV(e.value);
      case 'bool':
        return boolV(e.value);
      case 'list':
        return { kind: 'list', items: e.items.map((i) => this.expr(i, env)) };
      case 'name': {
        const v = env.get(e.name);
        if (v) {
          if (v.kind === 'fn') throw new LossError(diag('LD2009', this.span(e.span), e.name));
          return v;
        }
        if (e.name in CONSTANTS) return numV(CONSTANTS[e.name]!);
        throw new LossError(diag('LD2001', this.span(e.span), e.name));
      }
      case 'unary': {
        const v = this.expr(e.operand, env);
        if (e.op === '!') {
          if (v.kind === 'bool') return boolV(!v.value);
          return elementwiseV(g, 'not', [v], this.span(e.span));
        }
        if (v.kind === 'num' && !(v.size && g.symbolic)) return numV(-v.value);
        return tensorV(g.map('neg', [this.asTensor(v, e.span)], this.span(e.span)));
      }
      case 'binary':
        return this.binary(e, env);
      case 'if': {
        const c = this.expr(e.cond, env);
        if (c.kind === 'bool' || c.kind === 'num') return (c.kind === 'bool' ? c.value : c.value !== 0) ? this.expr(e.then, env) : this.expr(e.else, env);
        if (c.kind === 'str') throw new LossError(diag('LD2008', this.span(e.cond.span), 'a condition', describeValue(c)));
        const a = this.expr(e.then, env);
        const b = this.expr(e.else, env);
        return elementwiseV(g, 'where', [c, a, b], this.span(e.span));
      }
      case 'let': {
        let scope = env;
        for (const b of e.bindings) {
          const v = this.expr(b.value, scope);
          scope = scope.child();
          scope.set(b.name, v);
        }
        return this.expr(e.body, scope);
      }
      case 'index': {
        const x = this.asTensor(this.expr(e.target, env), e.target.span);
        const idx = this.asTensor(this.expr(e.index, env), e.index.span);
        return tensorV(g.take(x, idx, this.span(e.span)));
      }
      case 'call':
        return this.call(e.callee, e.calleeSpan, e.args, e.span, env);
    }
  }

  private binary(e: Extract<Expr, { kind: 'binary' }>, env: Env): Value {
    // A left-associated chain (`a + b + c …`, any length: the grammar does not bound it) is
    // walked down its left spine with a loop, then folded left to right, instead of recursing.
    const spine: Extract<Expr, { kind: 'binary' }>[] = [];
    let leftmost: Expr = e;
    while (leftmost.kind === 'binary') {
      spine.push(leftmost);
      leftmost = leftmost.left;
    }
    let acc = this.expr(leftmost, env);
    for (let i = spine.length - 1; i >= 0; i--) {
      // A compile-time `&&` / `||` decided by its left side does not evaluate its right one:
      // `rank(w) == 0 || size(w, 0) == C` must not ask for the size of a scalar.
      const op = spine[i]!.op;
      if (acc.kind === 'bool' && ((op === '||' && acc.value) || (op === '&&' && !acc.value))) continue;
      acc = this.binaryOf(spine[i]!, acc, this.expr(spine[i]!.right, env));
    }
    return acc;
  }

  private binaryOf(e: Extract<Expr, { kind: 'binary' }>, a: Value, b: Value): Value {
    const span = this.span(e.span);
    if (e.op === '@') return tensorV(this.g.matmul(this.asTensor(a, e.left.span), this.asTensor(b, e.right.span), span));
    // Compile-time comparisons of strings and booleans (`if reduction == "mean"`).
    if ((a.kind === 'str' || b.kind === 'str') && (e.op === '==' || e.op === '!=')) {
      const same = a.kind === b.kind && (a as { value: unknown }).value === (b as { value: unknown }).value;
      return boolV(e.op === '==' ? same : !same);
    }
    if (a.kind === 'bool' && b.kind === 'bool') {
      const ops: Record<string, (x: boolean, y: boolean) => boolean> = {
        '&&': (x, y) => x && y, '||': (x, y) => x || y, '==': (x, y) => x === y, '!=': (x, y) => x !== y,
      };
      if (ops[e.op]) return boolV(ops[e.op]!(a.value, b.value));
    }
    const op = BINARY_OPS[e.op]!;
    const v = elementwiseV(this.g, op, [a, b], span);
    // Comparisons and logic of compile-time numbers are compile-time booleans.
    if (v.kind === 'num' && ['==', '!=', '<', '<=', '>', '>=', '&&', '||'].includes(e.op)) return boolV(v.value !== 0);
    return v;
  }

  private call(name: string, nameSpan: Span, args: Arg[], span: Span, env: Env): Value {
    const target = env.get(name);
    if (target && target.kind !== 'fn' && target.kind !== 'loss') throw new LossError(diag('LD2009', this.span(nameSpan), name));
    if (target?.kind === 'fn') return this.callDef(target, args, span, env);
    if (target?.kind === 'loss') return this.callLoss(target.def, target.unit, target.fromLibrary, args, span, env);
    const b = BUILTINS[name];
    if (!b) {
      const lib = libraryLoss(name);
      if (lib) return this.callLoss(lib.def, lib.unit, true, args, span, env);
      throw new LossError(diag('LD2002', this.span(nameSpan), name, suggest(name, env)));
    }
    const bound = this.bind(name, b.params.map((p) => ({ name: p.name, required: !p.optional })), args, span, env);
    const values = new Map<string, Value>();
    for (const p of b.params) {
      const got = bound.get(p.name);
      if (got) values.set(p.name, got.value);
      else if (p.default) values.set(p.name, p.default);
    }
    const argSpan = (n: string): Span => this.span(bound.get(n)?.span ?? span);
    const g = this.g;
    const fail = (n: string | undefined, code: DiagnosticCode, ...rest: (string | number)[]): never => {
      throw new LossError(diag(code, n ? argSpan(n) : this.span(span), ...rest));
    };
    const need = (n: string): Value => values.get(n) ?? fail(undefined, 'LD2005', name, n);
    const compileTime = (n: string, what: string): Value => {
      const v = need(n);
      if (v.kind === 'tensor') {
        // A tensor that is a constant (e.g. a folded expression) is as good as a number.
        if (v.node.op === 'const') return numV(v.node.attrs.value!);
        fail(n, 'LD2007', n, what);
      }
      return v;
    };
    const ctx: BuiltinCtx = {
      g,
      span: this.span(span),
      has: (n) => values.has(n),
      value: (n) => values.get(n),
      tensor: (n) => toNode(g, need(n), argSpan(n)),
      num: (n) => {
        const v = compileTime(n, 'number');
        if (v.kind === 'num') return v.value;
        if (v.kind === 'bool') return v.value ? 1 : 0;
        return fail(n, 'LD2008', 'a number', describeValue(v));
      },
      int: (n) => {
        const x = ctx.num(n);
        if (!Number.isInteger(x)) fail(n, 'LD2007', n, 'integer');
        return x;
      },
      bool: (n) => {
        const v = compileTime(n, 'boolean');
        if (v.kind === 'bool') return v.value;
        if (v.kind === 'num') return v.value !== 0;
        return fail(n, 'LD2008', 'a boolean', describeValue(v));
      },
      str: (n) => {
        const v = need(n);
        if (v.kind !== 'str') fail(n, 'LD2008', 'a string', describeValue(v));
        return (v as { value: string }).value;
      },
      dims: (n) => {
        const v = values.get(n);
        if (!v) return undefined;
        const items = v.kind === 'list' ? v.items : [v];
        return items.map((it) => {
          const x = it.kind === 'num' ? it.value : it.kind === 'tensor' && it.node.op === 'const' ? it.node.attrs.value! : NaN;
          if (!Number.isInteger(x)) fail(n, 'LD2007', n, 'integer or list of integers');
          return x;
        });
      },
      fail,
    };
    return b.lower(ctx);
  }

  private callDef(fn: Extract<Value, { kind: 'fn' }>, args: Arg[], span: Span, env: Env): Value {
    const def = fn.def;
    if (this.ctx.depth >= MAX_INLINE_DEPTH) throw new LossError(diag('LD2043', this.span(span), def.name, MAX_INLINE_DEPTH));
    const bound = this.bind(def.name, def.params.map((p) => ({ name: p.name, required: !p.default })), args, span, env);
    const saved = this.ctx.spanOverride;
    if (fn.fromPrelude) this.ctx.spanOverride ??= span;
    this.ctx.depth++;
    try {
      const scope = fn.env.child();
      for (const p of def.params) {
        const got = bound.get(p.name);
        scope.set(p.name, got ? got.value : this.expr(p.default!, scope));
      }
      return this.expr(def.body, scope);
    } finally {
      this.ctx.depth--;
      this.ctx.spanOverride = saved;
    }
  }

  /** Positional and keyword arguments → parameter values (evaluated in the caller's scope). */
  private bind(callee: string, params: { name: string; required: boolean }[], args: Arg[], span: Span, env: Env, maxPositional = params.length): Map<string, { value: Value; span: Span }> {
    const out = new Map<string, { value: Value; span: Span }>();
    let positional = 0;
    for (const a of args) {
      let pname: string;
      if (a.name !== undefined) {
        if (!params.some((p) => p.name === a.name)) {
          throw new LossError(diag('LD2004', this.span(a.nameSpan ?? a.span), callee, a.name, params.map((p) => p.name).join(', ') || 'none'));
        }
        pname = a.name;
      } else {
        if (positional >= maxPositional) throw new LossError(diag('LD2003', this.span(a.span), callee, maxPositional, args.filter((x) => x.name === undefined).length));
        pname = params[positional++]!.name;
      }
      if (out.has(pname)) throw new LossError(diag('LD2006', this.span(a.span), pname, callee));
      out.set(pname, { value: this.expr(a.value, env), span: a.value.span });
    }
    for (const p of params) {
      if (p.required && !out.has(p.name)) throw new LossError(diag('LD2005', this.span(span), callee, p.name));
    }
    return out;
  }
}

function optionValue(v: OptionValue): Value {
  return typeof v === 'number' ? numV(v) : typeof v === 'string' ? strV(v) : boolV(v);
}

/** ", did you mean 'x'?" for a near miss among built-ins and defs, else "". */
export function suggest(name: string, env?: Env): string {
  const pool = [...Object.keys(BUILTINS), ...preludeDefs().map((d) => d.name), ...libraryNames()];
  void env;
  let best = '';
  let bestD = Infinity;
  for (const c of pool) {
    const dist = editDistance(name, c);
    if (dist < bestD) {
      bestD = dist;
      best = c;
    }
  }
  return bestD <= Math.max(1, Math.floor(name.length / 3)) ? ` (did you mean '${best}'?)` : '';
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3) return Infinity;
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
