// Multi-task losses balanced by inverse gradient magnitude (loss-spec section 10):
//   L = sum_i w_i L_i,   w_i = scale / max(G_i, minNorm),   G_i = |grad_theta L_i|_2
// where theta are the parameters the tasks share (inputs of the same name in every task) and
// G_i is measured at a reference point, averaged over the batches given. The weights are then
// constants: they are not differentiated, and change only when rebalance() measures again (the
// "weigh once near convergence" procedure; GradNorm-style schemes reweigh every step instead).
// Works on any compiled loss, the gpu.js back end's promises included.

import { LossError } from '../grammar/source.js';
import { diag } from '../grammar/diagnostics.js';
import type { CompiledLoss, ValueAndGrad } from './compiled.js';
import { normalizeInput, type Tensor, type TensorLike } from './tensor.js';

export interface Task {
  /** A scalar loss (reduction "mean" or "sum"): stdlib.<name>(…) or compile(…). */
  loss: CompiledLoss;
  /** For reports; default the loss's name. */
  name?: string;
}

export interface MultiTaskOptions {
  /** The shared parameters: inputs every task has, by the same name. */
  shared: string[];
  /** The scalar c of w_i = c / G_i (default 1). */
  scale?: number;
  /** Floor of G_i, so a task whose gradient vanishes gets a large but finite weight (default 1e-12). */
  minNorm?: number;
}

/** One point: the shared parameters once, and each task's other inputs (data, targets, heads). */
export interface MultiTaskInputs {
  shared: Record<string, TensorLike>;
  tasks: Record<string, TensorLike>[];
}

export interface MultiTaskResult {
  /** sum_i w_i L_i */
  value: number;
  /** Each task's own loss L_i. */
  losses: number[];
  weights: number[];
  /** sum_i w_i grad L_i for each shared parameter. */
  grads: Record<string, Tensor>;
  /** w_i grad L_i for each task's own float inputs. */
  taskGrads: Record<string, Tensor>[];
}

export class MultiTaskLoss {
  readonly names: string[];
  /** G_i at the last reference point. */
  norms: number[] = [];
  /** w_i = scale / max(G_i, minNorm). */
  weights: number[] = [];
  private readonly scale: number;
  private readonly minNorm: number;

  constructor(
    readonly tasks: Task[],
    private readonly options: MultiTaskOptions,
  ) {
    if (!Array.isArray(tasks) || tasks.length === 0) throw new LossError(diag('LD3062', undefined, 'give at least one task'));
    this.names = tasks.map((t, i) => t.name ?? `${t.loss.name}#${i}`);
    this.scale = options.scale ?? 1;
    this.minNorm = options.minNorm ?? 1e-12;
    if (!(this.scale > 0) || !Number.isFinite(this.scale)) throw new LossError(diag('LD3062', undefined, `scale must be a positive number, not ${this.scale}`));
    if (!(this.minNorm > 0)) throw new LossError(diag('LD3062', undefined, `minNorm must be positive, not ${this.minNorm}`));
    if (!Array.isArray(options.shared) || options.shared.length === 0) throw new LossError(diag('LD3062', undefined, 'name at least one shared parameter'));
    tasks.forEach((t, i) => {
      for (const s of options.shared) {
        if (!t.loss.inputs.includes(s)) throw new LossError(diag('LD3062', undefined, `task ${this.names[i]} has no input '${s}' (its inputs: ${t.loss.inputs.join(', ')})`));
      }
    });
  }

  /** Measures G_i at one point or averaged over several batches, and sets the weights from them. */
  async rebalance(reference: MultiTaskInputs | MultiTaskInputs[]): Promise<number[]> {
    const batches = Array.isArray(reference) ? reference : [reference];
    if (batches.length === 0) throw new LossError(diag('LD3062', undefined, 'rebalance needs at least one batch'));
    const sums = this.tasks.map(() => 0);
    for (const batch of batches) {
      const results = await this.evaluate(batch);
      results.forEach((r, i) => {
        let sq = 0;
        for (const s of this.options.shared) for (const v of r.grads[s]!.data) sq += v * v;
        sums[i]! += Math.sqrt(sq);
      });
    }
    this.norms = sums.map((s) => s / batches.length);
    this.weights = this.norms.map((g) => this.scale / Math.max(g, this.minNorm));
    return this.weights;
  }

