// A line chart in the terminal: Braille cells (2 x 4 dots each) for the curves, a y axis with
// tick labels, an x axis with ticks under the frame, a dotted zero line, and a legend. The
// first curve is drawn in Braille; with color the others are Braille too, each in its own
// color, and without color (pipes, NO_COLOR) they are drawn as `•` per cell so the two
// curves stay apart in plain text. Consecutive samples are joined by vertical runs so steep
// parts stay connected.

import type { Curve } from '../chart/sample.js';
import { niceAxis, tickLabel } from '../chart/ticks.js';

export interface TextPlotOptions {
  /** Columns of the whole chart, labels included. */
  width: number;
  /** Rows of the plot area. */
  height: number;
  color: boolean;
  title?: string;
}

/** Braille dot bits: DOT[row][col] for a cell of 4 rows x 2 columns (Unicode U+2800 block). */
const DOT = [
  [0x01, 0x08],
  [0x02, 0x10],
  [0x04, 0x20],
  [0x40, 0x80],
];
const ANSI = ['\x1b[34m', '\x1b[31m', '\x1b[32m', '\x1b[35m'];
const RESET = '\x1b[0m';

/** How many samples of t to take: at least one per Braille dot column, whatever the label width. */
export const textPlotSamples = (o: TextPlotOptions): number => 2 * o.width;

const plotColumns = (o: TextPlotOptions, labelWidth: number): number => Math.max(10, o.width - labelWidth - 2);

export function renderTextPlot(curves: Curve[], o: TextPlotOptions): string {
  const ys = curves.flatMap((c) => Array.from(c.y).filter(Number.isFinite));
  const yAxis = niceAxis(ys.length ? Math.min(...ys) : -1, ys.length ? Math.max(...ys) : 1, Math.max(2, Math.round(o.height / 3)));
  const labels = yAxis.ticks.map((v) => tickLabel(v, yAxis));
  const labelWidth = Math.max(...labels.map((l) => l.length));
  const cols = plotColumns(o, labelWidth);
  const rows = o.height;
  const t = curves[0]!.t;
  const x0 = t[0]!;
  const x1 = t[t.length - 1]!;
  const dotRows = rows * 4;
  const dotCols = cols * 2;
  // Value → dot row (0 at the top); clamped so the frame holds everything.
  const rowOf = (v: number) => Math.min(dotRows - 1, Math.max(0, Math.round((1 - (v - yAxis.lo) / (yAxis.hi - yAxis.lo)) * (dotRows - 1))));
  const colOf = (x: number) => Math.min(dotCols - 1, Math.max(0, Math.round(((x - x0) / (x1 - x0)) * (dotCols - 1))));

  // One Braille bit mask per cell per curve.
  const masks = curves.map(() => new Uint8Array(rows * cols));
  curves.forEach((c, k) => {
    let prev: [number, number] | undefined; // [dot column, dot row] of the previous finite sample
    for (let i = 0; i < c.t.length; i++) {
      const v = c.y[i]!;
      if (!Number.isFinite(v)) {
        prev = undefined;
        continue;
      }
      const col = colOf(c.t[i]!);
      const row = rowOf(v);
      const [from, to] = prev ? [Math.min(prev[1], row), Math.max(prev[1], row)] : [row, row];
      for (let r = from; r <= to; r++) masks[k]![Math.floor(r / 4) * cols + Math.floor(col / 2)]! |= DOT[r % 4]![col % 2]!;
      prev = [col, row];
    }
  });

  const zeroRow = yAxis.lo < 0 && yAxis.hi > 0 ? Math.floor(rowOf(0) / 4) : -1;
  const tickRows = new Map(yAxis.ticks.map((v, i) => [Math.floor(rowOf(v) / 4), labels[i]!]));
  const paint = (s: string, k: number) => (o.color ? `${ANSI[k % ANSI.length]}${s}${RESET}` : s);
  const lines: string[] = [];
  if (o.title) lines.push(`${' '.repeat(labelWidth + 2)}${o.title}`);
  for (let r = 0; r < rows; r++) {
    let line = '';
    for (let c = 0; c < cols; c++) {
      const cell = r * cols + c;
      // The first curve wins a shared cell: it is the function, the others are derived.
      const k = masks.findIndex((m) => m[cell]! !== 0);
      if (k < 0) line += r === zeroRow ? '·' : ' ';
      else if (k === 0 || o.color) line += paint(String.fromCharCode(0x2800 | masks[k]![cell]!), k);
      else line += '•';
    }
    const label = tickRows.get(r);
    lines.push(`${(label ?? '').padStart(labelWidth)} ${label !== undefined ? '┤' : '│'}${line}`);
  }
  // x axis: a tick under each labelled t, labels placed where they do not collide.
  const xAxis = niceAxis(x0, x1, Math.max(2, Math.floor(cols / 12)), false);
  const base = Array.from('─'.repeat(cols));
  let under = ' '.repeat(cols + 8);
  let lastEnd = -1;
  for (const v of xAxis.ticks) {
    const c = Math.floor(colOf(v) / 2);
    base[c] = '┬';
    const text = tickLabel(v, xAxis);
    const start = Math.max(0, c - Math.floor(text.length / 2));
    if (start > lastEnd) {
      under = under.slice(0, start) + text + under.slice(start + text.length);
      lastEnd = start + text.length;
    }
  }
  lines.push(`${' '.repeat(labelWidth)} └${base.join('')}`, `${' '.repeat(labelWidth + 2)}${under.trimEnd()}`);
  const keys = curves.map((c, k) => `${k === 0 || o.color ? paint('⠉⠉', k) : '••'} ${c.label}`);
  lines.push(`${' '.repeat(labelWidth + 2)}${keys.join('   ')}   (t from ${x0} to ${x1})`);
  const bad = curves.reduce((n, c) => n + c.y.filter((v) => !Number.isFinite(v)).length, 0);
  if (bad) lines.push(`${' '.repeat(labelWidth + 2)}(${bad} sample${bad === 1 ? '' : 's'} not finite, left out)`);
  return lines.join('\n');
}
