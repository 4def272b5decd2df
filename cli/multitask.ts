// lossc multitask: a multi-task loss balanced by inverse gradient norms (runtime/multitask.ts),
// described by a JSON spec. Each task is a stdlib loss, a formula or a loss of a .loss file;
// the weights are measured at the reference batches (default: the inputs), then the weighted
// sum and its gradients are evaluated at the inputs. Output is JSON on stdout.
//
//   { "shared": ["W"], "scale": 1, "min_norm": 1e-12,
//     "tasks": [ { "name": "cls", "stdlib": "cross_entropy", "options": { "label_smoothing": 0.1 } },
//                { "name": "reg", "formula": "mse_loss(x @ W, y)", "params": {} },
//                { "name": "aux", "file": "aux.loss", "loss": "aux", "options": {} } ],
//     "inputs": { "shared": { "W": {shape, data} }, "tasks": [ { … }, { … }, { … } ] },
//     "reference": [ { "shared": …, "tasks": […] }, … ] }

import { parseArgs } from 'node:util';
import { dirname, resolve } from 'node:path';
import { compile, stdlib, LossError, type CompiledLoss } from '../index.js';
import { diag } from '../grammar/diagnostics.js';
import { MultiTaskLoss, type MultiTaskInputs, type Task } from '../runtime/multitask.js';
import { readInputs, readSource, tensorJson } from './io.js';

type Options = Record<string, number | string | boolean>;

interface TaskSpec {
  name?: string;
  stdlib?: string;
  formula?: string;
  file?: string;
  loss?: string;
  options?: Options;
  params?: Options;
}

interface Spec {
  shared: string[];
  scale?: number;
  min_norm?: number;
  tasks: TaskSpec[];
  inputs: MultiTaskInputs;
  reference?: MultiTaskInputs[];
}

const bad = (what: string): never => {
  throw new LossError(diag('LD4001', undefined, what));
};

function taskOf(t: TaskSpec, base: string, i: number): Task {
  if (typeof t !== 'object' || t === null) return bad(`task ${i} to be an object`);
  const kinds = (['stdlib', 'formula', 'file'] as const).filter((k) => t[k] !== undefined);
  if (kinds.length !== 1) return bad(`task ${i} to have exactly one of "stdlib", "formula" or "file"`);
  let loss: CompiledLoss;
  if (t.stdlib !== undefined) {
    const make = stdlib[t.stdlib];
    if (!make) throw new LossError(diag('LD2040', undefined, t.stdlib, Object.keys(stdlib).join(', ')));
    loss = make(t.options ?? {});
  } else if (t.formula !== undefined) {
    loss = compile(t.formula, { params: t.params ?? {} });
  } else {
    const src = readSource(undefined, resolve(base, t.file!));
    loss = compile(src.text, { loss: t.loss, params: t.options ?? {}, sourceName: t.file });
  }
  return { loss, name: t.name };
}

export async function multitaskCommand(argv: string[]): Promise<number> {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, options: {} });
  const path = positionals[0] ?? bad('a spec file: lossc multitask spec.json (see docs/stdlib.md)');
  const spec = readInputs(path) as unknown as Spec;
  if (!Array.isArray(spec.tasks)) bad('"tasks": a list of tasks in the spec');
  if (!Array.isArray(spec.shared)) bad('"shared": the names of the shared parameters in the spec');
  if (typeof spec.inputs !== 'object' || spec.inputs === null) bad('"inputs": { "shared": {…}, "tasks": [{…}, …] } in the spec');
  const base = path === '-' || path.trim().startsWith('{') ? process.cwd() : dirname(resolve(path));
  const tasks = spec.tasks.map((t, i) => taskOf(t, base, i));
  const m = new MultiTaskLoss(tasks, { shared: spec.shared, scale: spec.scale, minNorm: spec.min_norm });
  await m.rebalance(spec.reference ?? spec.inputs);
  const r = await m.valueAndGrad(spec.inputs);
  const out = {
    tasks: m.names,
    norms: m.norms,
    weights: r.weights,
    losses: r.losses,
    value: r.value,
    grads: Object.fromEntries(Object.entries(r.grads).map(([k, g]) => [k, tensorJson(g)])),
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
  return 0;
}