  /** The weighted sum and its gradients at a point, with the weights of the last rebalance(). */
  async valueAndGrad(inputs: MultiTaskInputs): Promise<MultiTaskResult> {
    if (this.weights.length !== this.tasks.length) throw new LossError(diag('LD3062', undefined, 'measure the weights first: await rebalance(referenceInputs)'));
    const results = await this.evaluate(inputs);
    const losses = results.map((r) => r.value.data[0]!);
    const value = losses.reduce((acc, l, i) => acc + this.weights[i]! * l, 0);
    const grads: Record<string, Tensor> = {};
    for (const s of this.options.shared) {
      const first = results[0]!.grads[s]!;
      const sum = new Float64Array(first.data.length);
      results.forEach((r, i) => r.grads[s]!.data.forEach((v, k) => (sum[k]! += this.weights[i]! * v)));
      grads[s] = { data: first.data instanceof Float32Array ? Float32Array.from(sum) : sum, shape: [...first.shape] };
    }
    const taskGrads = results.map((r, i) =>
      Object.fromEntries(
        Object.entries(r.grads)
          .filter(([k]) => !this.options.shared.includes(k))
          .map(([k, g]) => [k, { data: g.data.map((v) => this.weights[i]! * v), shape: [...g.shape] } as Tensor]),
      ),
    );
    return { value, losses, weights: [...this.weights], grads, taskGrads };
  }

  /** Each task's value and gradients (shared parameters and its own float inputs). */
  private async evaluate(inputs: MultiTaskInputs): Promise<ValueAndGrad[]> {
    if (typeof inputs !== 'object' || inputs === null || typeof inputs.shared !== 'object' || !Array.isArray(inputs.tasks)) {
      throw new LossError(diag('LD3062', undefined, 'inputs must be { shared: { name: tensor }, tasks: [{ name: tensor }, …] }'));
    }
    if (inputs.tasks.length !== this.tasks.length) throw new LossError(diag('LD3062', undefined, `inputs give ${inputs.tasks.length} tasks' inputs for ${this.tasks.length} tasks`));
    for (const s of this.options.shared) if (inputs.shared[s] === undefined) throw new LossError(diag('LD3001', undefined, s));
    const out: ValueAndGrad[] = [];
    for (let i = 0; i < this.tasks.length; i++) {
      const own = inputs.tasks[i] ?? {};
      for (const s of this.options.shared) {
        if (own[s] !== undefined) throw new LossError(diag('LD3062', undefined, `'${s}' is shared: give it once, in inputs.shared, not in task ${this.names[i]}'s inputs`));
      }
      const all = { ...own, ...inputs.shared };
      const wrt = this.tasks[i]!.loss.inputs.filter((n) => all[n] !== undefined && normalizeInput(n, all[n]).dtype !== 'int32');
      const r = await this.tasks[i]!.loss.valueAndGrad(all, { wrt });
      if (r.value.shape.length !== 0) {
        throw new LossError(diag('LD3062', undefined, `task ${this.names[i]} gives a value of shape [${r.value.shape.join(', ')}]: a task loss must be a scalar (reduction "mean" or "sum")`));
      }
      out.push(r);
    }
    return out;
  }
}

/**
 * A multi-task loss weighted by inverse gradient norms measured at `reference` (one point, or
 * several batches to average over): `await combine(tasks, reference, { shared: ['W'] })`.
 */
export async function combine(tasks: Task[], reference: MultiTaskInputs | MultiTaskInputs[], options: MultiTaskOptions): Promise<MultiTaskLoss> {
  const m = new MultiTaskLoss(tasks, options);
  await m.rebalance(reference);
  return m;
}
