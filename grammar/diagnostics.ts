// The table of diagnostic codes and message templates (TypeScript diagnosticMessages style).
// Every error the library reports has a stable code from this table; `{0}`, `{1}` … are filled
// by `diag`. Ranges: LD1xxx syntax (grammar/), LD2xxx names/types/shapes (compiler/), LD3xxx
// runtime input errors (runtime/). Codes are never renumbered or reused; other stages add their
// entries to `messages` below, in their own range.

import { LossError, type Diagnostic, type SourceText, type Span } from './source.js';

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

  // --- LD2xxx: names, types and shapes (compiler/) ---
  LD2001: "Unknown name '{0}'",
  LD2002: "Unknown function '{0}'{1}",
  LD2003: "'{0}' takes at most {1} positional argument(s) but got {2}",
  LD2004: "'{0}' has no parameter named '{1}' (parameters: {2})",
  LD2005: "'{0}' is missing its argument '{1}'",
  LD2006: "Argument '{0}' of '{1}' is given twice",
  LD2007: "'{0}' must be a compile-time {1}, not a tensor computed from inputs",
  LD2008: 'Expected {0} but got {1}',
  LD2009: "'{0}' is a function: call it with arguments, as {0}(…)",
  LD2010: 'Shapes do not broadcast in {0}: {1} and {2}',
  LD2011: 'Cannot reshape a tensor of shape {0} to {1}',
  LD2012: 'Cannot broadcast a tensor of shape {0} to {1}',
  LD2013: 'Index of shape {0} does not fit a tensor of shape {1} along dim {2}',
  LD2014: 'Cannot index a scalar',
  LD2015: 'matmul shapes do not fit: {0} @ {1}',
  LD2020: 'dim {0} is out of range for a tensor of rank {1}',
  LD2030: '{0} needs an int tensor of indices',
  LD2040: "Unknown loss '{0}' (available: {1})",
  LD2041: "Unknown option '{0}' of {1} (options: {2})",
  LD2042: "Option '{0}' must be {1}",
  LD2043: "Definitions nest too deeply in '{0}' (limit {1}): is it recursive?",
  LD2044: 'Nothing to compile: {0}',
  LD2045: "Unknown backend '{0}': expected 'js' or 'gpu.js'",
  LD2046: 'The formula is too large to compile: {0}',
  LD2047: "Argument '{0}' of '{1}': {2}",
  LD2048: 'This expression would make a tensor of shape {0}, more than the {1} elements a typed array holds',
  // LD206x: checks the standard library's losses state (stdlib/*.loss, stdlib/index.ts)
  LD2060: '{0}',
  // LD207x: the gpu.js back end (runtime/gpujsBackend.ts, compiler/codegen/gpujs.ts)
  LD2070: "gpu.js mode '{0}' cannot run here: {1}",
  LD2071: "Unknown gpu.js mode '{0}': expected one of {1}",
  LD2072: "gpuMode '{0}' applies to backend 'gpu.js' only (the backend is '{1}')",
  LD2073: 'gpu.js could not build kernel {0} ({1}) in mode {2}: {3}',
  LD2074: 'A tensor of {0} elements is too large for the gpu.js backend: its kernels index in float32, exactly only below {1} elements',
  // LD208x: compile-time export (compiler/export/)
  LD2080: 'Cannot export this loss: {0}',
  LD2081: "Shape of input '{0}': {1}",

  // --- LD3xxx: inputs at call time (runtime/) ---
  LD3001: "Missing input '{0}'",
  LD3002: "Unknown input '{0}' (inputs: {1})",
  LD3003: "Input '{0}' must be {1} but is {2}",
  LD3004: "Input '{0}' has {1} elements but its shape {2} needs {3}",
  LD3005: "Input '{0}' has {1} = {2}, but '{3}' has {1} = {4}",
  LD3006: "Input '{0}': {1}",
  LD3007: '{0} {1} is out of range [0, {2}) in {3} at position {4}',
  LD3008: "Input '{0}': {1}",
  LD3009: "Cannot differentiate with respect to '{0}': not a float input (float inputs: {1})",
  LD3010: 'gradOutput has shape {0} but the value has shape {1}',
  LD3011: "out buffer for '{0}' must be a Float32Array or Float64Array of {1} elements (the input is {2})",
  LD3012: "out buffer for '{0}' shares memory with {1}: each gradient needs a buffer of its own, apart from the inputs (the loss reads every input while it writes every gradient)",
  // LD302x: anomaly mode (runtime/anomaly.ts): where a NaN or infinity first appeared
  LD3020: '{0} at {1} produced {2}{3}{4}',
  LD3021: "Input '{0}' contains {1}{2}{3}",
  // LD306x: the standard library at call time: value checks (stdlib/index.ts), multi-task losses (runtime/multitask.ts)
  LD3060: "Input '{0}' of {1}: {2} (element {3} is {4})",
  LD3061: "{0} cannot be differentiated with respect to '{1}' (as in PyTorch): {2}",
  LD3062: 'Multi-task loss: {0}',
  // LD307x: the gpu.js back end at call time (runtime/gpujsBackend.ts)
  LD3070: 'gpu.js kernel {0} failed in mode {1}: {2}',

  // --- LD4xxx: command line (cli/) ---
  LD4001: 'Expected {0}',
  LD4002: "Cannot read '{0}': {1}",
  LD4003: "Expected key=value but found '{0}'",
  LD4004: "Cannot parse inputs from '{0}': {1}",
  LD4005: "Cannot write '{0}': {1}",
  // LD41xx: the REPL and plots (cli/repl/, cli/plot.ts, cli/chart/)
  LD4101: "'{0}' expects {1}",
  LD4102: 'A tensor literal must be rectangular and hold numbers: {0}',
  LD4103: "'{0}' is already {1}",
  LD4104: "Unknown command ':{0}'{1}",
  LD4105: 'Usage: {0}',
  LD4106: 'Cannot plot {0}: {1}',
  LD4107: "Unknown name '{0}'{1}",
  LD4108: "Cannot write '{0}': {1}",
  LD4109: 'The {0} is not available: {1}',

  // --- LD9999: a defect of lossc itself ---
  LD9999: 'Internal compiler error (please report): {0}',
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

/** Attaches the source text to a LossError (for the caret display); anything else is a bug made visible as LossError. */
export function withSource(e: unknown, source: SourceText): LossError {
  if (e instanceof LossError) return e.source ? e : new LossError(e.diagnostics, source);
  if (e instanceof RangeError) return new LossError(diag('LD2046', undefined, e.message), source);
  const msg = e instanceof Error ? e.message : String(e);
  return new LossError(diag('LD9999', undefined, msg), source);
}
