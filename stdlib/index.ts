// The standard library: every loss of stdlib/*.loss as `stdlib.<name>(options, compileOptions)`.
// Sources are embedded at build time (sources.generated.ts); each file is self-contained and
// compiled on demand with the caller's options (torch.nn.functional's names and defaults).

import { parseSource } from '../grammar/index.js';
import type { LossDef } from '../grammar/ast.js';
import { Loss, type CompileOptions, type CompiledLoss } from '../runtime/compiled.js';
import { printExpr } from '../grammar/print.js';
import { STDLIB_SOURCES } from './sources.generated.js';

export type StdlibOptions = Record<string, number | string | boolean>;
export type StdlibLoss = (options?: StdlibOptions, compileOptions?: Omit<CompileOptions, 'loss' | 'params'>) => CompiledLoss;

export interface StdlibEntry {
  name: string;
  file: string;
  /** `name(input[N, C], target[N]: int; reduction = "mean", …)` */
  signature: string;
  doc: string;
  inputs: string[];
  options: { name: string; default: string }[];
}

let catalogue: Map<string, StdlibEntry> | undefined;

/** Every stdlib loss with its signature and documentation. */
export function stdlibCatalogue(): StdlibEntry[] {
  if (!catalogue) {
    catalogue = new Map();
    for (const [file, text] of Object.entries(STDLIB_SOURCES)) {
      for (const l of parseSource(text, `stdlib/${file}`).losses) catalogue.set(l.name, entry(file, l));
    }
  }
  return [...catalogue.values()];
}

function entry(file: string, l: LossDef): StdlibEntry {
  const tparams = l.tensorParams.map((p) => {
    const dims = p.dims ? `[${p.dims.map((d) => (d.kind === 'named' ? d.name : d.kind === 'fixed' ? String(d.size) : '...')).join(', ')}]` : '';
    return `${p.name}${dims}${p.dtype ? `: ${p.dtype}` : ''}${p.default ? ` = ${printExpr(p.default)}` : ''}`;
  });
  const options = l.options.map((o) => ({ name: o.name, default: printExpr(o.default) }));
  const opts = options.map((o) => `${o.name} = ${o.default}`);
  return {
    name: l.name,
    file,
    signature: `${l.name}(${tparams.join(', ')}${opts.length ? `; ${opts.join(', ')}` : ''})`,
    doc: l.doc ?? '',
    inputs: l.tensorParams.map((p) => p.name),
    options,
  };
}

/** Compiles stdlib loss `name` with torch-style options. */
export function stdlibLoss(name: string, options: StdlibOptions = {}, compileOptions: Omit<CompileOptions, 'loss' | 'params'> = {}): CompiledLoss {
  const e = stdlibCatalogue().find((x) => x.name === name);
  if (!e) return new Loss('', { loss: name }); // raises LossError: unknown loss
  return new Loss(STDLIB_SOURCES[e.file]!, { ...compileOptions, loss: name, params: options, sourceName: `stdlib/${e.file}` });
}

/** `stdlib.cross_entropy({ reduction: 'sum' })` and so on, one function per stdlib loss. */
export const stdlib: Record<string, StdlibLoss> = new Proxy({} as Record<string, StdlibLoss>, {
  get(_t, prop) {
    if (typeof prop !== 'string' || !stdlibCatalogue().some((e) => e.name === prop)) return undefined;
    return (options?: StdlibOptions, compileOptions?: Omit<CompileOptions, 'loss' | 'params'>) => stdlibLoss(prop, options, compileOptions);
  },
  has(_t, prop) {
    return typeof prop === 'string' && stdlibCatalogue().some((e) => e.name === prop);
  },
  ownKeys() {
    return stdlibCatalogue().map((e) => e.name);
  },
  getOwnPropertyDescriptor(_t, prop) {
    if (typeof prop !== 'string' || !stdlibCatalogue().some((e) => e.name === prop)) return undefined;
    return { enumerable: true, configurable: true, value: (o?: StdlibOptions, c?: Omit<CompileOptions, 'loss' | 'params'>) => stdlibLoss(prop, o, c) };
  },
});
