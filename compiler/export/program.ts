// Compiles a loss for export: the same pipeline as the JIT (lower → rewrite → differentiate →
// rewrite → schedule → generate JS), run on a symbolic signature (compiler/symbolic.ts), for
// the value alone and for the value with gradients — of every subset of the float inputs when
// there are at most three, else of each one and of all — in both dialects.
//
// The whole compilation runs twice, with two disjoint sets of probe sizes. Every size the
// generated code uses is written as an expression of the dims, so the two texts are equal —
// unless some pass decided something from a size's value (a constant folded from a count, a
// branch on `size(x, 1) == 3`); then the code is not valid for every size and export refuses.

import { LossError } from '../../grammar/source.js';
import { diag } from '../../grammar/diagnostics.js';
import { frontEnd, type FrontEnd } from '../frontend.js';
import { Lowerer, type InputSig } from '../lower.js';
import { runPipeline, type Program } from '../pipeline.js';
import type { Dialect, IndexSite } from '../codegen/js.js';
import type { RewriteEvent } from '../rewrite/engine.js';
import { SizeSymbols } from '../symbolic.js';
import { candidateSignatures, type ExportSignature, type InputShapeSpec } from './signature.js';

export interface ExportKernel {
  dialect: Dialect;
  /** The float inputs it computes gradients of, in signature order (none: the value alone). */
  wrt: string[];
  /** Takes an upstream gradient after the inputs (a non-scalar value). */
  gradOutput: boolean;
  /** Helper functions it calls, scratch buffers (per size), and `return function run(…)`. */
  prelude: string;
  scratch: string[];
  run: string;
  sites: IndexSite[];
}

/** A condition on one input's values, checked before the loss runs (stdlib/index.ts). */
export interface ValueCheck {
  input: string;
  /** A formula over `input` that must be nonzero at every element. */
  holds: string;
  message: string;
}

export interface ExportedCheck extends ValueCheck {
  /** The condition's kernel (float64, forward), over its own dims (named as the loss's). */
  kernel: ExportKernel;
  dimNames: string[];
}

export interface ExportedProgram {
  signature: ExportSignature;
  checks: ExportedCheck[];
  /** The value's dims as code over `d<i>` (e.g. `d0`), and as text over the dim names. */
  valueDims: { code: string; doc: string }[];
  floatInputs: string[];
  kernels: ExportKernel[];
  /** Stability rewrites of the value program and of the gradient program. */
  rewrites: RewriteEvent[];
}

export interface ExportOptions {
  shapes?: Record<string, InputShapeSpec>;
  stabilize?: boolean;
  checks?: ValueCheck[];
  /** Compile the value alone, in float64 (a check's condition). */
  forwardOnly?: boolean;
}

export function exportProgram(fe: FrontEnd, opts: ExportOptions = {}): ExportedProgram {
  const candidates = candidateSignatures(fe, opts.shapes ?? {});
  let firstError: unknown;
  for (const sig of candidates) {
    try {
      // Lowering alone tells whether a guessed signature fits the loss.
      lower(fe, sig, 0);
    } catch (e) {
      // A guess that fits but is not size-generic is the answer (to fix with --shape), not a
      // reason to try a smaller rank.
      if (!(e instanceof LossError) || e.code === 'LD2080') throw e;
      firstError ??= e;
      continue;
    }
    const program = compileSignature(fe, sig, opts.stabilize !== false, opts.forwardOnly === true);
    program.checks = (opts.checks ?? []).map((c) => compileCheck(c, sig));
    return program;
  }
  throw firstError;
}

function compileCheck(check: ValueCheck, sig: ExportSignature): ExportedCheck {
  const input = sig.inputs.find((i) => i.name === check.input);
  if (!input) throw new Error(`internal: value check of unknown input ${check.input}`);
  const fe = frontEnd(check.holds, '<value check>', undefined, {});
  const p = exportProgram(fe, { shapes: { [check.input]: { dims: input.dims, dtype: 'float' } }, forwardOnly: true });
  return { ...check, kernel: p.kernels[0]!, dimNames: p.signature.dimNames };
}

