// The plain-JS back end: turns generated source into a callable, once per signature.
// The source contains only generated identifiers and canonical numbers (codegen/js.ts), so
// `new Function` here never evaluates user text. Index errors raised inside the kernel come
// back through `fail` and become a LossError pointing at the indexing expression.

import { LossError, type SourceText } from '../grammar/source.js';
import { diag } from '../grammar/diagnostics.js';
import type { Program } from '../compiler/pipeline.js';
import { printNode } from '../compiler/print.js';
import type { TypedData } from './tensor.js';

export type RunFn = (inputs: TypedData[], outputs: TypedData[]) => void;

export function instantiateJs(program: Program, source: SourceText): RunFn {
  const sites = program.js.sites;
  const fail = (site: number, value: number, position: number[]): never => {
    const s = sites[site]!;
    const what = s.node.op === 'take' || s.node.op === 'index_add' ? 'row index' : 'class index';
    throw new LossError(diag('LD3007', s.node.span, what, value, s.limit, clipText(printNode(s.node)), `[${position.join(', ')}]`), source);
  };
  const factory = new Function('fail', program.js.source) as (f: typeof fail) => (...arrays: TypedData[]) => void;
  const run = factory(fail);
  return (inputs, outputs) => run(...inputs, ...outputs);
}

const clipText = (s: string) => (s.length > 60 ? `${s.slice(0, 60)}…` : s);
