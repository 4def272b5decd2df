// Compile-time export: a loss as the text of a standalone ES module (TypeScript or
// JavaScript) that computes its value and gradients with no compiler at run time.
//   front end (compiler/frontend.ts) → symbolic compilation, checked twice (program.ts)
//   → module text (module.ts) → prettier.
// With backend 'gpu.js': fixed sizes, the JIT's gpu.js plans and executor (gpujs.ts).

import { format } from 'prettier';
import { LossError, type SourceText } from '../../grammar/source.js';
import { diag, withSource } from '../../grammar/diagnostics.js';
import { frontEnd } from '../frontend.js';
import { exportProgram, type ExportedProgram, type ValueCheck } from './program.js';
import { renderDeclarations, renderModule, type Target } from './module.js';
import { exportGpuProgram, renderGpuModule, GPUJS_MODES, GPU_DECLARATIONS, type GpuMode } from './gpujs.js';
import type { InputShapeSpec } from './signature.js';

export { parseShapeSpec, type DimSpec, type InputShapeSpec } from './signature.js';
export type { Target } from './module.js';
export type { ValueCheck } from './program.js';
export type { GpuMode } from './gpujs.js';

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
  /** 'ts' (default), 'js', or 'dts' (the declarations of the 'js' module). */
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
  /**
   * 'js' (default): fused JavaScript loops, size-generic, no imports. 'gpu.js': gpu.js kernels
   * for fixed sizes (every dim a number), importing only gpu.js.
   */
  backend?: 'js' | 'gpu.js';
  /** The gpu.js module's initial mode (its setMode() changes it); default 'gpu'. */
  gpuMode?: GpuMode;
}

/** The exported module's source text, formatted with prettier. */
export async function exportModule(source: string, opts: ExportModuleOptions = {}): Promise<string> {
  const text = renderExport(source, opts);
  return format(text, { parser: opts.target === 'js' ? 'babel' : 'typescript' });
}

/** The module text before formatting (and the program it came from, for tests). */
export function renderExport(source: string, opts: ExportModuleOptions = {}): string {
  return exportWith(source, opts);
}

function exportWith(source: string, opts: ExportModuleOptions): string {
  const src: SourceText = { text: typeof source === 'string' ? source : '', name: opts.sourceName ?? '<formula>' };
  try {
    if (typeof source !== 'string') throw new LossError(diag('LD2044', undefined, 'the source must be a string'));
    if (opts.target !== undefined && opts.target !== 'ts' && opts.target !== 'js' && opts.target !== 'dts') throw new LossError(diag('LD2080', undefined, `unknown target '${String(opts.target)}' (expected ts, js or dts)`));
    const backend = opts.backend ?? 'js';
    if (backend !== 'js' && backend !== 'gpu.js') throw new LossError(diag('LD2045', undefined, String(backend)));
    if (opts.gpuMode !== undefined) {
      if (backend !== 'gpu.js') throw new LossError(diag('LD2072', undefined, String(opts.gpuMode), backend));
      if (!(GPUJS_MODES as readonly string[]).includes(opts.gpuMode)) throw new LossError(diag('LD2071', undefined, String(opts.gpuMode), GPUJS_MODES.join(', ')));
    }
    const fe = frontEnd(source, src.name, opts.loss, opts.params ?? {});
    const stabilize = opts.stabilize !== false;
    const notDifferentiable = { ...(opts.notDifferentiable ?? {}) };
    // A loss of a .loss file: its definition, with its doc comment (the file may hold many).
    const def = fe.lossDef;
    const excerpt = def ? `${def.doc ? `${def.doc.split('\n').map((l) => (l.trim() ? `# ${l.trim()}` : '#')).join('\n')}\n` : ''}${source.slice(def.span.start, def.span.end)}` : source;
    const meta = { name: fe.name, source, excerpt, sourceName: src.name, options: fe.options, stabilize, version: opts.version ?? 'unknown', notDifferentiable };
    const target = opts.target ?? 'ts';
    if (backend === 'gpu.js') {
      const program = exportGpuProgram(fe, { shapes: opts.shapes, stabilize, checks: opts.valueChecks, sourceName: src.name });
      if (target === 'dts') return renderDeclarations(meta, program.signature, program.floatInputs, program.valueShape.map(String), GPU_DECLARATIONS);
      return renderGpuModule(program, meta, target, opts.gpuMode);
    }
    const program: ExportedProgram = exportProgram(fe, { shapes: opts.shapes, stabilize, checks: opts.valueChecks });
    if (target === 'dts') return renderDeclarations(meta, program.signature, program.floatInputs, program.valueDims.map((d) => d.doc));
    return renderModule(program, meta, target);
  } catch (e) {
    throw withSource(e, src);
  }
}
