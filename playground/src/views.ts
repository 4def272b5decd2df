// DOM rendering for the playground's outputs: tensors as heatmap tables, explain() as folding
// sections, and the editor's error underline. Everything user-provided goes in as text nodes
// (never innerHTML), so a formula cannot inject markup.

import type { Span, Tensor } from '../../index.js';
import { explainSections } from './run.js';

const MAX_ROWS = 24;
const MAX_COLS = 24;
/** Up to this many columns the numbers are printed in the cells; wider tables show colour only. */
const MAX_TEXT_COLS = 10;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

/** Diverging blue–white–red, symmetric around 0, scaled by the largest magnitude shown. */
function heat(v: number, scale: number): string {
  if (!Number.isFinite(v)) return '#f0c000';
  const a = scale > 0 ? Math.min(1, Math.abs(v) / scale) : 0;
  const fade = Math.round(255 * (1 - a));
  return v >= 0 ? `rgb(255, ${fade}, ${fade})` : `rgb(${fade}, ${fade}, 255)`;
}

export const formatNumber = (v: number): string => (Number.isInteger(v) ? String(v) : Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4 ? v.toPrecision(4) : v.toExponential(2));

/**
 * A tensor as a table: rank 0 and 1 as one row, higher ranks as rows of the first dim against
 * the rest flattened. Large tensors are cut to MAX_ROWS × MAX_COLS with a note; every cell's
 * exact value is in its title.
 */
export function tensorTable(name: string, t: Tensor): HTMLElement {
  const rows = t.shape.length >= 2 ? t.shape[0]! : 1;
  const cols = rows > 0 ? t.data.length / rows : 0;
  const shownR = Math.min(rows, MAX_ROWS);
  const shownC = Math.min(cols, MAX_COLS);
  let scale = 0;
  for (let r = 0; r < shownR; r++) for (let c = 0; c < shownC; c++) scale = Math.max(scale, Math.abs(t.data[r * cols + c]!) || 0);
  const wrap = el('figure', { class: 'tensor', 'data-name': name });
  const cut = rows > shownR || cols > shownC ? ` — first ${shownR} × ${shownC} shown` : '';
  wrap.append(el('figcaption', {}, `${name} [${t.shape.join(', ')}]${cut}`));
  const table = el('table', { class: cols > MAX_TEXT_COLS ? 'heatmap compact' : 'heatmap' });
  for (let r = 0; r < shownR; r++) {
    const tr = el('tr');
    for (let c = 0; c < shownC; c++) {
      const v = t.data[r * cols + c]!;
      const td = el('td', { title: `${name}[${t.shape.length >= 2 ? `${r}, ${c}` : c}] = ${v}`, style: `background:${heat(v, scale)}` }, cols > MAX_TEXT_COLS ? '' : formatNumber(v));
      tr.append(td);
    }
    table.append(tr);
  }
  wrap.append(table);
  return wrap;
}

/** explain() as one open <details> per section; the generated JS goes to its own panel. */
export function renderExplain(explainBox: HTMLElement, jsBox: HTMLElement, text: string): void {
  explainBox.replaceChildren();
  jsBox.textContent = '';
  for (const s of explainSections(text)) {
    if (s.title === 'generated JS') {
      jsBox.textContent = s.body;
      continue;
    }
    const d = el('details', { open: '', 'data-section': s.title });
    d.append(el('summary', {}, s.title), el('pre', {}, s.body));
    explainBox.append(d);
  }
}

/**
 * Mirrors the editor's text into the overlay behind it with the span wrapped in <mark>: the
 * overlay has the textarea's font and padding, so the wavy underline sits under the characters.
 * An empty span (an error at the end of the text) marks one blank cell so it stays visible.
 */
export function underline(overlay: HTMLElement, text: string, span: Span | undefined): void {
  overlay.replaceChildren();
  if (!span) {
    overlay.textContent = text;
    return;
  }
  const start = Math.max(0, Math.min(span.start, text.length));
  const end = Math.max(start, Math.min(span.end, text.length));
  const mark = el('mark', { 'data-testid': 'error-span', title: `line ${span.line}, column ${span.column}` }, text.slice(start, end) || ' ');
  overlay.append(document.createTextNode(text.slice(0, start)), mark, document.createTextNode(text.slice(end)));
}