function lower(fe: FrontEnd, sig: ExportSignature, set: 0 | 1) {
  const fixed = sig.inputs.flatMap((i) => i.dims.filter((d): d is number => typeof d === 'number'));
  const symbols = new SizeSymbols(sig.dimNames.length, set, fixed);
  const inputSig: Record<string, InputSig> = {};
  for (const i of sig.inputs) {
    const shape = i.dims.map((d) => (typeof d === 'number' ? d : symbols.probes[sig.dimNames.indexOf(d)]!));
    inputSig[i.name] = { shape, dtype: i.dtype };
  }
  const lowerer = new Lowerer(symbols);
  const names = sig.inputs.map((i) => i.name);
  const lowered = fe.lossDef ? lowerer.lowerLoss(fe.unit, fe.lossDef, inputSig, fe.options) : lowerer.lowerFormula(fe.unit, names, inputSig, fe.options);
  return { lowered, symbols };
}

function compileSignature(fe: FrontEnd, sig: ExportSignature, stabilize: boolean, forwardOnly: boolean): ExportedProgram {
  const floatInputs = sig.inputs.filter((i) => i.dtype === 'float').map((i) => i.name);
  const build = (set: 0 | 1) => {
    const programs: { program: Program; dialect: Dialect; wrt: string[]; gradOutput: boolean }[] = [];
    let symbols: SizeSymbols | undefined;
    for (const dialect of forwardOnly ? (['float64'] as const) : (['float64', 'float32'] as const)) {
      const fwd = lower(fe, sig, set);
      symbols = fwd.symbols;
      programs.push({ program: runPipeline(fwd.lowered, { stabilize, dialect }), dialect, wrt: [], gradOutput: false });
      if (forwardOnly) continue;
      for (const wrt of gradientSets(floatInputs)) {
        const bwd = lower(fe, sig, set);
        const gradOutput = bwd.lowered.root.shape.length > 0;
        programs.push({ program: runPipeline(bwd.lowered, { stabilize, dialect, wrt, gradOutput }), dialect, wrt, gradOutput });
      }
    }
    return { programs, symbols: symbols! };
  };
  const a = build(0);
  const b = build(1);
  a.programs.forEach((p, k) => {
    const q = b.programs[k]!;
    if (p.program.js.source !== q.program.js.source) throw new LossError(diag('LD2080', undefined, sizeDependence(p.program.js.source, q.program.js.source)));
  });
  const root = a.programs[0]!.program.outputs[0]!.node;
  const names = (code: string) => code.replace(/\bd(\d+)\b/g, (_m, i: string) => sig.dimNames[Number(i)]!).replace(/^\((.*)\)$/, '$1');
  const valueDims = root.shape.map((v) => {
    const code = a.symbols.text(v);
    return { code, doc: names(code) };
  });
  const kernels: ExportKernel[] = a.programs.map(({ program, dialect, wrt, gradOutput }) => ({
    dialect,
    wrt,
    gradOutput,
    prelude: program.js.prelude,
    scratch: program.js.scratch,
    run: program.js.run,
    sites: program.js.sites,
  }));
  const rewrites = a.programs.filter((p) => p.dialect === 'float64').flatMap((p) => p.program.rewrites);
  return { signature: sig, checks: [], valueDims, floatInputs, kernels, rewrites };
}

/**
 * The gradient requests a module has a kernel for: every non-empty subset of up to three float
 * inputs, else each input alone and all together (other requests compute all and keep some).
 */
export function gradientSets(floats: readonly string[]): string[][] {
  if (floats.length > 3) return [...floats.map((f) => [f]), [...floats]];
  const sets: string[][] = [];
  for (let mask = 1; mask < 1 << floats.length; mask++) sets.push(floats.filter((_, i) => mask & (1 << i)));
  return sets;
}

/** Where two compilations with different probe sizes first differ, for the error message. */
function sizeDependence(x: string, y: string): string {
  const xs = x.split('\n');
  const ys = y.split('\n');
  const i = xs.findIndex((l, k) => l !== ys[k]);
  const line = (xs[i] ?? '').trim();
  return `its code depends on the value of a size, not only on the dims (first difference in generated code: "${line.length > 120 ? `${line.slice(0, 120)}…` : line}"); give the dims that are fixed as numbers with --shape, or compute it with the JIT (compile())`;
}
