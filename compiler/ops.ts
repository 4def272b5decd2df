// The op table: one entry per IR primitive, the single place that knows what an op is.
// Each entry gives its kind (which decides how the scheduler fuses it), how it prints in the
// loss language, its scalar reference semantics (constant folding, the reference
// interpreter) and its JS expression (the code generator). Derivative rules live in
// compiler/derivatives.ts and rewrite rules in compiler/rewrite/, each keyed by these names.

import * as M from './mathlib.js';

export type OpKind = 'leaf' | 'elementwise' | 'reduce' | 'shape' | 'index' | 'matmul';

export interface OpInfo {
  kind: OpKind;
  /** How the op reads in the loss language: a function name, or an infix operator with its precedence. */
  syntax: { name: string; infix?: string; prec?: number; prefix?: string };
  /** Scalar semantics of an elementwise op. */
  eval?: (...xs: number[]) => number;
  /** JS expression for an elementwise op, given its operands' expressions. */
  js?: (...xs: string[]) => string;
  /** Int operands give an int result (add, mul, ...); otherwise operands are cast to float. */
  intClosed?: boolean;
  /** Takes int operands as they are (comparisons), result float. */
  intArgsOk?: boolean;
  /** XLA's IsExpensive: not duplicated freely across loops. */
  expensive?: boolean;
}

const fn = (name: string, f: (...xs: number[]) => number, js: (...xs: string[]) => string, expensive = true): OpInfo => ({
  kind: 'elementwise',
  syntax: { name },
  eval: f,
  js,
  expensive,
});
const call = (f: string) => (...xs: string[]) => `${f}(${xs.join(', ')})`;
const infix = (op: string, prec: number, f: (a: number, b: number) => number, intClosed = true): OpInfo => ({
  kind: 'elementwise',
  syntax: { name: op, infix: op, prec },
  eval: f,
  js: (a, b) => `(${a} ${op === '^' ? '**' : op} ${b})`,
  intClosed,
});
const compare = (op: string, name: string, f: (a: number, b: number) => boolean): OpInfo => ({
  kind: 'elementwise',
  syntax: { name, infix: op, prec: 3 },
  eval: (a, b) => (f(a, b) ? 1 : 0),
  js: (a, b) => `+(${a} ${op === '==' ? '===' : op === '!=' ? '!==' : op} ${b})`,
  intArgsOk: true,
});

