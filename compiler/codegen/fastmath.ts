// Table-driven exp, log and log1p for kernels whose results are float32.
// Math.exp/Math.log are calls into V8's fdlibm port; these are a few multiply-adds and table
// loads. The code generator writes them out inline, statement by statement, into the loop that
// uses them (V8 stops inlining calls once a loop body is large, and a call costs more than the
// arithmetic); the same statements, wrapped as functions, are what the tests measure.
// Error, measured against correctly rounded values (test/compiler/fastmath.test.ts):
//   exp    relative ≤ 1e-15 wherever the result is a normal double (|x| ≤ 708);
//          below that, absolute ≤ 1e-322 (subnormal results); overflow, ±inf, NaN as Math.exp.
//   log    relative ≤ 1e-15 for normal positive x; 0, negatives, subnormals, inf, NaN: Math.log.
//   log1p  relative ≤ 1e-15 for x > -1 with 1 + x normal and finite; the rest: Math.log1p.
// That is far below float32 resolution, so a float32 result is the one Math.* would give (to
// one rounding of the final store); float64 programs never use them (codegen/js.ts decides).

/** Emits `const <name> = expr;` where the caller wants it and returns the name. */
export type Let = (expr: string) => string;

/** The tables, as source text put once in front of a kernel that uses these functions. */
export const FAST_TABLES_JS = `
const $EXP_LO = new Float64Array(64);
for (let j = 0; j < 64; j++) $EXP_LO[j] = Math.pow(2, j / 64);
const $EXP_HI = new Float64Array(2200);
$EXP_HI[1101] = 1;
for (let m = 1102; m < 2200; m++) $EXP_HI[m] = $EXP_HI[m - 1] * 2;
for (let m = 1100; m >= 0; m--) $EXP_HI[m] = $EXP_HI[m + 1] * 0.5;
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
const $LOG_P2 = new Float64Array(4096).fill(NaN);
$LOG_P2[1023] = 1;
for (let b = 1024; b < 2047; b++) $LOG_P2[b] = $LOG_P2[b - 1] * 0.5;
for (let b = 1022; b >= 1; b--) $LOG_P2[b] = $LOG_P2[b + 1] * 2;
`;
// $EXP_HI[m + 1100] = 2^(m - 1): the extra halving, undone by the final ·2, keeps results just
// below the overflow threshold finite (k/64 rounds up to 1024 there).
// $LOG_*[j] describe the 128 intervals of the top 7 mantissa bits: mantissas from 1.5 up are
// halved (exponent + 1), and the centre c is an interval end that is exactly 1 next to 1, so
// log(x) near 1 suffers no cancellation. $LOG_P2[b] = 2^(1023 - b) maps x with biased exponent
// b into [1, 2) exactly (NaN for a set sign bit: those inputs take the Math.* path anyway).

/**
 * exp(x) = 2^(k/64) · exp(r), |r| ≤ ln2/128: k = round(x · 64/ln2) by the 1.5·2^52 trick, r by
 * Cody-Waite reduction (ln2/64 split so that k·hi is exact), exp(r) by its Taylor polynomial to
 * degree 5 (truncation below 4e-17), 2^(k/64) from two tables.
 */
export function inlineExp(x: string, t: Let): string {
  const xc = t(`Math.min(Math.max(${x}, -746), 710)`);
  const kd = t(`${xc} * 92.33248261689366 + 6755399441055744 - 6755399441055744`);
  const r = t(`${xc} - ${kd} * 0.01083042469326756 - ${kd} * 2.9815858269852933e-12`);
  const k = t(`${kd} | 0`);
  // Estrin's scheme (1 + r) + r²((1/2 + r/6) + r²(1/24 + r/120)): a short dependency chain,
  // so the loop's iterations overlap.
  const r2 = t(`${r} * ${r}`);
  const p = `1 + ${r} + ${r2} * (0.5 + ${r} * 0.16666666666666666 + ${r2} * (0.041666666666666664 + ${r} * 0.008333333333333333))`;
  return `$EXP_HI[(${k} >> 6) + 1100] * ($EXP_LO[${k} & 63] * (${p})) * 2`;
}

