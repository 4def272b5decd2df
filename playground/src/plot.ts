// The plot panel: f(t) and f'(t) of a scalar formula of `t`, sampled through the library (so
// the derivative is the compiler's own gradient) and drawn as SVG by the same chart module as
// `lossc plot` (cli/chart: pure string building, no Node APIs).

import type { CompiledLoss } from '../../index.js';
import { sampleCurves } from '../../cli/chart/sample.js';
import { renderSvg } from '../../cli/chart/svg.js';

export const PLOT_SAMPLES = 201;

/** The SVG document text for `loss` over [from, to]; raises LossError for a formula that is not a function of t. */
export async function plotSvg(loss: CompiledLoss, formula: string, from: number, to: number): Promise<string> {
  const curves = await sampleCurves(loss, { from, to, samples: PLOT_SAMPLES, grad: true, label: formula });
  return renderSvg(curves, { title: formula, width: 640, height: 360 });
}
