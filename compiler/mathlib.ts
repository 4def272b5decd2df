// Scalar implementations of the stable primitives, as one source text.
// The same text is (a) compiled here into the functions that constant folding and the
// reference interpreter call, (b) pasted into every generated JS kernel, and (c) pasted, with
// its type annotations, into exported TypeScript modules, so folding, the JIT and exported
// code can never disagree. Each function is overflow-free over the whole double range.

export const MATH_PRELUDE_TS = `
function $softplus(x: number): number {
  // log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)): no overflow, full accuracy for x << 0.
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}
function $logsigmoid(x: number): number {
  return Math.min(x, 0) - Math.log1p(Math.exp(-Math.abs(x)));
}
function $sigmoid(x: number): number {
  const e = Math.exp(-Math.abs(x));
  return x >= 0 ? 1 / (1 + e) : e / (1 + e);
}
function $logaddexp(a: number, b: number): number {
  const m = Math.max(a, b);
  if (m === -Infinity || m === Infinity) return m;
  return m + Math.log1p(Math.exp(-Math.abs(a - b)));
}
function $log1mexp(x: number): number {
  // log(1 - exp(x)) for x <= 0 (Maechler 2012): expm1 branch near 0, log1p branch far out.
  return x > -0.6931471805599453 ? Math.log(-Math.expm1(x)) : Math.log1p(-Math.exp(x));
}
function $xlogy(x: number, y: number): number {
  // x * log(y) with 0 where x == 0 (scipy.special.xlogy, as kl_div uses); NaN y stays NaN.
  return x === 0 && y === y ? 0 : x * Math.log(y);
}
function $round(x: number): number {
  // Round half to even, as torch.round.
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
function $sign(x: number): number {
  return x > 0 ? 1 : x < 0 ? -1 : x;
}
`;

/** The prelude as plain JavaScript (type annotations stripped). */
export const MATH_PRELUDE_JS = MATH_PRELUDE_TS.replace(/: number/g, '');

type Scalar = (...xs: number[]) => number;

const compiled = new Function(
  `${MATH_PRELUDE_JS}\nreturn { $softplus, $logsigmoid, $sigmoid, $logaddexp, $log1mexp, $xlogy, $sign, $round };`,
)() as Record<string, Scalar>;

export const softplus = compiled.$softplus!;
export const logsigmoid = compiled.$logsigmoid!;
export const sigmoid = compiled.$sigmoid!;
export const logaddexp = compiled.$logaddexp!;
export const log1mexp = compiled.$log1mexp!;
export const xlogy = compiled.$xlogy!;
export const sign = compiled.$sign!;
export const round = compiled.$round!;