/**
 * log(u + c) for normal finite u > 0 and a correction c (the rounding error of u, or none):
 * log(x) = e·ln2 + log(c_j) + log1p((m - c_j)/c_j) with x = 2^e·m, the exponent and the table
 * index j from the bit pattern (one 8-byte store, one 4-byte load).
 */
function logCore(u: string, c: string | undefined, t: Let): string {
  const hi = t(`($LOG_F[0] = ${u}, $LOG_U[1])`);
  const j = t(`(${hi} >>> 13) & 127`);
  const b = t(`${hi} >>> 20`);
  const s = t(`$LOG_P2[${b}] * $LOG_MS[${j}]`);
  const d = c === undefined ? `${u} * ${s} - $LOG_C[${j}]` : `${u} * ${s} - $LOG_C[${j}] + ${c} * ${s}`;
  const r = t(`(${d}) * $LOG_INVC[${j}]`);
  const e = t(`${b} - 1023 + $LOG_ESH[${j}]`);
  // log1p(r) = r - r²(1/2 - r/3 + r²/4 - r³/5 + r⁴/6 - r⁵/7), the bracket by Estrin's scheme.
  const r2 = t(`${r} * ${r}`);
  const q = `${r2} * (0.5 - ${r} * 0.3333333333333333 + ${r2} * (0.25 - ${r} * 0.2 + ${r2} * (0.16666666666666666 - ${r} * 0.14285714285714285)))`;
  return `${e} * 0.6931471803691238 + ($LOG_LOGC[${j}] + (${r} - ${q} + ${e} * 1.9082149292705877e-10))`;
}

/** x itself when it is a name or a number (cheap to repeat), else a temporary holding it. */
const named = (x: string, t: Let) => (/^[\w$.]+$/.test(x) ? x : t(x));

const NORMAL_MIN = '2.2250738585072014e-308';

/** log(x); outside the normal positive range (0, negatives, subnormals, inf, NaN) Math.log decides. */
export function inlineLog(x: string, t: Let): string {
  x = named(x, t);
  return `(${x} >= ${NORMAL_MIN} && ${x} < Infinity ? ${logCore(x, undefined, t)} : Math.log(${x}))`;
}

/** log1p(x) = log(u + c) with u = 1 + x rounded and c = x - (u - 1) its rounding error. */
export function inlineLog1p(x: string, t: Let): string {
  x = named(x, t);
  const u = t(`1 + ${x}`);
  const c = t(`${x} - (${u} - 1)`);
  return `(${u} >= ${NORMAL_MIN} && ${u} < Infinity ? ${logCore(u, c, t)} : Math.log1p(${x}))`;
}

/** The inline code of f as a function `name(x)`. */
function asFunction(name: string, f: (x: string, t: Let) => string): string {
  const lines: string[] = [];
  let n = 0;
  const expr = f('x', (e) => {
    const v = `v${n++}`;
    lines.push(`  const ${v} = ${e};`);
    return v;
  });
  return `function ${name}(x) {\n${lines.join('\n')}\n  return ${expr};\n}`;
}

/** $fexp, $flog, $flog1p as functions (for prelude helpers that call them, and for tests). */
export const FAST_FUNCTIONS_JS = [asFunction('$fexp', inlineExp), asFunction('$flog', inlineLog), asFunction('$flog1p', inlineLog1p)].join('\n');

type Unary = (x: number) => number;

const compiled = new Function(`${FAST_TABLES_JS}\n${FAST_FUNCTIONS_JS}\nreturn { $fexp, $flog, $flog1p };`)() as Record<string, Unary>;

/** The fast functions, exactly the statements the code generator inlines. */
export const fexp = compiled.$fexp!;
export const flog = compiled.$flog!;
export const flog1p = compiled.$flog1p!;
