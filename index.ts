// lossc: a compiler for loss functions written as formulas.
// Public API (docs/api.md): compile, stdlib, tensor, LossError, and the types they use.

import { Loss, type CompileOptions, type CompiledLoss } from './runtime/compiled.js';

export { LossError } from './grammar/source.js';
export type { Span, Diagnostic } from './grammar/source.js';
export { tensor } from './runtime/tensor.js';
export type { Tensor, TensorLike, DTypeName } from './runtime/tensor.js';
export type { CompileOptions, CompiledLoss, GradOptions, ValueAndGrad, CheckReport, AnomalySite } from './runtime/compiled.js';

/** Compiles a formula or a `.loss` source into a loss with its exact gradient. */
export function compile(source: string, options?: CompileOptions): CompiledLoss {
  return new Loss(source, options);
}

export { stdlib, stdlibCatalogue, type StdlibEntry, type StdlibLoss, type StdlibOptions } from './stdlib/index.js';
export { combine, MultiTaskLoss, type Task, type MultiTaskOptions, type MultiTaskInputs, type MultiTaskResult } from './runtime/multitask.js';
