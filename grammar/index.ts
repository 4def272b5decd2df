// The front end's entry points: source text → SourceUnit (grammar/ast.ts), or every lexing and
// parsing diagnostic at once. Pipeline: lexer (grammar/lexer.ts) → nesting guard → parser
// (grammar/parser.ts, error recovery on) → AST builder (grammar/astBuilder.ts). A unit is
// returned only when there is no diagnostic; parseSource throws them all as one LossError.

import type { ILexingError, IToken } from 'chevrotain';
import type { SourceUnit } from './ast.js';
import { buildAst } from './astBuilder.js';
import { diag } from './diagnostics.js';
import { tokenize, UnterminatedString } from './lexer.js';
import { checkNesting, MAX_NESTING, parser, parseErrorsToDiagnostics, parseTokens, tokenSpan } from './parser.js';
import { LossError, type Diagnostic, type Span } from './source.js';

export type * from './ast.js';
export * from './source.js';
export { diag, messages, formatMessage, type DiagnosticCode } from './diagnostics.js';
export { printExpr, type PrintOptions } from './print.js';
export { MAX_NESTING } from './parser.js';

/** Parses a formula or a `.loss` file; all problems are reported, none is thrown. */
export function tryParseSource(text: string, name = '<formula>'): { unit?: SourceUnit; diagnostics: Diagnostic[] } {
  void name; // the name only matters for formatting (parseSource's LossError)
  const lexed = tokenize(text);
  const tokens = lexed.tokens;
  const diagnostics: Diagnostic[] = lexDiagnostics(text, lexed.errors, tokens);

  const tooDeep = checkNesting(tokens);
  if (tooDeep) return { diagnostics: sorted([...diagnostics, tooDeep]) };

  try {
    const cst = parseTokens(tokens);
    if (parser.errors.length > 0) {
      const hidden = tokensAfterLexErrors(lexed.errors, tokens);
      for (const d of parseErrorsToDiagnostics(parser.errors, tokens, text)) {
        if (!d.span || !hidden.has(d.span.start)) diagnostics.push(d);
      }
    } else {
      const comments = lexed.groups['comments'] ?? [];
      const built = buildAst(cst, { tokens, comments, text });
      diagnostics.push(...built.diagnostics);
      if (diagnostics.length === 0) return { unit: built.unit, diagnostics };
    }
  } catch (e) {
    // The nesting guard bounds recursion; this is the backstop for a pathological input it
    // underestimates (never let a RangeError escape).
    if (!(e instanceof RangeError)) throw e;
    const first = tokens[0];
    diagnostics.push(diag('LD1005', first ? tokenSpan(first) : undefined, MAX_NESTING));
  } finally {
    parser.input = []; // do not keep the caller's tokens alive
  }
  return { diagnostics: sorted(diagnostics) };
}

/** Parses a formula or a `.loss` file, or throws a LossError carrying every diagnostic. */
export function parseSource(text: string, name = '<formula>'): SourceUnit {
  // ASTs are immutable values: a source compiled again (a stdlib file for each set of options,
  // a formula in a loop) reuses its parse. Spans do not depend on the name, errors are not cached.
  const cached = parsed.get(text);
  if (cached) {
    parsed.delete(text);
    parsed.set(text, cached);
    return cached;
  }
  const { unit, diagnostics } = tryParseSource(text, name);
  if (!unit) throw new LossError(diagnostics, { text, name });
  parsed.set(text, unit);
  if (parsed.size > PARSE_CACHE_SIZE) parsed.delete(parsed.keys().next().value!);
  return unit;
}

const PARSE_CACHE_SIZE = 128;
const parsed = new Map<string, SourceUnit>();

/** Invisible and control characters shown as U+XXXX, so a message names what it found. */
function visible(chars: string): string {
  return [...chars].map((c) => (/[\p{L}\p{N}\p{P}\p{S}]/u.test(c) ? c : `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`)).join('');
}

function lexDiagnostics(text: string, errors: ILexingError[], tokens: IToken[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const e of errors) {
    const span: Span = { start: e.offset, end: e.offset + e.length, line: e.line ?? 1, column: e.column ?? 1 };
    // Chevrotain skips a run of unlexable characters as one error.
    const chars = visible(text.slice(e.offset, e.offset + e.length));
    out.push(diag(e.length > 1 ? 'LD1011' : 'LD1001', span, chars));
  }
  for (const t of tokens) if (t.tokenType === UnterminatedString) out.push(diag('LD1002', tokenSpan(t)));
  return out;
}

/**
 * Offsets of the first token after each lexing error: a parse error there ("expected an
 * operator but found 'y'" in `x $ y`) is a consequence of the skipped characters, not news.
 */
function tokensAfterLexErrors(errors: ILexingError[], tokens: IToken[]): Set<number> {
  const out = new Set<number>();
  for (const e of errors) {
    const after = tokens.find((t) => t.startOffset >= e.offset + e.length);
    if (after) out.add(after.startOffset);
  }
  return out;
}

function sorted(ds: Diagnostic[]): Diagnostic[] {
  return ds
    .map((d, i) => [d, i] as const)
    .sort(([a, i], [b, j]) => (a.span?.start ?? -1) - (b.span?.start ?? -1) || i - j)
    .map(([d]) => d);
}
