// Samples a scalar function of `t` for plotting: the formula is compiled once and run on a
// vector t of n evenly spaced samples (shape [n]); the derivative comes from valueAndGrad
// with gradOutput = ones, which is f'(t_i) at every sample because the formula acts on each
// t_i alone. Shared by `lossc plot` (SVG) and the REPL's `:plot` (terminal).

import { diag } from '../../grammar/diagnostics.js';
import { LossError } from '../../grammar/source.js';
import type { CompiledLoss } from '../../runtime/compiled.js';
import type { Tensor, TensorLike } from '../../runtime/tensor.js';

export interface Curve {
  label: string;
  t: Float64Array;
  y: Float64Array;
}

export interface SampleOptions {
  from: number;
  to: number;
  samples: number;
  grad: boolean;
  /** What the plot is called in messages (the formula). */
  label: string;
  /** Other inputs of the formula (REPL bindings), passed unchanged. */
  others?: Record<string, TensorLike>;
}

export const PLOT_VARIABLE = 't';

/** f(t) and, with `grad`, f'(t) on [from, to]. */
export async function sampleCurves(loss: CompiledLoss, o: SampleOptions): Promise<Curve[]> {
  const fail = (why: string): never => {
    throw new LossError(diag('LD4106', undefined, o.label, why));
  };
  if (!(o.from < o.to) || !Number.isFinite(o.from) || !Number.isFinite(o.to)) fail(`the range must be finite with from < to, not [${o.from}, ${o.to}]`);
  if (!loss.inputs.includes(PLOT_VARIABLE)) fail(`it does not use ${PLOT_VARIABLE}: write a function of ${PLOT_VARIABLE}, as t * tanh(softplus(t))`);
  const n = o.samples;
  const t = Float64Array.from({ length: n }, (_, i) => (i === n - 1 ? o.to : o.from + ((o.to - o.from) * i) / (n - 1)));
  const inputs: Record<string, TensorLike> = { ...o.others, [PLOT_VARIABLE]: { data: t, shape: [n] } };
  const checkShape = (v: Tensor): void => {
    if (v.shape.length !== 1 || v.shape[0] !== n) {
      fail(`its value has shape [${v.shape.join(', ')}], but a plot needs one value per sample of ${PLOT_VARIABLE} (shape [${n}]): plot an elementwise function of ${PLOT_VARIABLE}`);
    }
  };
  const f = (y: Tensor, label: string): Curve => ({ label, t, y: Float64Array.from(y.data) });
  if (!o.grad) {
    const value = await loss.forward(inputs);
    checkShape(value);
    return [f(value, 'f(t)')];
  }
  const forward = await loss.forward(inputs);
  checkShape(forward);
  const r = await loss.valueAndGrad(inputs, { wrt: [PLOT_VARIABLE], gradOutput: { data: new Float64Array(n).fill(1), shape: [n] } });
  return [f(r.value, 'f(t)'), f(r.grads[PLOT_VARIABLE]!, "f'(t)")];
}
