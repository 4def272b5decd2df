// Simplification: constant folding and algebraic identities that hold for every input,
// NaN and ±inf included (so no `x * 0 => 0`, no `x - x => 0`). Two routine tables, run in
// every phase (phases.ts): after lowering, after each stability rewrite, and on the gradient
// program, whose adjoint sums produce most of these shapes.

import type { Node } from '../ir.js';
import { opInfo } from '../ops.js';
import { ruleTable, type RuleSpec } from './engine.js';

/**
 * A scalar computed from constants and sizes alone: `1 / N` when N is a `size` leaf (an exported
 * program's count, compiler/symbolic.ts). Treated like a constant wherever only its being one
 * scalar for every element matters (broadcasting and layout), not its value.
 */
export function isConstantScalar(n: Node): boolean {
  if (n.shape.length !== 0) return false;
  if (n.op === 'const' || n.op === 'size') return true;
  return opInfo(n.op).kind === 'elementwise' && n.op !== 'detach' && n.args.length > 0 && n.args.every(isConstantScalar);
}
const isScalarConst = isConstantScalar;
/** A constant, possibly broadcast: its value, else undefined. */
const constValue = (n: Node): number | undefined =>
  n.op === 'const' ? n.attrs.value : n.op === 'expand' && n.args[0]!.op === 'const' ? n.args[0]!.attrs.value : undefined;

const FOLD_RULES: RuleSpec[] = [
  // Constant folding: an elementwise op of constants is a constant (through the op table).
  {
    name: 'constant-fold',
    lhs: 'x',
    rhs: (_b, g, n) => {
      const info = opInfo(n.op);
      if (info.kind !== 'elementwise' || !info.eval || n.args.length === 0) return undefined;
      const vals = n.args.map(constValue);
      if (vals.some((v) => v === undefined)) return undefined;
      if (n.op === 'detach') return undefined;
      return g.const(info.eval(...(vals as number[])));
    },
    note: 'any elementwise op whose operands are all constants',
  },
  {
    name: 'drop-scalar-expand',
    lhs: 'x',
    rhs: (_b, g, n) => {
      // An elementwise op does its own broadcasting: expand(k, shape) operands can be k
      // whenever the result keeps its shape.
      if (opInfo(n.op).kind !== 'elementwise') return undefined;
      if (!n.args.some((a) => a.op === 'expand' && isScalarConst(a.args[0]!))) return undefined;
      const args = n.args.map((a) => (a.op === 'expand' && isScalarConst(a.args[0]!) ? a.args[0]! : a));
      const out = g.map(n.op, args);
      return out.shape.length === n.shape.length ? out : undefined;
    },
  },
  {
    name: 'layout-of-constant',
    lhs: 'x',
    rhs: (_b, g, n) => {
      // reshape / permute / expand of a (broadcast) constant is that constant, broadcast.
      if (n.op !== 'reshape' && n.op !== 'permute' && n.op !== 'expand') return undefined;
      const v = constValue(n.args[0]!);
      if (v === undefined || (n.op === 'expand' && n.args[0]!.op === 'const')) return undefined;
      return g.expand(g.const(v), n.shape);
    },
  },
  {
    name: 'scalar-op-of-expands',
    lhs: 'x',
    rhs: (_b, g, n) => {
      // -expand(1 / N, shape) = expand(-(1 / N), shape): an op of broadcast scalar expressions
      // is the broadcast of the op (constant folding does this for plain constants).
      if (opInfo(n.op).kind !== 'elementwise' || n.args.length === 0 || n.shape.length === 0) return undefined;
      const scalar = (a: Node) => (a.op === 'expand' && isConstantScalar(a.args[0]!) ? a.args[0]! : isConstantScalar(a) ? a : undefined);
      const args = n.args.map(scalar);
      if (args.some((a) => a === undefined) || n.args.every((a) => a.op !== 'expand') || n.args.every(isConstantScalar)) return undefined;
      return g.expand(g.map(n.op, args as Node[]), n.shape);
    },
    note: 'an op of broadcast scalars computed from constants and sizes is the broadcast of the op: `-expand(1 / N, shape)` ⇒ `expand(-(1 / N), shape)`',
  },
  {
    name: 'layout-of-scalar-expression',
    lhs: 'x',
    rhs: (_b, g, n) => {
      // reshape / permute of a scalar computed from sizes (`1 / N`) is that scalar, broadcast.
      if (n.op !== 'reshape' && n.op !== 'permute') return undefined;
      const a = n.args[0]!;
      return a.op !== 'const' && isConstantScalar(a) ? g.expand(a, n.shape) : undefined;
    },
    note: 'reshape / permute of a scalar computed from constants and sizes (`1 / N` in an exported program) is that scalar, broadcast',
  },
  {
    name: 'expand-of-expand',
    lhs: 'x',
    rhs: (_b, g, n) => (n.op === 'expand' && n.args[0]!.op === 'expand' ? g.expand(n.args[0]!.args[0]!, n.shape) : undefined),
  },
  {
    name: 'take-of-constant',
    lhs: 'x',
    rhs: (_b, g, n) => (n.op === 'take' || n.op === 'gather') && constValue(n.args[0]!) !== undefined ? g.expand(g.const(constValue(n.args[0]!)!), n.shape) : undefined,
    note: 'picking entries of a constant tensor gives that constant',
  },
  {
    name: 'reduce-of-constant',
    lhs: 'x',
    rhs: (_b, g, n) => {
      const v = constValue(n.args[0] ?? n);
      if (v === undefined || n.args.length !== 1) return undefined;
      const x = n.args[0]!;
      const count = x.shape.reduce((a, b) => a * b, 1) / Math.max(n.shape.reduce((a, b) => a * b, 1), 1);
      if (n.op === 'sum') {
        // A count of symbolic dims stays a size leaf (compiler/symbolic.ts) for export.
        const total = g.symbolic?.isSymbolic(count) ? g.map('mul', [g.const(v), g.count(count)]) : g.const(v * count);
        return g.expand(total, n.shape);
      }
      if (n.op === 'amax' || n.op === 'amin') return count > 0 ? g.expand(g.const(v), n.shape) : undefined;
      return undefined;
    },
    note: 'sum of a broadcast constant is constant × count',
  },
];

