// The gpu.js kernel language's math: how each elementwise op of the op table (ops.ts) reads
// inside a gpu.js kernel, and the scalar helpers those expressions call.
//
// One kernel text serves every gpu.js backend (cpu, webasm, headlessgl/WebGL), so everything
// here keeps to the subset all of them translate the same way: initialized `const`/`let`,
// ternaries, two-argument Math.max/min, helpers over scalars only, no `continue`, no inf/NaN
// literals the GLSL compiler could fold differently from run time. The helpers restate the
// stable primitives of mathlib.ts in that subset, and replace the GLSL built-ins that are not
// accurate enough: GLSL's log1p is log(1 + x) and its expm1 is exp(x) - 1 (relative error 0.2
// at x = 1e-7), the ES 1.0 tanh polyfill overflows and cancels, pow is undefined for negative
// bases, and asin/acos on Mesa are off by 2e-4. The helper text is plain JavaScript too, so the
// same functions run on the host (host-side epilogues, index checks) and in unit tests.

import type { OpName } from '../ops.js';

export interface KernelHelper {
  name: string;
  params: string[];
  /** Starts with `function` (a gpu.js requirement). */
  source: string;
  /** Helpers this one calls (listed before it in KERNEL_HELPERS). */
  uses: string[];
}

const helper = (params: string[], body: string, uses: string[] = []) => ({ params, body, uses });

// Coefficients are written out: the GLSL compiler folds `1 / 3` anyway, the cpu backend would not.
const HELPERS: Record<string, { params: string[]; body: string; uses: string[] }> = {
  // An integer (thread index, loop counter) as a float: GLSL has no implicit int-to-float
  // conversion in `?:` and friends, and gpu.js converts arguments to a helper's declared type.
  lcFloat: helper(['x'], `
  return x;`),
  lcLog1p: helper(
    ['x'],
    `
  // log(1 + x) = 2 atanh(s), s = x / (2 + x): |s| <= 1/3 for |x| < 0.5, series to s^19.
  if (Math.abs(x) < 0.5) {
    const s = x / (2 + x);
    const z = s * s;
    return 2 * s * (1 + z * (0.3333333333333333 + z * (0.2 + z * (0.14285714285714285 + z * (0.1111111111111111 + z * (0.09090909090909091 + z * (0.07692307692307693 + z * (0.06666666666666667 + z * (0.058823529411764705 + z * 0.05263157894736842)))))))));
  }
  return Math.log(1 + x);`,
  ),
  lcExpm1: helper(
    ['x'],
    `
  // exp(x) - 1 by its Taylor series to x^10 / 10! where the subtraction would cancel.
  if (Math.abs(x) < 0.5) {
    return x * (1 + x * (0.5 + x * (0.16666666666666666 + x * (0.041666666666666664 + x * (0.008333333333333333 + x * (0.001388888888888889 + x * (0.0001984126984126984 + x * (0.0000248015873015873 + x * (0.0000027557319223985893 + x * 2.755731922398589e-7)))))))));
  }
  return Math.exp(x) - 1;`,
  ),
  lcSoftplus: helper(['x'], `
  return Math.max(x, 0) + lcLog1p(Math.exp(-Math.abs(x)));`, ['lcLog1p']),
  lcLogsigmoid: helper(['x'], `
  return Math.min(x, 0) - lcLog1p(Math.exp(-Math.abs(x)));`, ['lcLog1p']),
  lcSigmoid: helper(['x'], `
  const e = Math.exp(-Math.abs(x));
  return x >= 0 ? 1 / (1 + e) : e / (1 + e);`),
  lcLogaddexp: helper(
    ['a', 'b'],
    `
  const m = Math.max(a, b);
  // An infinite (or NaN) maximum is the result; the test avoids m - m, which GLSL may fold to 0.
  if (!(Math.abs(m) < Infinity)) {
    return m;
  }
  return m + lcLog1p(Math.exp(-Math.abs(a - b)));`,
    ['lcLog1p'],
  ),
  lcLog1mexp: helper(
    ['x'],
    `
  // log(1 - exp(x)) for x <= 0 (Maechler 2012): expm1 near 0, log1p far out.
  return x > -0.6931471805599453 ? Math.log(-lcExpm1(x)) : lcLog1p(-Math.exp(x));`,
    ['lcExpm1', 'lcLog1p'],
  ),
  lcXlogy: helper(['x', 'y'], `
  // x * log(y), 0 where x == 0 (unless y is NaN).
  return x === 0 && y === y ? 0 : x * Math.log(y);`),
  lcTanh: helper(
    ['x'],
    `
  // tanh(|x|) = -e / (2 + e), e = expm1(-2|x|) in (-1, 0]: no overflow, no cancellation.
  const e = lcExpm1(-2 * Math.abs(x));
  const t = -e / (2 + e);
  return x < 0 ? -t : t;`,
    ['lcExpm1'],
  ),
  lcPow: helper(
    ['x', 'y'],
    `
  // Math.pow's cases: GLSL's pow is undefined for a negative base and for pow(0, y <= 0).
  if (y === 0) {
    return 1;
  }
  const a = Math.abs(x);
  if (a === 0) {
    return y > 0 ? 0 : Infinity;
  }
  const m = Math.pow(a, y);
  if (x > 0) {
    return m;
  }
  if (Math.floor(y) !== y) {
    // A negative base with a fractional exponent: NaN, made at run time (x < 0 here).
    return Math.sqrt(x);
  }
  const h = y * 0.5;
  return Math.floor(h) === h ? m : -m;`,
  ),
  lcRound: helper(
    ['x'],
    `
  // Round half to even, as torch.round.
  if (Math.floor(x) === x) {
    return x;
  }
  const r = Math.floor(x + 0.5);
  if (r - x === 0.5) {
    const h = r * 0.5;
    if (Math.floor(h) !== h) {
      return r - 1;
    }
  }
  return r;`,
  ),
  lcSign: helper(['x'], `
  return x > 0 ? 1 : x < 0 ? -1 : x;`),
  lcAsin: helper(['x'], `
  return Math.atan2(x, Math.sqrt((1 - x) * (1 + x)));`),
  lcAcos: helper(['x'], `
  return 2 * Math.atan2(Math.sqrt(1 - x), Math.sqrt(1 + x));`),
};

