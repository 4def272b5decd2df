// Static name resolution, before any shape is known: which free names of a formula are its
// tensor inputs (in order of first use), and the mistakes that need no shapes — an unknown
// function, a call with too many arguments or an unknown keyword, a def without its body.
// compile() runs this so such errors surface at compile time, not at the first call.

import type { Arg, Def, Expr, LossDef, SourceUnit } from '../grammar/ast.js';
import { LossError, type Diagnostic } from '../grammar/source.js';
import { diag } from '../grammar/diagnostics.js';
import { BUILTINS, CONSTANTS } from './builtins.js';
import { preludeDefs, suggest } from './lower.js';
import { libraryLoss } from './library.js';

interface Signature {
  params: { name: string; required: boolean }[];
  positional?: number; // a loss takes its tensors by position, its options by name only
}

interface Scope {
  names: Set<string>;
  fns: Map<string, Signature>;
}

function lossSignature(l: LossDef): Signature {
  return {
    params: [...l.tensorParams.map((p) => ({ name: p.name, required: !p.default })), ...l.options.map((o) => ({ name: o.name, required: false }))],
    positional: l.tensorParams.length,
  };
}

export function resolveInputs(unit: SourceUnit, body: Expr, bound: Iterable<string>, extraFns: Def[] = []): string[] {
  const diagnostics: Diagnostic[] = [];
  const fns = new Map<string, Signature>();
  for (const d of [...preludeDefs(), ...unit.defs, ...extraFns]) fns.set(d.name, { params: d.params.map((p) => ({ name: p.name, required: !p.default })) });
  for (const l of unit.losses) fns.set(l.name, lossSignature(l));
  const inputs: string[] = [];
  const seen = new Set<string>();
  const top: Scope = { names: new Set([...bound, ...Object.keys(CONSTANTS)]), fns };

  const checkCall = (callee: string, args: Arg[], span: Expr['span']) => {
    const lib = fns.has(callee) || BUILTINS[callee] ? undefined : libraryLoss(callee);
    const sig: Signature | undefined =
      fns.get(callee) ?? (BUILTINS[callee] ? { params: BUILTINS[callee]!.params.map((p) => ({ name: p.name, required: !p.optional })) } : lib ? lossSignature(lib.def) : undefined);
    if (!sig) {
      diagnostics.push(diag('LD2002', span, callee, suggest(callee)));
    } else {
      let positional = 0;
      const given = new Set<string>();
      for (const a of args) {
        if (a.name !== undefined) {
          given.add(a.name);
          if (!sig.params.some((p) => p.name === a.name)) diagnostics.push(diag('LD2004', a.nameSpan ?? a.span, callee, a.name, sig.params.map((p) => p.name).join(', ') || 'none'));
        } else if (++positional > (sig.positional ?? sig.params.length)) {
          diagnostics.push(diag('LD2003', a.span, callee, sig.positional ?? sig.params.length, args.filter((x) => x.name === undefined).length));
        } else {
          given.add(sig.params[positional - 1]!.name);
        }
      }
      const missing = sig.params.find((p) => p.required && !given.has(p.name));
      if (missing) diagnostics.push(diag('LD2005', span, callee, missing.name));
    }
  };

  // Pre-order, left to right (so inputs come in order of first use), with an explicit work
  // list rather than recursion: a 20,000-term sum is a 20,000-deep left spine. The names in
  // scope are one counting map, bound and unbound by markers in the work list as `let`s are
  // entered and left (a copy per binding would be quadratic in a 20,000-binding chain).
  type Task = Expr | { bind: string; delta: 1 | -1 };
  const visit = (root: Expr, rootScope: Set<string>): void => {
    const scope = new Map<string, number>();
    const bind = (name: string, delta: number) => {
      const c = (scope.get(name) ?? 0) + delta;
      if (c) scope.set(name, c);
      else scope.delete(name);
    };
    for (const name of rootScope) bind(name, 1);
    const work: Task[] = [root];
    const next = (xs: readonly Task[]) => {
      for (let i = xs.length - 1; i >= 0; i--) work.push(xs[i]!);
    };
    while (work.length) {
      const e = work.pop()!;
      if (!('kind' in e)) {
        bind(e.bind, e.delta);
        continue;
      }
      switch (e.kind) {
        case 'num':
        case 'str':
        case 'bool':
          break;
        case 'name':
          if (!scope.has(e.name) && !top.names.has(e.name)) {
            if (fns.has(e.name) || BUILTINS[e.name] || libraryLoss(e.name)) {
              diagnostics.push(diag('LD2009', e.span, e.name));
            } else if (!seen.has(e.name)) {
              seen.add(e.name);
              inputs.push(e.name);
            }
          }
          break;
        case 'unary':
          next([e.operand]);
          break;
        case 'binary':
          next([e.left, e.right]);
          break;
        case 'if':
          next([e.cond, e.then, e.else]);
          break;
        case 'index':
          next([e.target, e.index]);
          break;
        case 'list':
          next(e.items);
          break;
        case 'let': {
          // Each binding sees the names bound before it; the body sees them all.
          const tasks: Task[] = [];
          for (const b of e.bindings) tasks.push(b.value, { bind: b.name, delta: 1 });
          tasks.push(e.body);
          for (const b of e.bindings) tasks.push({ bind: b.name, delta: -1 });
          next(tasks);
          break;
        }
        case 'call':
          checkCall(e.callee, e.args, e.calleeSpan);
          next(e.args.map((a) => a.value));
          break;
      }
    }
  };

  for (const d of unit.defs) {
    const s = new Set<string>();
    for (const p of d.params) {
      if (p.default) visit(p.default, s);
      s.add(p.name);
    }
    const before = inputs.length;
    visit(d.body, s);
    // A def's free names are not inputs of the formula: they are errors.
    for (const name of inputs.splice(before)) {
      seen.delete(name);
      diagnostics.push(diag('LD2001', findName(d.body, name)?.span ?? d.span, name));
    }
  }
  visit(body, new Set());
  if (diagnostics.length) throw new LossError(diagnostics);
  return inputs;
}

function findName(e: Expr, name: string): Expr | undefined {
  // Iterative, left to right: the first occurrence in source order.
  const work: Expr[] = [e];
  while (work.length) {
    const x = work.pop()!;
    if (x.kind === 'name' && x.name === name) return x;
    const kids: Expr[] =
      x.kind === 'unary' ? [x.operand]
      : x.kind === 'binary' ? [x.left, x.right]
      : x.kind === 'if' ? [x.cond, x.then, x.else]
      : x.kind === 'index' ? [x.target, x.index]
      : x.kind === 'list' ? x.items
      : x.kind === 'let' ? [...x.bindings.map((b) => b.value), x.body]
      : x.kind === 'call' ? x.args.map((a) => a.value)
      : [];
    for (let i = kids.length - 1; i >= 0; i--) work.push(kids[i]!);
  }
  return undefined;
}

/** Checks a loss body: every free name must be a parameter, option or named dim. */
export function checkLoss(unit: SourceUnit, loss: import('../grammar/ast.js').LossDef): void {
  const bound = new Set<string>();
  for (const p of loss.tensorParams) {
    bound.add(p.name);
    for (const d of p.dims ?? []) if (d.kind === 'named') bound.add(d.name);
  }
  for (const o of loss.options) bound.add(o.name);
  const free = resolveInputs({ ...unit, body: loss.body }, loss.body, bound);
  if (free.length) throw new LossError(free.map((n) => diag('LD2001', findName(loss.body, n)?.span ?? loss.nameSpan, n)));
}
