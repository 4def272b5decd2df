// Source positions and the one error type every stage raises.
// A Span is a half-open character range [start, end) in the source text plus its 1-based
// line/column; every AST and IR node carries one so any later error can point back at the
// user's text. LossError is the only exception the library lets escape.

export interface Span {
  start: number; // offset of the first character
  end: number; // offset one past the last character
  line: number; // 1-based
  column: number; // 1-based
}

export interface Diagnostic {
  code: string; // stable code, e.g. "LD1001" (see grammar/diagnostics.ts)
  message: string;
  span?: Span;
}

export interface SourceText {
  text: string;
  name: string; // "<formula>" or a file name
}

/** Position (line, column, both 1-based) of an offset in `text`. */
export function positionAt(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

export function spanAt(text: string, start: number, end: number): Span {
  const { line, column } = positionAt(text, start);
  return { start, end, line, column };
}

/** The smallest span covering both. */
export function joinSpans(a: Span, b: Span): Span {
  const first = a.start <= b.start ? a : b;
  return { start: first.start, end: Math.max(a.end, b.end), line: first.line, column: first.column };
}

/** `name:line:column: error CODE: message`, the source line, and a caret line under the span. */
export function formatDiagnostic(d: Diagnostic, source?: SourceText): string {
  if (!d.span || !source) return `error ${d.code}: ${d.message}`;
  const { text, name } = source;
  const lineStart = text.lastIndexOf('\n', d.span.start - 1) + 1;
  let lineEnd = text.indexOf('\n', lineStart);
  if (lineEnd < 0) lineEnd = text.length;
  // A window of the line around the span, so a 100,000-character line prints in bounded size.
  const from = Math.max(lineStart, d.span.start - 60);
  const to = Math.min(lineEnd, Math.max(d.span.end, d.span.start + 1) + 60);
  const lineText = `${from > lineStart ? '…' : ''}${text.slice(from, to)}${to < lineEnd ? '…' : ''}`;
  const caretStart = d.span.start - from + (from > lineStart ? 1 : 0);
  const caretLen = Math.max(1, Math.min(d.span.end, to) - d.span.start);
  const gutter = `${d.span.line} | `;
  return (
    `${name}:${d.span.line}:${d.span.column}: error ${d.code}: ${d.message}\n` +
    `${gutter}${lineText}\n` +
    `${' '.repeat(gutter.length + caretStart)}${'^'.repeat(caretLen)}`
  );
}

const MAX_SHOWN = 20;

/**
 * The library's only exception. `message` is the formatted report of every diagnostic (with
 * line:column, the source line and a caret); `diagnostics` keeps them structured.
 */
export class LossError extends Error {
  readonly diagnostics: Diagnostic[];
  readonly source?: SourceText;
  constructor(diagnostics: Diagnostic | Diagnostic[], source?: SourceText) {
    const list = Array.isArray(diagnostics) ? diagnostics : [diagnostics];
    // The first diagnostics in full (source line and caret), the rest counted: a message stays
    // readable, and its size linear, however many errors a source has.
    const shown = list.slice(0, MAX_SHOWN).map((d) => formatDiagnostic(d, source));
    if (list.length > MAX_SHOWN) shown.push(`… and ${list.length - MAX_SHOWN} more error${list.length - MAX_SHOWN === 1 ? '' : 's'}`);
    super(shown.join('\n'));
    this.name = 'LossError';
    this.diagnostics = list;
    this.source = source;
  }
  /** The first diagnostic's span, if any. */
  get span(): Span | undefined {
    return this.diagnostics[0]?.span;
  }
  get code(): string {
    return this.diagnostics[0]?.code ?? 'LD0000';
  }
}
