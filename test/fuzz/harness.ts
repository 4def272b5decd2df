// Test plumbing below the public API: a formula compiled for one input signature into its
// Program (the IR as lowered, and after the whole pipeline), run by the generated JS and by
// the reference interpreter (compiler/interpret.ts), so the two can be compared.

import { parseSource } from '../../grammar/index.js';
import { resolveInputs } from '../../compiler/resolve.js';
import { Lowerer, type Lowered } from '../../compiler/lower.js';
import { runPipeline, GRAD_OUTPUT, type Program } from '../../compiler/pipeline.js';
import { interpret } from '../../compiler/interpret.js';
import { instantiateJs } from '../../runtime/jsBackend.js';
import type { Node } from '../../compiler/ir.js';
import type { Tensor } from '../../index.js';

export interface Built {
  /** The IR as lowered: no rewrite applied (what the user wrote). */
  lowered: Lowered;
  program: Program;
}

export interface BuildOptions {
  params?: Record<string, number | string | boolean>;
  wrt?: string[];
  gradOutput?: boolean;
  stabilize?: boolean;
}

/** Lowers `src` for the shapes and dtypes of `inputs` and runs the pipeline. */
export function build(src: string, inputs: Record<string, Tensor>, opts: BuildOptions = {}): Built {
  const unit = parseSource(src);
  const params = opts.params ?? {};
  const names = resolveInputs(unit, unit.body!, Object.keys(params));
  const sig = Object.fromEntries(names.map((n) => [n, { shape: inputs[n]!.shape, dtype: inputs[n]!.data instanceof Int32Array ? ('int' as const) : ('float' as const) }]));
  const lowered = new Lowerer().lowerFormula(unit, names, sig, params);
  const root = lowered.root;
  const program = runPipeline(lowered, { wrt: opts.wrt, gradOutput: opts.gradOutput, stabilize: opts.stabilize });
  // runPipeline does not change nodes (they are immutable), so the lowered root is intact.
  return { lowered: { ...lowered, root }, program };
}

const dataFor = (n: Node, inputs: Record<string, Tensor>, gradOutput?: Tensor) =>
  n.attrs.name === GRAD_OUTPUT ? gradOutput!.data : inputs[n.attrs.name!]!.data;

/** The program's results from its generated JS (float64 buffers). */
export function runJs(p: Program, inputs: Record<string, Tensor>, gradOutput?: Tensor): Float64Array[] {
  const run = instantiateJs(p, { text: '', name: '<test>' });
  const outs = p.outputs.map((o) => new Float64Array(o.node.shape.reduce((a, b) => a * b, 1)));
  run(p.inputs.map((n) => dataFor(n, inputs, gradOutput)), outs);
  return outs;
}

/** The same results from the reference interpreter. */
export function runInterpreter(p: Program, inputs: Record<string, Tensor>, gradOutput?: Tensor): Float64Array[] {
  const data = new Map(p.inputs.map((n) => [n, dataFor(n, inputs, gradOutput)] as const));
  const values = interpret(p.outputs.map((o) => o.node), data);
  return p.outputs.map((o) => values.get(o.node)!);
}

/** The value of the formula as lowered, before any rewrite, by the interpreter. */
export function runLowered(b: Built, inputs: Record<string, Tensor>): Float64Array {
  const data = new Map([...b.lowered.inputs.values()].map((n) => [n, inputs[n.attrs.name!]!.data] as const));
  return interpret([b.lowered.root], data).get(b.lowered.root)!;
}

/** Elementwise agreement within rounding: |a - b| <= rel * max(|a|, |b|) + abs; NaN = NaN, inf = inf. */
export function agree(a: ArrayLike<number>, b: ArrayLike<number>, rel: number, abs: number): string | undefined {
  if (a.length !== b.length) return `lengths ${a.length} and ${b.length}`;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (Number.isNaN(x) || Number.isNaN(y)) {
      if (Number.isNaN(x) && Number.isNaN(y)) continue;
      return `[${i}]: ${x} vs ${y}`;
    }
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      if (x === y) continue;
      return `[${i}]: ${x} vs ${y}`;
    }
    if (!(Math.abs(x - y) <= rel * Math.max(Math.abs(x), Math.abs(y)) + abs)) return `[${i}]: ${x} vs ${y}`;
  }
  return undefined;
}