const IDENTITY_RULES: RuleSpec[] = [
  { name: 'add-zero', lhs: 'x + 0', rhs: 'x' },
  { name: 'sub-zero', lhs: 'x - 0', rhs: 'x' },
  { name: 'zero-sub', lhs: '0 - x', rhs: '-x' },
  { name: 'mul-one', lhs: 'x * 1', rhs: 'x' },
  { name: 'mul-minus-one', lhs: 'x * -1', rhs: '-x' },
  { name: 'div-one', lhs: 'x / 1', rhs: 'x' },
  { name: 'div-minus-one', lhs: 'x / -1', rhs: '-x' },
  { name: 'neg-neg', lhs: '--x', rhs: 'x' },
  { name: 'sub-neg', lhs: 'x - -y', rhs: 'x + y' },
  { name: 'add-neg', lhs: 'x + -y', rhs: 'x - y' },
  { name: 'neg-sub', lhs: '-(x - y)', rhs: 'y - x' },
  { name: 'mul-neg-neg', lhs: '-x * -y', rhs: 'x * y' },
  { name: 'div-neg-neg', lhs: '-x / -y', rhs: 'x / y' },
  { name: 'neg-mul-const', lhs: '-(k * x)', rhs: '(-k) * x' },
  { name: 'pow-one', lhs: 'x ^ 1', rhs: 'x' },
  { name: 'pow-zero', lhs: 'x ^ 0', rhs: '1', note: 'x^0 = 1 for every x, NaN included (IEEE pow)' },
  { name: 'where-same', lhs: 'where(c, x, x)', rhs: 'x' },
  { name: 'mul-const-const', lhs: 'k1 * (k2 * x)', rhs: '(k1 * k2) * x', note: 'exact when k1*k2 is exact; both are compile-time constants' , when: (b) => exactProduct(b.nodes.get('k1')!.attrs.value!, b.nodes.get('k2')!.attrs.value!) },
];

/** True when a*b is exactly representable (so reassociating changes no bits). */
function exactProduct(a: number, b: number): boolean {
  const p = a * b;
  return Number.isFinite(p) && (Math.abs(a) === 1 || Math.abs(b) === 1 || (Number.isInteger(Math.log2(Math.abs(a))) || Number.isInteger(Math.log2(Math.abs(b)))));
}

export const foldTable = ruleTable('fold', 'routine', 'constant folding: ops of constants, layouts and reductions of constants', FOLD_RULES);
export const identityTable = ruleTable('identities', 'routine', 'algebraic identities exact for every input, NaN and ±inf included', IDENTITY_RULES);
