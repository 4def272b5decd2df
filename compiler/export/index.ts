// Compile-time export: a loss as the text of a standalone ES module (TypeScript or
// JavaScript) that computes its value and gradients with no compiler at run time.
//   front end (compiler/frontend.ts) → symbolic compilation, checked twice (program.ts)
//   → module text (module.ts) → prettier.

import { format } from 'prettier';
import { LossError, type SourceText } from '../../grammar/source.js';
import { diag, withSource } from '../../grammar/diagnostics.js';
import { frontEnd } from '../frontend.js';
import { exportProgram, type ExportedProgram, type ValueCheck } from './program.js';
import { renderModule, type Target } from './module.js';
import type { InputShapeSpec } from './signature.js';

export { parseShapeSpec, type DimSpec, type InputShapeSpec } from './signature.js';
export type { Target } from './module.js';
export type { ValueCheck } from './program.js';

export interface ExportModuleOptions {
  /** Which `loss` of a multi-definition source. */
  loss?: string;
  /** Option and constant values, as for compile(). */
  params?: Record<string, number | string | boolean>;
  /**
   * Dims (names are symbolic, numbers fixed) and dtype per input, where the declaration does
   * not give them or to include an optional input: `{ input: { dims: ['N', 'C'] } }`.
   */
  shapes?: Record<string, InputShapeSpec>;
  /** 'ts' (default) or 'js'. */
  target?: Target;
  stabilize?: boolean;
  /** Name used in messages and the header (a file name); default "<formula>". */
  sourceName?: string;
  /** The lossc version written in the header. */
  version?: string;
  /** Conditions on input values checked before the loss runs (the standard library's). */
  valueChecks?: ValueCheck[];
  /** Float inputs the module refuses to differentiate with respect to, and why. */
  notDifferentiable?: Record<string, string>;
}

/** The exported module's source text, formatted with prettier. */
export async function exportModule(source: string, opts: ExportModuleOptions = {}): Promise<string> {
  const text = renderExport(source, opts);
  return format(text, { parser: opts.target === 'js' ? 'babel' : 'typescript' });
}

/** The module text before formatting (and the program it came from, for tests). */
export function renderExport(source: string, opts: ExportModuleOptions = {}): string {
  return exportWith(source, opts, (p, meta) => renderModule(p, meta, opts.target ?? 'ts'));
}

function exportWith<T>(source: string, opts: ExportModuleOptions, then: (p: ExportedProgram, meta: Parameters<typeof renderModule>[1]) => T): T {
  const src: SourceText = { text: typeof source === 'string' ? source : '', name: opts.sourceName ?? '<formula>' };
  try {
    if (typeof source !== 'string') throw new LossError(diag('LD2044', undefined, 'the source must be a string'));
    if (opts.target !== undefined && opts.target !== 'ts' && opts.target !== 'js') throw new LossError(diag('LD2080', undefined, `unknown target '${String(opts.target)}' (expected ts or js)`));
    const fe = frontEnd(source, src.name, opts.loss, opts.params ?? {});
    const stabilize = opts.stabilize !== false;
    const program = exportProgram(fe, { shapes: opts.shapes, stabilize, checks: opts.valueChecks });
    const notDifferentiable = { ...(opts.notDifferentiable ?? {}) };
    // A loss of a .loss file: its definition, with its doc comment (the file may hold many).
    const def = fe.lossDef;
    const excerpt = def ? `${def.doc ? `${def.doc.split('\n').map((l) => (l.trim() ? `# ${l.trim()}` : '#')).join('\n')}\n` : ''}${source.slice(def.span.start, def.span.end)}` : source;
    return then(program, { name: fe.name, source, excerpt, sourceName: src.name, options: fe.options, stabilize, version: opts.version ?? 'unknown', notDifferentiable });
  } catch (e) {
    throw withSource(e, src);
  }
}
