// Tensors as text, the way PyTorch prints them (torch/_tensor_str.py): one number format for
// the whole tensor (integers as `1.`, fixed `0.3333`, or scientific when the magnitudes span
// more than 1000x), right-aligned columns, rows wrapped at the line width, and tensors of more
// than `threshold` elements summarized with `...` after `edgeitems` entries per dim.
// The suffix always names the dtype, and the shape for rank >= 1 (torch names a non-default
// dtype only); test/cli/repl.format.test.ts checks the body against torch's own output.

import { dtypeOf, type Tensor } from '../../runtime/tensor.js';

export interface PrintOptions {
  precision: number;
  threshold: number;
  edgeitems: number;
  linewidth: number;
}

export const DEFAULT_PRINT: PrintOptions = { precision: 4, threshold: 1000, edgeitems: 3, linewidth: 80 };

type Formatter = { width: number; fmt(v: number): string };

/** `tensor([[1.0000, 2.5000], …], shape=[2, 2], dtype=float64)` */
export function formatTensor(t: Tensor, opts: PrintOptions = DEFAULT_PRINT): string {
  const suffixes = [...(t.shape.length ? [`shape=[${t.shape.join(', ')}]`] : []), `dtype=${dtypeOf(t.data)}`];
  return renderTensor(t, opts, suffixes);
}

/** torch's `_str_intern`: `tensor(` + values + the suffixes (a suffix that would pass the line width goes on its own line). */
export function renderTensor(t: Tensor, opts: PrintOptions, suffixes: string[]): string {
  const prefix = 'tensor(';
  const numel = t.shape.reduce((a, b) => a * b, 1);
  const summarize = numel > opts.threshold;
  const f = formatter(visibleValues(t, summarize, opts.edgeitems), dtypeOf(t.data) === 'int32', opts.precision);
  let out = prefix + (numel === 0 && t.shape.length ? '[]' : render(t, 0, 0, prefix.length, summarize, f, opts));
  // torch/_tensor_str.py _add_suffixes, including its count of the last line's length.
  let lastLine = out.length - out.lastIndexOf('\n') + 1;
  for (const s of suffixes) {
    if (lastLine + s.length + 2 > opts.linewidth) {
      out += `,\n${' '.repeat(prefix.length)}${s}`;
      lastLine = prefix.length + s.length;
    } else {
      out += `, ${s}`;
      lastLine += s.length + 2;
    }
  }
  return `${out})`;
}

/** The values that will be printed (PyTorch picks the format from these only). */
function visibleValues(t: Tensor, summarize: boolean, edge: number): number[] {
  if (!summarize) return Array.from(t.data);
  const out: number[] = [];
  const walk = (dim: number, offset: number, stride: number): void => {
    if (dim === t.shape.length) {
      out.push(t.data[offset]!);
      return;
    }
    const n = t.shape[dim]!;
    const inner = stride / n;
    for (const i of edgeIndices(n, summarize, edge)) walk(dim + 1, offset + i * inner, inner);
  };
  walk(0, 0, t.data.length);
  return out;
}

function edgeIndices(n: number, summarize: boolean, edge: number): number[] {
  if (!summarize || n <= 2 * edge) return Array.from({ length: n }, (_, i) => i);
  return [...Array.from({ length: edge }, (_, i) => i), ...Array.from({ length: edge }, (_, i) => n - edge + i)];
}

/** torch's _Formatter: the format and width are chosen from the non-zero finite values. */
function formatter(values: number[], isInt: boolean, precision: number): Formatter {
  if (isInt) {
    const width = values.reduce((w, v) => Math.max(w, String(v).length), 1);
    return { width, fmt: (v) => String(v).padStart(width) };
  }
  const finite = values.filter((v) => Number.isFinite(v) && v !== 0).map(Math.abs);
  const max = finite.length ? Math.max(...finite) : 0;
  const min = finite.length ? Math.min(...finite) : 0;
  const intMode = finite.every((v) => Number.isInteger(v));
  const sci = finite.length > 0 && (max / min > 1000 || max > 1e8 || (!intMode && min < 1e-4));
  const fixed = sci ? (v: number) => exp(v, precision) : intMode ? (v: number) => `${v.toFixed(0)}.` : (v: number) => v.toFixed(precision);
  const width = values.reduce((w, v) => (Number.isFinite(v) && v !== 0 ? Math.max(w, fixed(v).length) : w), 1);
  const fmt = (v: number) => (Number.isNaN(v) ? 'nan' : v === Infinity ? 'inf' : v === -Infinity ? '-inf' : fixed(v));
  return { width, fmt: (v) => fmt(v).padStart(width) };
}

/** Python's `{:.4e}`: at least two exponent digits. */
const exp = (v: number, p: number): string => v.toExponential(p).replace(/e([+-])(\d)$/, 'e$10$2');

function render(t: Tensor, dim: number, offset: number, indent: number, summarize: boolean, f: Formatter, o: PrintOptions): string {
  const rank = t.shape.length;
  if (rank === 0) return f.fmt(t.data[0]!).trim();
  const n = t.shape[dim]!;
  const inner = t.shape.slice(dim + 1).reduce((a, b) => a * b, 1);
  const idx = edgeIndices(n, summarize, o.edgeitems);
  const cut = idx.length < n ? o.edgeitems : -1;
  if (dim === rank - 1) {
    const items = idx.map((i) => f.fmt(t.data[offset + i]!));
    if (cut >= 0) items.splice(cut, 0, ' ...');
    const perLine = Math.max(1, Math.floor((o.linewidth - indent) / (f.width + 2)));
    const lines: string[] = [];
    for (let i = 0; i < items.length; i += perLine) lines.push(items.slice(i, i + perLine).join(', '));
    return `[${lines.join(`,\n${' '.repeat(indent + 1)}`)}]`;
  }
  const slices = idx.map((i) => render(t, dim + 1, offset + i * inner, indent + 1, summarize, f, o));
  if (cut >= 0) slices.splice(cut, 0, '...');
  return `[${slices.join(`,${'\n'.repeat(rank - dim - 1)}${' '.repeat(indent + 1)}`)}]`;
}

/** Puts `label` before a multi-line block, indenting the continuation lines under it. */
export function labelled(label: string, block: string): string {
  return label + block.split('\n').join(`\n${' '.repeat(label.length)}`);
}
