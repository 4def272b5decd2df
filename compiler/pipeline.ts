// The compiler's pipeline, in order, each step a pure IR → IR function:
//   lower (compiler/lower.ts, per input signature)
//   → canonicalize → stabilize → specialize   (rewrite/phases.ts, before differentiating: the
//                                  gradient of a stable primitive is stable, the gradient of
//                                  exp(x)/Σexp(x) is not)
//   → differentiate               (autodiff.ts: the gradient is IR sharing the forward's nodes)
//   → canonicalize → stabilize → specialize again (on the joint value-and-gradient program)
//   → schedule (fusion)           (schedule.ts)
//   → generate JS                 (codegen/js.ts)
// Every phase's program can be printed (explain()).

import type { Graph, Node } from './ir.js';
import { gradients } from './autodiff.js';
import { runPhases, type RewriteEvent } from './rewrite/engine.js';
import { phases as rewritePhases } from './rewrite/phases.js';
import { schedule, type Schedule } from './schedule.js';
import { generateJs, type Dialect, type JsKernelSource } from './codegen/js.js';
import { printProgram } from './print.js';
import type { Lowered } from './lower.js';

export interface PipelineOptions {
  /** Inputs to differentiate with respect to; undefined: forward only. */
  wrt?: string[];
  /** An upstream gradient input (for a non-scalar value). */
  gradOutput?: boolean;
  stabilize?: boolean;
  /** 'float32' when every result is float32 (the code generator may use float32-accurate math). */
  dialect?: Dialect;
}

export const GRAD_OUTPUT = '$gradOutput';

export interface Program {
  graph: Graph;
  /** Generated-function inputs, in parameter order. */
  inputs: Node[];
  /** Results: the value first, then the gradient of each `wrt` input. */
  outputs: { label: string; node: Node }[];
  rewrites: RewriteEvent[];
  phases: { name: string; text: string }[];
  schedule: Schedule;
  js: JsKernelSource;
}

export function runPipeline(lowered: Lowered, opts: PipelineOptions): Program {
  const g = lowered.graph;
  const rewrites: RewriteEvent[] = [];
  const phases: { name: string; text: string }[] = [];
  // Printed only when explain() asks: printing every phase of every compiled signature would
  // cost more than compiling it (nodes are immutable, so printing later shows the same program).
  const snapshot = (name: string, results: [string, Node][]) => {
    let text: string | undefined;
    phases.push({
      name,
      get text() {
        return (text ??= printProgram(results));
      },
    });
  };
  const stable = opts.stabilize !== false;

  let root = lowered.root;
  snapshot('lowered', [['value', root]]);
  [root] = runPhases(g, [root], rewritePhases(stable), rewrites);
  snapshot(stable ? 'simplified and stabilized' : 'simplified', [['value', root]]);

  const inputs = [...lowered.inputs.values()];
  let outputs: { label: string; node: Node }[] = [{ label: 'value', node: root }];
  if (opts.wrt) {
    const seed = opts.gradOutput ? g.input(GRAD_OUTPUT, root.shape, 'float') : g.expand(g.const(1), root.shape);
    if (opts.gradOutput) inputs.push(seed);
    const wrtNodes = opts.wrt.map((name) => lowered.inputs.get(name)!);
    const grads = gradients(g, root, wrtNodes, seed);
    outputs.push(...opts.wrt.map((name) => ({ label: `grad ${name}`, node: grads.get(lowered.inputs.get(name)!)! })));
    snapshot('gradient', outputs.map((o) => [o.label, o.node]));
    const before = rewrites.length;
    const rewritten = runPhases(g, outputs.map((o) => o.node), rewritePhases(stable), rewrites);
    for (const e of rewrites.slice(before)) e.phase = `${e.phase} gradient`;
    outputs = outputs.map((o, i) => ({ label: o.label, node: rewritten[i]! }));
    snapshot('gradient, simplified', outputs.map((o) => [o.label, o.node]));
  }
  const sched = schedule(outputs.map((o) => o.node));
  // A symbolic program (export) writes its sizes as expressions of the dims.
  const sizes = g.symbolic;
  const js = generateJs(sched, inputs, outputs.map((o) => o.node), { dialect: opts.dialect, sizeText: sizes && ((v) => sizes.text(v)) });
  return { graph: g, inputs, outputs, rewrites, phases, schedule: sched, js };
}
