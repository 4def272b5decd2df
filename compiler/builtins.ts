// Built-in functions of the loss language (language.md, "Built-ins"), as a table:
// name → signature (PyTorch's argument names and defaults) and how a call lowers to IR.
// Signatures are strings: `x` required, `dim?` optional, `keepdim=false` a default.
// Adding a built-in is adding one entry here; the lowering pass does not switch on names.

import type { Span } from '../grammar/source.js';
import type { DiagnosticCode } from '../grammar/diagnostics.js';
import type { Graph, Node } from './ir.js';
import { numel } from './ir.js';
import { opInfo, type OpName } from './ops.js';
import { boolV, numV, sizeV, tensorV, type Value } from './values.js';

export interface BuiltinCtx {
  g: Graph;
  span: Span;
  has(name: string): boolean;
  value(name: string): Value | undefined;
  tensor(name: string): Node;
  num(name: string): number;
  int(name: string): number;
  bool(name: string): boolean;
  str(name: string): string;
  /** A `dim=` argument: one int or a list of ints; undefined when absent. */
  dims(name: string): number[] | undefined;
  fail(name: string | undefined, code: DiagnosticCode, ...args: (string | number)[]): never;
}

export interface Builtin {
  params: { name: string; optional: boolean; default?: Value }[];
  doc: string;
  lower(c: BuiltinCtx): Value;
}

function parseSig(sig: string): Builtin['params'] {
  if (!sig.trim()) return [];
  return sig.split(',').map((p) => {
    const s = p.trim();
    if (s.endsWith('?')) return { name: s.slice(0, -1), optional: true };
    const eq = s.indexOf('=');
    if (eq < 0) return { name: s, optional: false };
    const name = s.slice(0, eq);
    const d = s.slice(eq + 1);
    const v: Value = d === 'true' || d === 'false' ? { kind: 'bool', value: d === 'true' } : d.startsWith('"') ? { kind: 'str', value: d.slice(1, -1) } : numV(Number(d));
    return { name, optional: true, default: v };
  });
}

const def = (sig: string, doc: string, lower: (c: BuiltinCtx) => Value): Builtin => ({ params: parseSig(sig), doc, lower });

/** Elementwise op on values; folds to a number when every argument is one. */
export function elementwiseV(g: Graph, op: OpName, vals: Value[], span: Span): Value {
  if (g.symbolic && COMPARISONS.has(op)) guardSizeComparison(g, vals, span);
  if (vals.every((v) => v.kind === 'num' || v.kind === 'bool') && !keepsSize(g, op, vals)) {
    // A product of sizes is a size (a reshape's -1, a flattened count).
    if (op === 'mul' && vals.every((v) => v.kind === 'num' && v.size)) return sizeV((vals[0] as { value: number }).value * (vals[1] as { value: number }).value);
    const xs = vals.map((v) => (v.kind === 'num' ? v.value : v.kind === 'bool' && v.value ? 1 : 0));
    return numV(opInfo(op).eval!(...xs));
  }
  return tensorV(g.map(op, vals.map((v) => toNode(g, v, span)), span));
}

const COMPARISONS = new Set<OpName>(['eq', 'ne', 'lt', 'le', 'gt', 'ge']);

/**
 * When exporting, a comparison that involves a symbolic size is decided only when both sides
 * are the same size (`size(w, 0) == size(x, 1)` for one named dim C): anything else (`size(x, 1)
 * == 3`, N < C) depends on the sizes at run time, which a compile-time branch cannot.
 */
function guardSizeComparison(g: Graph, vals: Value[], span: Span): void {
  const symbolic = vals.map((v) => v.kind === 'num' && v.size === true && g.symbolic!.isSymbolic(v.value));
  if (!symbolic.some(Boolean)) return;
  const [a, b] = vals as [Value, Value];
  if (symbolic.every(Boolean) && (a as { value: number }).value === (b as { value: number }).value) return;
  g.fail(span, 'LD2080', 'this compares a size that the exported module reads from its inputs with another number; give that dim a fixed size with --shape');
}

/**
 * Whether arithmetic on compile-time numbers must stay in the program: when exporting, a
 * number computed from a symbolic size (`smoothing / size(x, 1)`) is a run-time value.
 * Comparisons stay compile-time (they decide with the probes; see compiler/symbolic.ts).
 */
