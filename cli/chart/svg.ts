// A line chart as a standalone SVG document: frame, grid, ticks with labels, zero lines, one
// path per curve (broken where the function is not finite), a legend and a title. Written
// directly rather than through a charting library: every JS charting library that renders
// SVG either needs a DOM (d3 + jsdom) or brings a large runtime (vega) — far more than one
// line chart needs, and a dependency users of a compiler would pay for.
// Coordinates are rounded to 0.01 px; text is XML-escaped.

import type { Curve } from './sample.js';
import { niceAxis, tickLabel, type Axis } from './ticks.js';

export interface SvgOptions {
  title: string;
  width?: number;
  height?: number;
  xLabel?: string;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd'];
const DASHES = ['', '6 4', '2 3', '8 3 2 3'];
const MARGIN = { left: 64, right: 24, top: 44, bottom: 52 };

/** Pixel mapping of a chart: exposed so tests can check a curve against its function. */
export interface Frame {
  x: Axis;
  y: Axis;
  left: number;
  top: number;
  width: number;
  height: number;
}

export function chartFrame(curves: Curve[], width: number, height: number): Frame {
  const t = curves[0]!.t;
  const ys = curves.flatMap((c) => Array.from(c.y).filter(Number.isFinite));
  const y = niceAxis(ys.length ? Math.min(...ys) : -1, ys.length ? Math.max(...ys) : 1, 6);
  const x = niceAxis(t[0]!, t[t.length - 1]!, 9, false);
  return { x, y, left: MARGIN.left, top: MARGIN.top, width: width - MARGIN.left - MARGIN.right, height: height - MARGIN.top - MARGIN.bottom };
}

export const px = (f: Frame, t: number): number => f.left + ((t - f.x.lo) / (f.x.hi - f.x.lo)) * f.width;
export const py = (f: Frame, v: number): number => f.top + (1 - (v - f.y.lo) / (f.y.hi - f.y.lo)) * f.height;

const r2 = (v: number): string => String(Math.round(v * 100) / 100);

export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** The path data of one curve: `M` starts each finite run, `L` continues it. */
function pathData(f: Frame, c: Curve): string {
  const parts: string[] = [];
  let pen = false;
  for (let i = 0; i < c.t.length; i++) {
    const v = c.y[i]!;
    if (!Number.isFinite(v)) {
      pen = false;
      continue;
    }
    parts.push(`${pen ? 'L' : 'M'}${r2(px(f, c.t[i]!))},${r2(py(f, v))}`);
    pen = true;
  }
  return parts.join(' ');
}

export function renderSvg(curves: Curve[], o: SvgOptions): string {
  const width = o.width ?? 640;
  const height = o.height ?? 400;
  const f = chartFrame(curves, width, height);
  const right = f.left + f.width;
  const bottom = f.top + f.height;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<title>${escapeXml(o.title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<defs><clipPath id="plot-area"><rect x="${f.left}" y="${f.top}" width="${f.width}" height="${f.height}"/></clipPath></defs>`,
    `<text x="${r2(f.left + f.width / 2)}" y="24" text-anchor="middle" font-size="14">${escapeXml(o.title)}</text>`,
  );
  out.push('<g class="grid" stroke="#e5e5e5" stroke-width="1">');
  for (const v of f.x.ticks) out.push(`<line x1="${r2(px(f, v))}" y1="${f.top}" x2="${r2(px(f, v))}" y2="${bottom}"/>`);
  for (const v of f.y.ticks) out.push(`<line x1="${f.left}" y1="${r2(py(f, v))}" x2="${right}" y2="${r2(py(f, v))}"/>`);
  out.push('</g>');
  out.push('<g class="zero" stroke="#999999" stroke-width="1">');
  if (f.y.lo < 0 && f.y.hi > 0) out.push(`<line x1="${f.left}" y1="${r2(py(f, 0))}" x2="${right}" y2="${r2(py(f, 0))}"/>`);
  if (f.x.lo < 0 && f.x.hi > 0) out.push(`<line x1="${r2(px(f, 0))}" y1="${f.top}" x2="${r2(px(f, 0))}" y2="${bottom}"/>`);
  out.push('</g>');
  out.push(`<rect class="frame" x="${f.left}" y="${f.top}" width="${f.width}" height="${f.height}" fill="none" stroke="#333333"/>`);
  out.push('<g class="x-axis" text-anchor="middle">');
  for (const v of f.x.ticks) {
    const x = r2(px(f, v));
    out.push(`<line x1="${x}" y1="${bottom}" x2="${x}" y2="${bottom + 5}" stroke="#333333"/>`, `<text class="tick" data-value="${v}" x="${x}" y="${bottom + 18}">${escapeXml(tickLabel(v, f.x))}</text>`);
  }
  out.push(`<text class="label" x="${r2(f.left + f.width / 2)}" y="${height - 10}">${escapeXml(o.xLabel ?? 't')}</text>`, '</g>');
  out.push('<g class="y-axis" text-anchor="end">');
  for (const v of f.y.ticks) {
    const y = r2(py(f, v));
    out.push(`<line x1="${f.left - 5}" y1="${y}" x2="${f.left}" y2="${y}" stroke="#333333"/>`, `<text class="tick" data-value="${v}" x="${f.left - 8}" y="${y}" dominant-baseline="middle">${escapeXml(tickLabel(v, f.y))}</text>`);
  }
  out.push('</g>');
  out.push('<g class="curves" fill="none" stroke-width="2" stroke-linejoin="round" clip-path="url(#plot-area)">');
  curves.forEach((c, i) => {
    const dash = DASHES[i % DASHES.length] ? ` stroke-dasharray="${DASHES[i % DASHES.length]}"` : '';
    out.push(`<path class="curve" data-label="${escapeXml(c.label)}" stroke="${COLORS[i % COLORS.length]}"${dash} d="${pathData(f, c)}"/>`);
  });
  out.push('</g>');
  const lx = f.left + 10;
  const ly = f.top + 10;
  const legendWidth = 40 + 7 * Math.max(...curves.map((c) => c.label.length));
  out.push(`<g class="legend"><rect x="${lx}" y="${ly}" width="${legendWidth}" height="${8 + 18 * curves.length}" fill="#ffffff" fill-opacity="0.85" stroke="#cccccc"/>`);
  curves.forEach((c, i) => {
    const y = ly + 14 + 18 * i;
    const dash = DASHES[i % DASHES.length] ? ` stroke-dasharray="${DASHES[i % DASHES.length]}"` : '';
    out.push(`<line x1="${lx + 6}" y1="${y}" x2="${lx + 30}" y2="${y}" stroke="${COLORS[i % COLORS.length]}" stroke-width="2"${dash}/>`, `<text x="${lx + 36}" y="${y}" dominant-baseline="middle">${escapeXml(c.label)}</text>`);
  });
  out.push('</g>', '</svg>');
  return `${out.join('\n')}\n`;
}
