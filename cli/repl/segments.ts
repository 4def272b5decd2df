// A REPL formula is compiled together with what the session defined before it: the loaded
// files, then the session's `def`s, then the line itself, joined into one source. This module
// remembers where each piece starts, so an error or an explain() position inside the joined
// text is reported against the piece it falls in (`<repl>:1:8`, `defs.loss:3:5`, `def f:1:12`)
// with that piece's own line and caret — never against the joined text the user never saw.

import { formatDiagnostic, LossError, spanAt, type Diagnostic } from '../../grammar/source.js';

export interface Piece {
  /** Shown in reports: a file path, `def f`, or `<repl>`. */
  name: string;
  /** The text compiled. */
  text: string;
  /** The text shown under an error; same length and line breaks as `text` (see blankOutside). */
  display?: string;
}

interface Placed extends Piece {
  start: number;
}

export class Assembled {
  readonly text: string;
  private readonly placed: Placed[] = [];

  constructor(pieces: Piece[]) {
    let at = 0;
    for (const p of pieces) {
      this.placed.push({ ...p, start: at });
      at += p.text.length + 1;
    }
    this.text = pieces.map((p) => p.text).join('\n');
  }

  /** The LossError's report, each diagnostic against its own piece. */
  report(e: LossError): string {
    return e.diagnostics.map((d) => this.formatOne(d)).join('\n');
  }

  /** One diagnostic (offsets in the joined text) as a ready-to-show error. */
  reportDiagnostic(d: Diagnostic): ReplError {
    return new ReplError(this.formatOne(d));
  }

  private formatOne(d: Diagnostic): string {
    // Some messages quote a position themselves (anomaly reports: `log(z) at 1:1 produced NaN`).
    d = { ...d, message: this.relocatePositions(d.message) };
    const piece = d.span ? this.pieceAt(d.span.start) : undefined;
    if (!d.span || !piece) return formatDiagnostic(d);
    const rel = spanAt(piece.text, d.span.start - piece.start, Math.min(d.span.end, piece.start + piece.text.length) - piece.start);
    return formatDiagnostic({ ...d, span: rel }, { text: piece.display ?? piece.text, name: piece.name });
  }

  private pieceAt(offset: number): Placed | undefined {
    let found: Placed | undefined;
    for (const p of this.placed) if (p.start <= offset) found = p;
    return found;
  }

  /**
   * explain() names rewrite sites ` at LINE:COLUMN` of the joined text; this rewrites them to
   * the piece they fall in (the formula itself keeps a bare `LINE:COLUMN`).
   */
  relocatePositions(text: string): string {
    if (this.placed.length === 1) return text;
    const lineStarts = [0];
    for (let i = 0; i < this.text.length; i++) if (this.text[i] === '\n') lineStarts.push(i + 1);
    const last = this.placed[this.placed.length - 1]!;
    return text.replace(/ at (\d+):(\d+)(?=[,:\s]|$)/gm, (m, l: string, c: string) => {
      const offset = (lineStarts[Number(l) - 1] ?? NaN) + Number(c) - 1;
      const piece = Number.isFinite(offset) ? this.pieceAt(offset) : undefined;
      if (!piece) return m;
      const pos = spanAt(piece.text, offset - piece.start, offset - piece.start);
      return ` at ${piece === last ? '' : `${piece.name}:`}${pos.line}:${pos.column}`;
    });
  }
}

/** `text` with everything outside [start, end) turned to spaces (line breaks kept), so spans stay put. */
export function blankOutside(text: string, start: number, end: number): string {
  const blank = (s: string) => s.replace(/[^\n]/g, ' ');
  return blank(text.slice(0, start)) + text.slice(start, end) + blank(text.slice(end));
}

/** An error already formatted for the user. */
export class ReplError extends Error {}
