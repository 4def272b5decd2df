// How each elementwise op reads as a JS expression inside a generated kernel (codegen/js.ts).
// Dialects: float64 programs call Math.* — the same calls as constant folding (mathlib.ts), so
// results agree bit for bit; float32 programs get the table-driven exp/log/log1p of
// fastmath.ts written out inline, whose error is far below float32 resolution.
// Selections the data decides are branch-free: V8 compiles Math.max and `?:` to a compare and
// a jump, and on data of random sign a mispredicted jump costs more than a loss's arithmetic.
// max, min, sign and a `where` on an ordering use 0/1 arithmetic instead; the branchy form
// remains only as the fallback for non-finite operands (where 0 · inf would give NaN), which
// the branch predictor then sees almost never. Stable functions are written out over shared
// helper values, so softplus(x) and its derivative sigmoid(x) compute exp(-|x|) once.

import type { Node } from '../ir.js';
import { opInfo, type OpName } from '../ops.js';
import { MATH_PRELUDE_JS } from '../mathlib.js';
import { FAST_FUNCTIONS_JS, FAST_TABLES_JS, inlineExp, inlineLog, inlineLog1p, type Let } from './fastmath.js';

export type Dialect = 'float64' | 'float32';

/** exp, log and log1p of x in a dialect: Math.* calls, or the float32 tables written out inline. */
export function mathCall(f: 'exp' | 'log' | 'log1p', x: string, d: Dialect, t: Let): string {
  if (d === 'float64') return `Math.${f}(${x})`;
  return f === 'exp' ? inlineExp(x, t) : f === 'log' ? inlineLog(x, t) : inlineLog1p(x, t);
}

/**
 * Values several ops of one operand share (computed once per element). `even` ones depend on
 * |x| only, so x and -x share them: logsigmoid(x) and logsigmoid(-x) (binary cross-entropy)
 * pay for one exp and one log1p.
 */
export const HELPERS: Record<HelperName, { even: boolean; expr: (x: string, d: Dialect, h: (name: HelperName, x: string) => string, t: Let) => string }> = {
  /** exp(-|x|), in (0, 1]: the overflow-free core of softplus, sigmoid, logsigmoid. */
  enabs: { even: true, expr: (x, d, _h, t) => mathCall('exp', `-Math.abs(${x})`, d, t) },
  /** log1p(exp(-|x|)). */
  l1pe: { even: true, expr: (x, d, h, t) => mathCall('log1p', h('enabs', x), d, t) },
  /** 1 + exp(-|x|). */
  ope: { even: true, expr: (x, _d, h) => `1 + ${h('enabs', x)}` },
  /** 1 where x >= 0, else 0. */
  pos: { even: false, expr: (x) => `+(${x} >= 0)` },
};
export type HelperName = 'enabs' | 'l1pe' | 'ope' | 'pos';

export interface RenderCtx {
  dialect: Dialect;
  /** The operand nodes, for choices that depend on them. */
  args: readonly Node[];
  /** The name of a shared helper value of operand expression x. */
  helper(name: HelperName, x: string): string;
  /** Emits a temporary (for code written out in statements). */
  let: Let;
}

const isFiniteConst = (n: Node) => n.op === 'const' && Number.isFinite(n.attrs.value!);
const ORDERINGS = new Set<OpName>(['lt', 'le', 'gt', 'ge']);

/** Ops rendered here; every other elementwise op uses its op-table `js`. */
const RENDER: Partial<Record<OpName, (xs: readonly string[], c: RenderCtx) => string>> = {
  exp: ([x], c) => mathCall('exp', x!, c.dialect, c.let),
  log: ([x], c) => mathCall('log', x!, c.dialect, c.let),
  log1p: ([x], c) => mathCall('log1p', x!, c.dialect, c.let),
  max: ([a, b], c) => extremum('max', a!, b!, c),
  min: ([a, b], c) => extremum('min', a!, b!, c),
  relu: ([x], c) => againstConst('max', x!, '0', c),
  sign: ([x]) => `$sgn(${x})`,
  // max(x, 0) + log1p(exp(-|x|)), as mathlib's $softplus.
  softplus: ([x], c) => `($max(${x}, 0) + ${c.helper('l1pe', x)})`,
  logsigmoid: ([x], c) => `($min(${x}, 0) - ${c.helper('l1pe', x)})`,
  // x >= 0 ? 1/(1+e) : e/(1+e) with e = exp(-|x|), as mathlib's $sigmoid (the same roundings),
  // the numerator selected arithmetically (exact: e is finite).
  sigmoid: ([x], c) => {
    const e = c.helper('enabs', x);
    const p = c.helper('pos', x);
    return `((${p} + (1 - ${p}) * ${e}) / ${c.helper('ope', x)})`;
  },
  // x * log(y), 0 where x == 0 (NaN y stays NaN), as mathlib's $xlogy; the log written out inline.
  xlogy: ([x, y], c) => `(${x} === 0 && ${y} === ${y} ? 0 : ${x} * ${mathCall('log', y!, c.dialect, c.let)})`,
  where: ([cond, a, b], c) => {
    const [cn, an, bn] = c.args as [Node, Node, Node];
    // Equality tests (ties, one-hot masks, zero guards) are rarely true: a jump predicts well.
    if (!ORDERINGS.has(cn.op)) return `(${cond} !== 0 ? ${a} : ${b})`;
    // An ordering is already 0 or 1; with finite constant branches the blend is exact.
    if (isFiniteConst(an) && isFiniteConst(bn)) return `(${cond} * ${a} + (1 - ${cond}) * ${b})`;
    return `$select(${cond}, ${a}, ${b})`;
  },
};