function keepsSize(g: Graph, op: OpName, vals: Value[]): boolean {
  if (!g.symbolic || opInfo(op).intArgsOk || op === 'not') return false;
  if (op === 'mul' && vals.every((v) => v.kind === 'num' && v.size)) return false;
  return vals.some((v) => v.kind === 'num' && v.size && g.symbolic!.isSymbolic(v.value));
}

export const elementwise = (c: BuiltinCtx, op: OpName, names: string[]): Value =>
  elementwiseV(c.g, op, names.map((n) => c.value(n) ?? c.fail(n, 'LD2005', n)), c.span);

const unary = (op: OpName, doc: string) => def('x', doc, (c) => elementwise(c, op, ['x']));

function reduction(op: OpName, doc: string): Builtin {
  return def('x, dim?, keepdim=false', doc, (c) => tensorV(c.g.reduce(op, c.tensor('x'), c.dims('dim'), c.bool('keepdim'), c.span)));
}

export function mean(g: Graph, x: Node, dims: number[] | undefined, keepdim: boolean, span: Span): Node {
  const s = g.reduce('sum', x, dims, keepdim, span);
  const rank = x.shape.length;
  const reduced = dims && dims.length ? [...new Set(dims.map((d) => g.normDim(d, rank, span)))] : x.shape.map((_, i) => i);
  const count = reduced.reduce((n, d) => n * (x.shape[d] ?? 1), 1);
  return g.map('div', [s, g.count(count, span)], span);
}

/** max(x) / max(x, dim=…) reduce; max(a, b) is elementwise. Same for min. */
function extremum(elementOp: OpName, reduceOp: OpName, doc: string): Builtin {
  return def('x, other?, dim?, keepdim=false', doc, (c) => {
    if (c.has('other')) return elementwise(c, elementOp, ['x', 'other']);
    return tensorV(c.g.reduce(reduceOp, c.tensor('x'), c.dims('dim'), c.bool('keepdim'), c.span));
  });
}

function logSoftmax(g: Graph, x: Node, dim: number, span: Span): Node {
  return g.map('sub', [x, g.reduce('logsumexp', x, [dim], true, span)], span);
}

