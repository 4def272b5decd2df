// Table-driven exp, log and log1p for kernels whose results are float32.
// Math.exp/Math.log are calls into V8's fdlibm port (about 20 ns each); these are a few
// multiply-adds and two table loads that V8 inlines into the loop. Their error is far below
// float32 resolution, so a float32 result is the same as with Math.* (within one rounding of
// the final float32 store); float64 programs never use them (codegen/js.ts decides).
// Error, measured against correctly rounded values (test/compiler/fastmath.test.ts):
//   $fexp   relative ≤ 1e-15 wherever the result is a normal double (|x| ≤ 708);
//           below that, absolute ≤ 1e-322 (subnormal results); overflow, ±inf, NaN as Math.exp.
//   $flog   relative ≤ 1e-15 for normal positive x; 0, negatives, subnormals, inf, NaN go to Math.log.
//   $flog1p relative ≤ 1e-15 for x > -1 with 1 + x normal and finite; the rest goes to Math.log1p.
// The text below is pasted into generated kernels (self-contained: exported modules carry it too).

export const FAST_MATH_JS = `
// exp(x) = 2^(k/64) · exp(r), |r| ≤ ln2/128: k = round(x · 64/ln2) by the 1.5·2^52 trick,
// r by Cody-Waite reduction (ln2/64 split so that k·LN2_64HI is exact), exp(r) by its Taylor
// polynomial to degree 5 (truncation error r^6/720 < 4e-17), 2^(k/64) from two tables.
const $EXP_LO = new Float64Array(64);
for (let j = 0; j < 64; j++) $EXP_LO[j] = Math.pow(2, j / 64);
// $EXP_HI[m + 1100] = 2^(m - 1): the extra halving, undone by the final ·2, keeps results just
// below the overflow threshold finite (k/64 rounds up to 1024 there).
const $EXP_HI = new Float64Array(2200);
$EXP_HI[1101] = 1;
for (let m = 1102; m < 2200; m++) $EXP_HI[m] = $EXP_HI[m - 1] * 2;
for (let m = 1100; m >= 0; m--) $EXP_HI[m] = $EXP_HI[m + 1] * 0.5;
function $fexp(x) {
  x = Math.min(Math.max(x, -746), 710);
  const kd = (x * 92.33248261689366 + 6755399441055744) - 6755399441055744;
  const r = (x - kd * 0.01083042469326756) - kd * 2.9815858269852933e-12;
  const k = kd | 0;
  const p = 1 + r * (1 + r * (0.5 + r * (0.16666666666666666 + r * (0.041666666666666664 + r * 0.008333333333333333))));
  return $EXP_HI[(k >> 6) + 1100] * ($EXP_LO[k & 63] * p) * 2;
}
// log(x) = e·ln2 + log(c) + log1p((m - c)/c) with x = 2^e·m. The exponent and the top 7
// mantissa bits come from the bit pattern (one 8-byte store, one 4-byte load); m is x scaled by
// an exact power of two. Mantissas from 1.5 up are halved (e + 1), and the table's centre c is
// an interval end that is exactly 1 next to 1, so log(x) near 1 suffers no cancellation.
const $LOG_F = new Float64Array(1);
const $LOG_U = new Uint32Array($LOG_F.buffer);
const $LOG_C = new Float64Array(128);
const $LOG_INVC = new Float64Array(128);
const $LOG_LOGC = new Float64Array(128);
const $LOG_ESH = new Float64Array(128);
const $LOG_MS = new Float64Array(128);
for (let j = 0; j < 128; j++) {
  const up = j >= 64;
  const c = up ? (1 + (j + 1) / 128) / 2 : 1 + j / 128;
  $LOG_C[j] = c;
  $LOG_INVC[j] = 1 / c;
  $LOG_LOGC[j] = Math.log(c);
  $LOG_ESH[j] = up ? 1 : 0;
  $LOG_MS[j] = up ? 0.5 : 1;
}
// $LOG_P2[b] = 2^(1023 - b) for a biased exponent b: maps x into [1, 2) exactly.
const $LOG_P2 = new Float64Array(2048);
$LOG_P2[1023] = 1;
for (let b = 1024; b < 2047; b++) $LOG_P2[b] = $LOG_P2[b - 1] * 0.5;
for (let b = 1022; b >= 1; b--) $LOG_P2[b] = $LOG_P2[b + 1] * 2;
// log(u + c) for normal finite u > 0 and a correction |c| ≤ ulp(u) (0 for log itself).
function $flogc(u, c) {
  $LOG_F[0] = u;
  const hi = $LOG_U[1];
  const j = (hi >>> 13) & 127;
  const b = hi >>> 20;
  const s = $LOG_P2[b] * $LOG_MS[j];
  const r = ((u * s - $LOG_C[j]) + c * s) * $LOG_INVC[j];
  const e = (b - 1023) + $LOG_ESH[j];
  const q = r * r * (0.5 - r * (0.3333333333333333 - r * (0.25 - r * (0.2 - r * (0.16666666666666666 - r * 0.14285714285714285)))));
  return e * 0.6931471803691238 + ($LOG_LOGC[j] + ((r - q) + e * 1.9082149292705877e-10));
}
function $flog(x) {
  return x >= 2.2250738585072014e-308 && x < Infinity ? $flogc(x, 0) : Math.log(x);
}
// log1p(x) = log(u + c) with u = 1 + x rounded and c = x - (u - 1) its rounding error.
function $flog1p(x) {
  const u = 1 + x;
  return u >= 2.2250738585072014e-308 && u < Infinity ? $flogc(u, x - (u - 1)) : Math.log1p(x);
}
`;

type Unary = (x: number) => number;

const compiled = new Function(`${FAST_MATH_JS}\nreturn { $fexp, $flog, $flog1p };`)() as Record<string, Unary>;

/** The fast functions, for tests and for measuring them. */
export const fexp = compiled.$fexp!;
export const flog = compiled.$flog!;
export const flog1p = compiled.$flog1p!;