/** max/min of two operands; against a finite constant, the cheaper blend below. */
function extremum(f: 'max' | 'min', a: string, b: string, c: RenderCtx): string {
  const [an, bn] = c.args as [Node, Node];
  if (isFiniteConst(bn)) return againstConst(f, a, b, c);
  if (isFiniteConst(an)) return againstConst(f, b, a, c);
  return `$${f}(${a}, ${b})`;
}

/**
 * max(x, k) / min(x, k) for a finite constant k: p·x + (1 - p)·k with p = (x >= k) (x <= k
 * for min) — the comparison the derivative's mask makes too, so the two share it. Exact where
 * x is finite; NaN exactly where x is NaN or an infinity not selected, and then the exact form.
 */
function againstConst(f: 'max' | 'min', x: string, k: string, c: RenderCtx): string {
  const p = c.let(`+(${x} ${f === 'max' ? '>=' : '<='} ${k})`);
  const v = c.let(k === '0' ? `${p} * ${x} + 0` : `${p} * ${x} + (1 - ${p}) * ${k}`);
  return `(${v} === ${v} ? ${v} : $${f}Exact(${x}, ${k}))`;
}

/** JS expression of elementwise op `op` over operand expressions `xs`. */
export function renderOp(op: OpName, xs: readonly string[], c: RenderCtx): string {
  const r = RENDER[op];
  if (r) return r(xs, c);
  const info = opInfo(op);
  if (!info.js) throw new Error(`internal: ${op} has no JS rendering`);
  return info.js(...xs);
}

// Branch-free selections. With p ∈ {0, 1}, p·b + (1 - p)·a is exactly the selected operand
// whenever both are finite (the other product is ±0). A NaN result means a NaN or infinite
// operand (0 · inf); then, and only then, the exact branchy form decides — in a function of
// its own, so its compare-and-jump code stays out of the loop. max/min propagate NaN and treat
// ±0 as Math.max/min do, except that min(-0, +0) gives +0.
const SELECT_JS = `
function $max(a, b) {
  const p = +(b > a);
  const v = p * b + (1 - p) * a;
  return v === v ? v : $maxExact(a, b);
}
function $maxExact(a, b) {
  return Math.max(a, b);
}
function $min(a, b) {
  const p = +(b < a);
  const v = p * b + (1 - p) * a;
  return v === v ? v : $minExact(a, b);
}
function $minExact(a, b) {
  return Math.min(a, b);
}
function $select(c, a, b) {
  const p = +(c !== 0);
  const v = p * a + (1 - p) * b;
  return v === v ? v : $selectExact(c, a, b);
}
function $selectExact(c, a, b) {
  return c !== 0 ? a : b;
}
// sign: NaN stays NaN (a jump that is never taken on real data); ±0 give +0.
function $sgn(x) {
  return x === x ? +(x > 0) - +(x < 0) : x;
}
`;

/** Splits prelude text into its top-level functions, by name. */
function functions(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const chunk of text.split(/^(?=function )/m)) {
    const m = /^function (\$\w+)\(/.exec(chunk);
    if (m) out.set(m[1]!, chunk.trim());
  }
  return out;
}

const SELECT_FNS = functions(SELECT_JS);
const STABLE_FNS: Record<Dialect, Map<string, string>> = {
  float64: functions(MATH_PRELUDE_JS),
  // mathlib's stable primitives with their exp/log/log1p calls in the float32 dialect.
  float32: functions(MATH_PRELUDE_JS.replace(/Math\.(exp|log1p|log)\(/g, (_m, f: string) => `$f${f}(`)),
};

/** The helper functions that `body` calls, as source text to put in front of it. */
export function preludeFor(body: string, dialect: Dialect): string {
  const parts: string[] = [];
  const calls = (text: string, name: string) => text.includes(`${name}(`);
  for (const [name, text] of [...SELECT_FNS, ...STABLE_FNS[dialect]]) {
    // A selection's exact fallback comes with it.
    if (calls(body, name) || (name.endsWith('Exact') && calls(body, name.slice(0, -5)))) parts.push(text);
  }
  if (dialect === 'float32') {
    // The fast functions for prelude helpers that call them; the tables for those and for
    // the inline code in the body.
    if (/\$f(exp|log|log1p)\(/.test(parts.join('\n'))) parts.unshift(FAST_FUNCTIONS_JS);
    if (/\$(EXP|LOG)_/.test(`${body}\n${parts.join('\n')}`)) parts.unshift(FAST_TABLES_JS.trim());
  }
  return parts.join('\n');
}
