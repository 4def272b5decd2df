// The table of diagnostic codes and message templates (TypeScript diagnosticMessages style).
// Every error the library reports has a stable code from this table; `{0}`, `{1}` … are filled
// by `diag`. Ranges: LD1xxx syntax (grammar/), LD2xxx names/types/shapes (compiler/), LD3xxx
// runtime input errors (runtime/). Codes are never renumbered or reused; other stages add their
// entries to `messages` below, in their own range.

import type { Diagnostic, Span } from './source.js';

export const messages = {
  // --- LD1xxx: lexing and parsing (grammar/) ---
  LD1001: "Unexpected character '{0}'",
  LD1002: "Unterminated string: expected a closing '\"' before the end of the line",
  LD1003: 'Expected {0} but found {1}',
  LD1004: 'Expected {0} but found end of input',
  LD1005: 'Expression nested too deeply (limit {0})',
  LD1006: "Invalid escape sequence '{0}' in string: expected one of \\\" \\\\ \\/ \\n \\t \\r \\b \\f \\uXXXX",
  LD1007: "Only a function name can be called, but found {0} before '('",
  LD1008: "Comparisons cannot be chained: expected '&&' or parentheses around '{0}' but found '{1}'",
  LD1009: "Expected a dimension size (a non-negative integer) but found '{0}'",
  LD1010: "Expected 'float' or 'int' after ':' but found '{0}'",
  LD1011: "Unexpected characters '{0}'",
  LD1012: "Number literal '{0}' is out of range: expected a finite number",
  LD1013: "Expected at most one '...' in the dimensions of '{0}' but found {1}",
  LD1014: "Expected a keyword argument after keyword argument '{0}' but found a positional argument",
  LD1015: "Expected keyword argument '{0}' at most once but found it again",
  LD1016: "Expected parameter names of '{0}' to be distinct but found '{1}' twice",
} as const;

export type DiagnosticCode = keyof typeof messages;

/** Fills `{0}`, `{1}` … of a template. */
export function formatMessage(template: string, args: readonly unknown[]): string {
  return template.replace(/\{(\d+)\}/g, (m, i: string) => {
    const k = Number(i);
    return k < args.length ? `${args[k] as string}` : m;
  });
}

/** A diagnostic with code `code` at `span`, its message filled with `args`. */
export function diag(code: DiagnosticCode, span: Span | undefined, ...args: unknown[]): Diagnostic {
  const template: string | undefined = messages[code];
  const d: Diagnostic = { code, message: template === undefined ? args.join(', ') || code : formatMessage(template, args) };
  if (span) d.span = span;
  return d;
}
