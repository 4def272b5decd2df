// The standard library: every loss of stdlib/*.loss as `stdlib.<name>(options, compileOptions)`.
// Sources are embedded at build time (sources.generated.ts); each file is self-contained and
// compiled on demand with the caller's options (torch.nn.functional's names and defaults).
// Checks on input *values* that PyTorch makes in its kernels (a probability outside [0, 1], a
// negative variance) cannot be written in a formula, which sees only shapes and options; they
// are a table here, each a formula that must hold elementwise, run before the loss.

import { parseSource } from '../grammar/index.js';
import type { LossDef } from '../grammar/ast.js';
import { Loss, type CompileOptions, type CompiledLoss, type CheckReport, type GradOptions, type ValueAndGrad } from '../runtime/compiled.js';
import { normalizeInput, type Tensor, type TensorLike } from '../runtime/tensor.js';
import { LossError } from '../grammar/source.js';
import { diag } from '../grammar/diagnostics.js';
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

/** A condition on one input's values that PyTorch checks at run time (its kernels raise). */
interface ValueCheck {
  input: string;
  /** A formula over `input` that must be nonzero at every element. */
  holds: string;
  /** PyTorch's message. */
  message: string;
}

const VALUE_CHECKS: Record<string, ValueCheck[]> = {
  binary_cross_entropy: [{ input: 'input', holds: 'input >= 0 && input <= 1', message: 'all elements of input should be between 0 and 1' }],
  gaussian_nll_loss: [{ input: 'var', holds: 'var >= 0', message: 'var has negative entry/entries' }],
};

/** Inputs PyTorch cannot differentiate with respect to (it refuses requires_grad on them), and why. */
const NOT_DIFFERENTIABLE: Record<string, Record<string, string>> = {
  soft_margin_loss: { target: 'its backward has no formula for target (the labels +1 / -1)' },
};

/**
 * The shapes a stdlib loss is exported with when the user gives none (`lossc compile --stdlib`):
 * PyTorch's most common call, where the declaration leaves it open (class indices for
 * cross_entropy, a target [N] for cosine_embedding_loss). `--shape` overrides any of them.
 */
const EXPORT_SHAPES: Record<string, Record<string, string>> = {
  nll_loss: { input: 'N,C', target: 'N:int' },
  cross_entropy: { input: 'N,C', target: 'N:int' },
  cosine_embedding_loss: { input1: 'N,D', input2: 'N,D', target: 'N' },
  margin_ranking_loss: { input1: 'N', input2: 'N', target: 'N' },
  kl_div: { input: 'N,C', target: 'N,C' },
};

/** What exporting stdlib loss `name` needs: its source and the checks its compiled form makes. */
export function stdlibExport(name: string): {
  source: string;
  sourceName: string;
  shapes: Record<string, string>;
  valueChecks: ValueCheck[];
  notDifferentiable: Record<string, string>;
} {
  const e = stdlibCatalogue().find((x) => x.name === name);
  if (!e) throw new LossError(diag('LD2040', undefined, name, stdlibCatalogue().map((x) => x.name).join(', ')));
  return {
    source: STDLIB_SOURCES[e.file]!,
    sourceName: `stdlib/${e.file}`,
    shapes: { ...(EXPORT_SHAPES[name] ?? {}) },
    valueChecks: [...(VALUE_CHECKS[name] ?? [])],
    notDifferentiable: { ...(NOT_DIFFERENTIABLE[name] ?? {}) },
  };
}

/** Compiles stdlib loss `name` with torch-style options. */
export function stdlibLoss(name: string, options: StdlibOptions = {}, compileOptions: Omit<CompileOptions, 'loss' | 'params'> = {}): CompiledLoss {
  const e = stdlibCatalogue().find((x) => x.name === name);
  if (!e) return new Loss('', { loss: name }); // raises LossError: unknown loss
  const loss = new Loss(STDLIB_SOURCES[e.file]!, { ...compileOptions, loss: name, params: options, sourceName: `stdlib/${e.file}` });
  const checks = VALUE_CHECKS[name];
  const fixed = NOT_DIFFERENTIABLE[name];
  return checks || fixed ? new CheckedLoss(loss, checks ?? [], fixed ?? {}) : loss;
}

/** A stdlib loss whose inputs are checked by value before it runs. */
class CheckedLoss implements CompiledLoss {
  readonly name: string;
  readonly inputs: string[];
  private compiled?: { check: ValueCheck; formula: CompiledLoss }[];

  constructor(
    private readonly loss: CompiledLoss,
    private readonly checks: ValueCheck[],
    private readonly notDifferentiable: Record<string, string>,
  ) {
    this.name = loss.name;
    this.inputs = loss.inputs;
  }

  forward(inputs: Record<string, TensorLike>): Tensor {
    this.validate(inputs);
    return this.loss.forward(inputs) as Tensor;
  }

  valueAndGrad(inputs: Record<string, TensorLike>, opts: GradOptions = {}): ValueAndGrad {
    this.validate(inputs);
    const wrt = opts.wrt ?? this.differentiable(inputs);
    for (const w of Array.isArray(wrt) ? wrt : []) {
      const why = this.notDifferentiable[w];
      if (why !== undefined) throw new LossError(diag('LD3061', undefined, this.name, w, why));
    }
    return this.loss.valueAndGrad(inputs, { ...opts, wrt }) as ValueAndGrad;
  }

  explain(inputs?: Record<string, TensorLike>): string {
    return this.loss.explain(inputs);
  }

  check(inputs: Record<string, TensorLike>): CheckReport {
    this.validate(inputs);
    return this.loss.check(inputs);
  }

  /** The default `wrt`: every float input given, except those PyTorch cannot differentiate. */
  private differentiable(inputs: Record<string, TensorLike>): string[] {
    return this.inputs.filter((n) => inputs[n] !== undefined && this.notDifferentiable[n] === undefined && normalizeInput(n, inputs[n]).dtype !== 'int32');
  }

  /** Raises LossError at the first element that breaks one of the loss's value checks. */
  private validate(inputs: Record<string, TensorLike>): void {
    this.compiled ??= this.checks.map((check) => ({ check, formula: new Loss(check.holds, { sourceName: `${this.name} check` }) }));
    for (const { check, formula } of this.compiled) {
      const value = inputs?.[check.input];
      if (value === undefined) continue; // a missing input is the loss's own error
      const t = normalizeInput(check.input, value);
      const ok = formula.forward({ [check.input]: t }) as Tensor;
      const bad = ok.data.findIndex((v) => v === 0);
      if (bad >= 0) throw new LossError(diag('LD3060', undefined, check.input, this.name, check.message, position(bad, t.shape), t.data[bad]));
    }
  }
}

/** A flat index as a multi-index `[i, j, …]` of `shape`. */
function position(flat: number, shape: readonly number[]): string {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = flat % shape[d]!;
    flat = Math.floor(flat / shape[d]!);
  }
  return `[${idx.join(', ')}]`;
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