// Precedences (higher binds tighter): || 1, && 2, comparisons 3, + - 4, * / @ 5, unary 6, ^ 7.
export const OPS = {
  // leaves
  const: { kind: 'leaf', syntax: { name: 'const' } },
  input: { kind: 'leaf', syntax: { name: 'input' } },
  iota: { kind: 'leaf', syntax: { name: 'iota' } },
  // A number computed from symbolic sizes (compiler/symbolic.ts): a constant no pass folds.
  size: { kind: 'leaf', syntax: { name: 'size' } },

  // elementwise, unary
  neg: { kind: 'elementwise', syntax: { name: 'neg', prefix: '-' }, eval: (a) => -a, js: (a) => `(-${a})`, intClosed: true },
  not: { kind: 'elementwise', syntax: { name: 'not', prefix: '!' }, eval: (a) => (a === 0 ? 1 : 0), js: (a) => `+(${a} === 0)`, intArgsOk: true },
  cast: { kind: 'elementwise', syntax: { name: 'float' }, eval: (a) => a, js: (a) => a },
  detach: { kind: 'elementwise', syntax: { name: 'detach' }, eval: (a) => a, js: (a) => a },
  exp: fn('exp', Math.exp, call('Math.exp')),
  log: fn('log', Math.log, call('Math.log')),
  log1p: fn('log1p', Math.log1p, call('Math.log1p')),
  expm1: fn('expm1', Math.expm1, call('Math.expm1')),
  sqrt: fn('sqrt', Math.sqrt, call('Math.sqrt')),
  abs: fn('abs', Math.abs, call('Math.abs'), false),
  sign: fn('sign', M.sign, call('$sign'), false),
  sigmoid: fn('sigmoid', M.sigmoid, call('$sigmoid')),
  logsigmoid: fn('logsigmoid', M.logsigmoid, call('$logsigmoid')),
  softplus: fn('softplus', M.softplus, call('$softplus')),
  log1mexp: fn('log1mexp', M.log1mexp, call('$log1mexp')),
  tanh: fn('tanh', Math.tanh, call('Math.tanh')),
  relu: fn('relu', (a) => (a > 0 ? a : a === a ? 0 : a), (a) => `Math.max(${a}, 0)`, false),
  sin: fn('sin', Math.sin, call('Math.sin')),
  cos: fn('cos', Math.cos, call('Math.cos')),
  tan: fn('tan', Math.tan, call('Math.tan')),
  asin: fn('asin', Math.asin, call('Math.asin')),
  acos: fn('acos', Math.acos, call('Math.acos')),
  atan: fn('atan', Math.atan, call('Math.atan')),
  floor: fn('floor', Math.floor, call('Math.floor'), false),
  ceil: fn('ceil', Math.ceil, call('Math.ceil'), false),
  round: fn('round', M.round, call('$round'), false),

  // elementwise, binary and ternary
  add: infix('+', 4, (a, b) => a + b),
  sub: infix('-', 4, (a, b) => a - b),
  mul: infix('*', 5, (a, b) => a * b),
  div: infix('/', 5, (a, b) => a / b, false),
  pow: infix('^', 7, (a, b) => Math.pow(a, b), false),
  max: fn('max', (a, b) => Math.max(a, b), call('Math.max'), false),
  min: fn('min', (a, b) => Math.min(a, b), call('Math.min'), false),
  lt: compare('<', 'lt', (a, b) => a < b),
  le: compare('<=', 'le', (a, b) => a <= b),
  gt: compare('>', 'gt', (a, b) => a > b),
  ge: compare('>=', 'ge', (a, b) => a >= b),
  eq: compare('==', 'eq', (a, b) => a === b),
  ne: compare('!=', 'ne', (a, b) => a !== b),
  and: { kind: 'elementwise', syntax: { name: 'and', infix: '&&', prec: 2 }, eval: (a, b) => (a !== 0 && b !== 0 ? 1 : 0), js: (a, b) => `+(${a} !== 0 && ${b} !== 0)`, intArgsOk: true },
  or: { kind: 'elementwise', syntax: { name: 'or', infix: '||', prec: 1 }, eval: (a, b) => (a !== 0 || b !== 0 ? 1 : 0), js: (a, b) => `+(${a} !== 0 || ${b} !== 0)`, intArgsOk: true },
  logaddexp: fn('logaddexp', M.logaddexp, call('$logaddexp')),
  xlogy: fn('xlogy', M.xlogy, call('$xlogy')),
  where: { kind: 'elementwise', syntax: { name: 'where' }, eval: (c, a, b) => (c !== 0 ? a : b), js: (c, a, b) => `(${c} !== 0 ? ${a} : ${b})`, intClosed: true, intArgsOk: true },

  // reductions over attrs.dims (keepdim in attrs)
  sum: { kind: 'reduce', syntax: { name: 'sum' } },
  prod: { kind: 'reduce', syntax: { name: 'prod' } },
  amax: { kind: 'reduce', syntax: { name: 'max' } },
  amin: { kind: 'reduce', syntax: { name: 'min' } },
  logsumexp: { kind: 'reduce', syntax: { name: 'logsumexp' } },
  norm: { kind: 'reduce', syntax: { name: 'norm' } },

  // layout
  reshape: { kind: 'shape', syntax: { name: 'reshape' } },
  expand: { kind: 'shape', syntax: { name: 'expand' } },
  permute: { kind: 'shape', syntax: { name: 'permute' } },

  // indexing
  gather: { kind: 'index', syntax: { name: 'pick' } },
  take: { kind: 'index', syntax: { name: 'take' } },
  index_add: { kind: 'index', syntax: { name: 'index_add' } },

  matmul: { kind: 'matmul', syntax: { name: 'matmul', infix: '@', prec: 5 } },
} satisfies Record<string, OpInfo>;

export type OpName = keyof typeof OPS;
export const opInfo = (op: OpName): OpInfo => OPS[op] as OpInfo;

