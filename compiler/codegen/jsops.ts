// How each elementwise op reads as a JS expression inside a generated kernel (codegen/js.ts).
// Dialects: float64 programs call Math.* — the same calls as constant folding (mathlib.ts), so
// results agree bit for bit; float32 programs call the table-driven exp/log/log1p of
// fastmath.ts, whose error is far below float32 resolution.
// Selections the data decides are branch-free: V8 compiles Math.max and `?:` to a compare and
// a jump, and on data of random sign a mispredicted jump costs more than a loss's arithmetic.
// max, min, sign and a `where` on an ordering use 0/1 arithmetic instead; the branchy form
// remains only as the fallback for non-finite operands (where 0 · inf would give NaN), which
// the branch predictor then sees almost never. Stable functions are written out over shared
// helper values, so softplus(x) and its derivative sigmoid(x) compute exp(-|x|) once.

import type { Node } from '../ir.js';
import { opInfo, type OpName } from '../ops.js';
import { MATH_PRELUDE_JS } from '../mathlib.js';
import { FAST_MATH_JS } from './fastmath.js';

export type Dialect = 'float64' | 'float32';

const MATH: Record<Dialect, { exp: string; log: string; log1p: string }> = {
  float64: { exp: 'Math.exp', log: 'Math.log', log1p: 'Math.log1p' },
  float32: { exp: '$fexp', log: '$flog', log1p: '$flog1p' },
};

/**
 * Values several ops of one operand share (computed once per element). `even` ones depend on
 * |x| only, so x and -x share them: logsigmoid(x) and logsigmoid(-x) (binary cross-entropy)
 * pay for one exp and one log1p.
 */
export const HELPERS: Record<HelperName, { even: boolean; expr: (x: string, d: Dialect, h: (name: HelperName, x: string) => string) => string }> = {
  /** exp(-|x|), in (0, 1]: the overflow-free core of softplus, sigmoid, logsigmoid. */
  enabs: { even: true, expr: (x, d) => `${MATH[d].exp}(-Math.abs(${x}))` },
  /** log1p(exp(-|x|)). */
  l1pe: { even: true, expr: (x, d, h) => `${MATH[d].log1p}(${h('enabs', x)})` },
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
}

const isFiniteConst = (n: Node) => n.op === 'const' && Number.isFinite(n.attrs.value!);
const ORDERINGS = new Set<OpName>(['lt', 'le', 'gt', 'ge']);

/** Ops rendered here; every other elementwise op uses its op-table `js`. */
const RENDER: Partial<Record<OpName, (xs: readonly string[], c: RenderCtx) => string>> = {
  exp: ([x], c) => `${MATH[c.dialect].exp}(${x})`,
  log: ([x], c) => `${MATH[c.dialect].log}(${x})`,
  log1p: ([x], c) => `${MATH[c.dialect].log1p}(${x})`,
  max: ([a, b]) => `$max(${a}, ${b})`,
  min: ([a, b]) => `$min(${a}, ${b})`,
  relu: ([x]) => `$max(${x}, 0)`,
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
  where: ([cond, a, b], c) => {
    const [cn, an, bn] = c.args as [Node, Node, Node];
    // Equality tests (ties, one-hot masks, zero guards) are rarely true: a jump predicts well.
    if (!ORDERINGS.has(cn.op)) return `(${cond} !== 0 ? ${a} : ${b})`;
    // An ordering is already 0 or 1; with finite constant branches the blend is exact.
    if (isFiniteConst(an) && isFiniteConst(bn)) return `(${cond} * ${a} + (1 - ${cond}) * ${b})`;
    return `$select(${cond}, ${a}, ${b})`;
  },
};

/** JS expression of elementwise op `op` over operand expressions `xs`. */
export function renderOp(op: OpName, xs: readonly string[], c: RenderCtx): string {
  const r = RENDER[op];
  if (r) return r(xs, c);
  const info = opInfo(op);
  if (!info.js) throw new Error(`internal: ${op} has no JS rendering`);
  return info.js(...xs);
}

// Branch-free selections: both candidates go to a two-slot scratch array and the comparison
// picks the slot, so no jump depends on the data and every value (±inf, NaN) is kept exactly.
// max/min return NaN when either operand is NaN, as Math.max/min do; a tie between -0 and +0
// returns the first operand (Math.max prefers +0, Math.min -0).
const SELECT_SCRATCH = 'const $S = new Float64Array(2);';
const SELECT_JS = `
function $max(a, b) {
  $S[0] = a;
  $S[1] = b;
  return $S[+(b > a) | +(b !== b)];
}
function $min(a, b) {
  $S[0] = a;
  $S[1] = b;
  return $S[+(b < a) | +(b !== b)];
}
function $select(c, a, b) {
  $S[0] = b;
  $S[1] = a;
  return $S[+(c !== 0)];
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
  float32: functions(MATH_PRELUDE_JS.replace(/Math\.(exp|log1p|log)\(/g, (_m, f: 'exp' | 'log' | 'log1p') => `${MATH.float32[f]}(`)),
};

/** The helper functions that `body` calls, as source text to put in front of it. */
export function preludeFor(body: string, dialect: Dialect): string {
  const parts: string[] = [];
  const calls = (text: string, name: string) => text.includes(`${name}(`);
  for (const [name, text] of [...SELECT_FNS, ...STABLE_FNS[dialect]]) if (calls(body, name)) parts.push(text);
  if (['$max', '$min', '$select'].some((name) => calls(body, name))) parts.unshift(SELECT_SCRATCH);
  const all = `${body}\n${parts.join('\n')}`;
  if (dialect === 'float32' && /\$f(exp|log|log1p)\(/.test(all)) parts.unshift(FAST_MATH_JS.trim());
  return parts.join('\n');
}