export const BUILTINS: Record<string, Builtin> = {
  exp: unary('exp', 'e^x'),
  log: unary('log', 'natural logarithm'),
  log1p: unary('log1p', 'log(1 + x), accurate near 0'),
  expm1: unary('expm1', 'exp(x) - 1, accurate near 0'),
  sqrt: unary('sqrt', 'square root'),
  abs: unary('abs', '|x| (gradient 0 at 0)'),
  sign: unary('sign', '-1, 0 or 1'),
  sigmoid: unary('sigmoid', '1 / (1 + exp(-x)), overflow-free'),
  logsigmoid: unary('logsigmoid', 'log(sigmoid(x)) = -softplus(-x), overflow-free'),
  tanh: unary('tanh', 'hyperbolic tangent'),
  relu: unary('relu', 'max(x, 0) (gradient 0 at 0)'),
  sin: unary('sin', 'sine'),
  cos: unary('cos', 'cosine'),
  tan: unary('tan', 'tangent'),
  asin: unary('asin', 'arcsine'),
  acos: unary('acos', 'arccosine'),
  atan: unary('atan', 'arctangent'),
  floor: unary('floor', 'round down (gradient 0)'),
  ceil: unary('ceil', 'round up (gradient 0)'),
  round: unary('round', 'round half to even (gradient 0)'),
  detach: unary('detach', 'x, with no gradient flowing through'),
  log1mexp: unary('log1mexp', 'log(1 - exp(x)) for x <= 0, accurate everywhere'),
  float: unary('cast', 'x as a float tensor'),
  softplus: def('x, beta=1, threshold?', 'log(1 + exp(beta x)) / beta; with threshold, linear where beta x > threshold (PyTorch)', (c) => {
    const beta = c.num('beta');
    const x = c.tensor('x');
    const g = c.g;
    const bx = beta === 1 ? x : g.map('mul', [x, g.const(beta, c.span)], c.span);
    let y = g.map('softplus', [bx], c.span);
    if (beta !== 1) y = g.map('div', [y, g.const(beta, c.span)], c.span);
    if (!c.has('threshold')) return tensorV(y);
    return tensorV(g.map('where', [g.map('gt', [bx, g.const(c.num('threshold'), c.span)], c.span), x, y], c.span));
  }),
  pow: def('x, y', 'x raised to y', (c) => elementwise(c, 'pow', ['x', 'y'])),
  logaddexp: def('x, y', 'log(exp(x) + exp(y)), overflow-free', (c) => elementwise(c, 'logaddexp', ['x', 'y'])),
  xlogy: def('x, y', 'x * log(y), 0 where x == 0', (c) => elementwise(c, 'xlogy', ['x', 'y'])),
  where: def('condition, x, y', 'x where condition is nonzero, else y', (c) => elementwise(c, 'where', ['condition', 'x', 'y'])),
  max: extremum('max', 'amax', 'max(a, b) elementwise; max(x, dim=…, keepdim=…) reduces (gradient split evenly among ties)'),
  min: extremum('min', 'amin', 'min(a, b) elementwise; min(x, dim=…, keepdim=…) reduces'),
  clamp: def('x, min?, max?', 'x limited to [min, max]; the gradient passes at the bounds, as torch.clamp', (c) => {
    let y: Value = c.value('x')!;
    if (c.has('min')) y = elementwiseV(c.g, 'max', [y, c.value('min')!], c.span);
    if (c.has('max')) y = elementwiseV(c.g, 'min', [y, c.value('max')!], c.span);
    return y;
  }),
  sum: reduction('sum', 'sum over all dims or `dim`'),
  prod: reduction('prod', 'product over all dims or `dim`'),
  logsumexp: reduction('logsumexp', 'log(sum(exp(x))), max-shifted: no overflow; an all -inf row gives -inf'),
  mean: def('x, dim?, keepdim=false', 'arithmetic mean over all dims or `dim` (NaN for an empty tensor)', (c) => tensorV(mean(c.g, c.tensor('x'), c.dims('dim'), c.bool('keepdim'), c.span))),
  norm: def('x, p=2, dim?, keepdim=false', 'p-norm over all dims or `dim`; its gradient at 0 is 0', (c) => {
    const p = c.num('p');
    const x = c.tensor('x');
    const g = c.g;
    if (!(p > 0)) c.fail('p', 'LD2042', 'p', 'a positive number');
    if (p === 1) return tensorV(g.reduce('sum', g.map('abs', [x], c.span), c.dims('dim'), c.bool('keepdim'), c.span));
    if (p === Infinity) return tensorV(g.reduce('amax', g.map('abs', [x], c.span), c.dims('dim'), c.bool('keepdim'), c.span));
    return tensorV(g.reduce('norm', x, c.dims('dim'), c.bool('keepdim'), c.span, p));
  }),
  softmax: def('x, dim=-1', 'exp(x) / sum(exp(x), dim), computed as exp(log_softmax(x, dim))', (c) => {
    const x = c.tensor('x');
    return tensorV(c.g.map('exp', [logSoftmax(c.g, x, c.int('dim'), c.span)], c.span));
  }),
  log_softmax: def('x, dim=-1', 'x - logsumexp(x, dim, keepdim=true)', (c) => tensorV(logSoftmax(c.g, c.tensor('x'), c.int('dim'), c.span))),
  pick: def('x, index, dim=1', "x's entries at the int `index` along `dim` (gather, then squeeze)", (c) => {
    const x = c.tensor('x');
    const axis = c.g.normDim(c.int('dim'), x.shape.length, c.span);
    return tensorV(c.g.gather(x, c.tensor('index'), axis, c.span));
  }),
  onehot: def('index, num_classes', 'one-hot float encoding of int `index` in a new last dim', (c) => {
    const idx = c.tensor('index');
    const n = c.int('num_classes');
    if (idx.dtype !== 'int') c.fail('index', 'LD2030', 'onehot');
    if (n < 0) c.fail('num_classes', 'LD2042', 'num_classes', 'a non-negative integer');
    const g = c.g;
    const shape = [...idx.shape, n];
    const col = g.reshape(idx, [...idx.shape, 1], c.span);
    return tensorV(g.map('eq', [g.iota(shape, shape.length - 1, c.span), col], c.span));
  }),
  matmul: def('x, y', 'matrix product with NumPy broadcasting (also x @ y)', (c) => tensorV(c.g.matmul(c.tensor('x'), c.tensor('y'), c.span))),
  transpose: def('x, dim0=-2, dim1=-1', 'swaps two dims (default: the last two)', (c) => {
    const x = c.tensor('x');
    const r = x.shape.length;
    if (r < 2) return tensorV(x);
    const a = c.g.normDim(c.int('dim0'), r, c.span);
    const b = c.g.normDim(c.int('dim1'), r, c.span);
    const perm = x.shape.map((_, i) => (i === a ? b : i === b ? a : i));
    return tensorV(c.g.permute(x, perm, c.span));
  }),
  normalize: def('x, p=2, dim=1, eps=1e-12', 'x / max(norm(x, p, dim, keepdim=true), eps), as torch.nn.functional.normalize', (c) => {
    const g = c.g;
    const x = c.tensor('x');
    const p = c.num('p');
    const n = p === 2 ? g.reduce('norm', x, [c.int('dim')], true, c.span, 2) : g.reduce('norm', x, [c.int('dim')], true, c.span, p);
    return tensorV(g.map('div', [x, g.map('max', [n, g.const(c.num('eps'), c.span)], c.span)], c.span));
  }),
  unsqueeze: def('x, dim', 'inserts a dim of size 1', (c) => {
    const x = c.tensor('x');
    const d = c.g.normDim(c.int('dim'), x.shape.length + 1, c.span);
    return tensorV(c.g.reshape(x, [...x.shape.slice(0, d), 1, ...x.shape.slice(d)], c.span));
  }),
  squeeze: def('x, dim?', 'removes dims of size 1 (all, or `dim`)', (c) => {
    const x = c.tensor('x');
    const dims = c.dims('dim')?.map((d) => c.g.normDim(d, x.shape.length, c.span));
    const shape = x.shape.filter((s, i) => s !== 1 || (dims !== undefined && !dims.includes(i)));
    return tensorV(c.g.reshape(x, shape, c.span));
  }),
  reshape: def('x, shape', 'same data, new shape (one entry may be -1)', (c) => {
    const x = c.tensor('x');
    const shape = c.dims('shape') ?? [];
    const known = shape.filter((s) => s !== -1).reduce((a, b) => a * b, 1);
    const full = shape.map((s) => (s === -1 ? numel(x.shape) / known : s));
    if (full.some((s) => !Number.isInteger(s) || s < 0)) c.fail('shape', 'LD2011', `[${x.shape.join(', ')}]`, `[${shape.join(', ')}]`);
    return tensorV(c.g.reshape(x, full, c.span));
  }),
  size: def('x, dim?', 'the size of `dim` (a compile-time number); without dim, the number of elements', (c) => {
    const x = c.tensor('x');
    if (!c.has('dim')) return sizeV(numel(x.shape));
    return sizeV(x.shape.length === 0 ? 1 : x.shape[c.g.normDim(c.int('dim'), x.shape.length, c.span)]!);
  }),
  numel: def('x', 'the number of elements (a compile-time number)', (c) => sizeV(numel(c.tensor('x').shape))),
  rank: def('x', 'the number of dims (a compile-time number)', (c) => numV(c.tensor('x').shape.length)),
  reduce: def('x, reduction', 'reduction "mean" | "sum" | "none" | "batchmean" (sum / size(x, 0))', (c) => {
    const x = c.tensor('x');
    const r = c.str('reduction');
    const g = c.g;
    switch (r) {
      case 'none':
        return tensorV(x);
      case 'sum':
        return tensorV(g.reduce('sum', x, undefined, false, c.span));
      case 'mean':
        return tensorV(mean(g, x, undefined, false, c.span));
      case 'batchmean':
        return tensorV(g.map('div', [g.reduce('sum', x, undefined, false, c.span), g.count(x.shape.length ? x.shape[0]! : 1, c.span)], c.span));
      default:
        return c.fail('reduction', 'LD2042', 'reduction', '"mean", "sum", "none" or "batchmean"');
    }
  }),
  // Compile-time checks and index plumbing the standard library needs (stdlib/*.loss).
  require: def('condition, message', 'a compile-time check: when `condition` (options, shapes, sizes) is false, compiling fails with `message` at this call; its value is true', (c) => {
    if (!c.bool('condition')) c.fail(undefined, 'LD2060', c.str('message'));
    return boolV(true);
  }),
  arange: def('end', 'the int tensor [0, 1, …, end - 1] (torch.arange)', (c) => {
    const n = c.int('end');
    if (n < 0) c.fail('end', 'LD2042', 'end', 'a non-negative integer');
    return tensorV(c.g.iota([n], 0, c.span));
  }),
  gather: def('x, dim, index', "torch.gather: out[i][j] = x[i][index[i][j]] along `dim`; `index` is an int tensor of x's rank whose other dims match x's (or x's are 1)", (c) => {
    const g = c.g;
    const x = c.tensor('x');
    const idx = c.tensor('index');
    if (idx.dtype !== 'int') c.fail('index', 'LD2030', 'gather');
    const r = x.shape.length;
    if (idx.shape.length !== r || r === 0) c.fail('index', 'LD2013', `[${idx.shape.join(', ')}]`, `[${x.shape.join(', ')}]`, c.int('dim'));
    const d = g.normDim(c.int('dim'), r, c.span);
    // x with a new axis before `dim`, broadcast to index's shape there and in every other dim:
    // xe[…, j, k, …] = x[…, k, …]; gathering xe along its old `dim` (now d + 1) at index[…, j, …].
    const lifted = g.reshape(x, [...x.shape.slice(0, d), 1, ...x.shape.slice(d)], c.span);
    const xe = g.expand(lifted, [...idx.shape.slice(0, d + 1), x.shape[d]!, ...idx.shape.slice(d + 1)], c.span);
    return tensorV(g.gather(xe, idx, d + 1, c.span));
  }),
  masked_fill: def('x, mask, value', "x with `value` where `mask` is nonzero (torch.Tensor.masked_fill); x's dtype is kept, so an index tensor stays an index: masked_fill(target, target == ignore_index, 0)", (c) => {
    const g = c.g;
    const x = c.tensor('x');
    const v = c.num('value');
    const filled = g.map('where', [c.tensor('mask'), g.const(v, c.span), x], c.span);
    if (x.dtype === 'float') return tensorV(filled);
    if (!Number.isInteger(v)) c.fail('value', 'LD2042', 'value', 'an integer when x is an int tensor');
    // Graph.map types a `where` from all three operands, so the (float) mask would make it float;
    // the selected values are x's entries and an integer, so the result is an int tensor.
    return tensorV(g.make('where', filled.args, {}, filled.shape, 'int', c.span));
  }),
  dtype: def('x', 'the dtype family of x, "float" or "int" (a compile-time string)', (c) => ({ kind: 'str', value: c.tensor('x').dtype })),
  expand_as: def('x, other', "x broadcast to other's shape (NumPy rules; torch.Tensor.expand_as)", (c) => tensorV(c.g.expand(c.tensor('x'), c.tensor('other').shape, c.span))),
};

export function toNode(g: Graph, v: Value, span: Span): Node {
  if (v.kind === 'tensor') return v.node;
  if (v.kind === 'num') return v.size ? g.count(v.value, span) : g.const(v.value, span);
  if (v.kind === 'bool') return g.const(v.value ? 1 : 0, span);
  return g.fail(span, 'LD2008', 'a tensor', v.kind === 'str' ? `the string ${JSON.stringify(v.value)}` : v.kind === 'list' ? 'a list' : `the function ${v.def.name}`);
}

/** Constants every formula can use. */
export const CONSTANTS: Record<string, number> = { pi: Math.PI, inf: Infinity };

// Both tables are looked up with names taken from user text: without a prototype,
// `constructor`, `__proto__` or `toString` are unknown names, never Object.prototype members.
Object.setPrototypeOf(BUILTINS, null);
Object.setPrototypeOf(CONSTANTS, null);