/** Every helper, dependencies before their users. */
export const KERNEL_HELPERS: KernelHelper[] = (() => {
  const out: KernelHelper[] = [];
  const add = (name: string) => {
    if (out.some((h) => h.name === name)) return;
    const h = HELPERS[name]!;
    h.uses.forEach(add);
    out.push({ name, params: h.params, uses: h.uses, source: `function ${name}(${h.params.join(', ')}) {${h.body}\n}` });
  };
  Object.keys(HELPERS).forEach(add);
  return out;
})();

/** All helper sources as one JavaScript text (host execution defines them in scope). */
export const KERNEL_HELPERS_JS = KERNEL_HELPERS.map((h) => h.source).join('\n');

type NotElementwise =
  | 'const'
  | 'input'
  | 'iota'
  | 'size'
  | 'sum'
  | 'prod'
  | 'amax'
  | 'amin'
  | 'logsumexp'
  | 'norm'
  | 'reshape'
  | 'expand'
  | 'permute'
  | 'gather'
  | 'take'
  | 'index_add'
  | 'matmul';
export type ElementwiseOp = Exclude<OpName, NotElementwise>;

const call = (f: string) => (...xs: string[]) => `${f}(${xs.join(', ')})`;
const bool = (cond: string) => `(${cond} ? 1 : 0)`;

/**
 * The kernel-language expression of each elementwise op, given its operands' expressions
 * (already names or literals). Comparisons give 0/1 numbers, as in the IR.
 */
export const KERNEL_OPS: Record<ElementwiseOp, (...xs: string[]) => string> = {
  neg: (a) => `(-${a})`,
  not: (a) => bool(`${a} === 0`),
  cast: (a) => a,
  detach: (a) => a,
  exp: call('Math.exp'),
  log: call('Math.log'),
  log1p: call('lcLog1p'),
  expm1: call('lcExpm1'),
  sqrt: call('Math.sqrt'),
  abs: call('Math.abs'),
  sign: call('lcSign'),
  sigmoid: call('lcSigmoid'),
  logsigmoid: call('lcLogsigmoid'),
  softplus: call('lcSoftplus'),
  log1mexp: call('lcLog1mexp'),
  tanh: call('lcTanh'),
  relu: (a) => `Math.max(${a}, 0)`,
  sin: call('Math.sin'),
  cos: call('Math.cos'),
  tan: call('Math.tan'),
  asin: call('lcAsin'),
  acos: call('lcAcos'),
  atan: call('Math.atan'),
  floor: call('Math.floor'),
  ceil: call('Math.ceil'),
  round: call('lcRound'),
  add: (a, b) => `(${a} + ${b})`,
  sub: (a, b) => `(${a} - ${b})`,
  mul: (a, b) => `(${a} * ${b})`,
  div: (a, b) => `(${a} / ${b})`,
  pow: call('lcPow'),
  max: call('Math.max'),
  min: call('Math.min'),
  lt: (a, b) => bool(`${a} < ${b}`),
  le: (a, b) => bool(`${a} <= ${b}`),
  gt: (a, b) => bool(`${a} > ${b}`),
  ge: (a, b) => bool(`${a} >= ${b}`),
  eq: (a, b) => bool(`${a} === ${b}`),
  ne: (a, b) => bool(`${a} !== ${b}`),
  and: (a, b) => bool(`${a} !== 0 && ${b} !== 0`),
  or: (a, b) => bool(`${a} !== 0 || ${b} !== 0`),
  logaddexp: call('lcLogaddexp'),
  xlogy: call('lcXlogy'),
  where: (c, a, b) => `(${c} !== 0 ? ${a} : ${b})`,
};

/**
 * A number as a kernel-language literal. GLSL has no inf/NaN literals: gpu.js writes
 * `Infinity` as the largest float (enough for the max/min identities and clamps that use
 * it), and NaN is made at run time from a quotient the kernel cannot fold.
 */
export function kernelNum(v: number): string {
  if (Number.isNaN(v)) return '(0 / 0)';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '(-Infinity)';
  if (Object.is(v, -0)) return '0';
  const s = String(v);
  return v < 0 ? `(${s})` : s;
}
