// Axis ticks for the plots (terminal and SVG): "nice" steps of 1, 2 or 5 times a power of
// ten (Heckbert, Graphics Gems 1990, with the step taken from the data's range rather than a
// rounded range, so the frame stays tight), a domain widened to whole steps, and tick labels
// printed with just the digits the step needs (0.25 steps print 0.25, not 0.250000001).

export interface Axis {
  /** The domain, widened to whole ticks so the curve never touches the frame unlabelled. */
  lo: number;
  hi: number;
  ticks: number[];
  /** Decimal places the labels need. */
  decimals: number;
}

/**
 * Ticks for [lo, hi], about `count` of them. With `widen` the domain grows to whole ticks (a
 * value axis); without, it stays [lo, hi] and only ticks inside it are kept (the sampled t
 * axis). A zero-width range is widened around its value.
 */
export function niceAxis(lo: number, hi: number, count = 5, widen = true): Axis {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
    lo = -1;
    hi = 1;
  }
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi - lo < 1e-12 * Math.max(1, Math.abs(lo), Math.abs(hi))) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const step = niceNumber((hi - lo) / Math.max(1, count - 1));
  const first = Math.floor(lo / step + 1e-9);
  const last = Math.ceil(hi / step - 1e-9);
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const ticks: number[] = [];
  // Rounded to the step's digits: 3 * 0.2 is 0.6, not 0.6000000000000001.
  for (let k = first; k <= last; k++) ticks.push(cleanZero(Number((k * step).toFixed(Math.min(decimals, 100)))));
  if (!widen) return { lo, hi, ticks: ticks.filter((v) => v >= lo - 1e-9 * step && v <= hi + 1e-9 * step), decimals };
  return { lo: ticks[0]!, hi: ticks[ticks.length - 1]!, ticks, decimals };
}

/** 1, 2, 5 or 10 times a power of ten, nearest x. */
function niceNumber(x: number): number {
  const exp = Math.floor(Math.log10(x));
  const f = x / 10 ** exp;
  return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * 10 ** exp;
}

const cleanZero = (v: number): number => (Math.abs(v) < 1e-12 ? 0 : v);

/** A tick label: fixed with the axis' decimals, or exponent form for very large/small steps. */
export function tickLabel(v: number, axis: Axis): string {
  const big = Math.max(Math.abs(axis.lo), Math.abs(axis.hi));
  if (big >= 1e6 || axis.decimals > 5) return v === 0 ? '0' : v.toExponential(1).replace('e+', 'e');
  return v.toFixed(axis.decimals).replace(/^-(0\.?0*)$/, '$1');
}
