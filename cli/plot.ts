// lossc plot: an SVG chart of a scalar function of t — the formula compiled once and run on
// n samples of t in [from, to], its derivative from valueAndGrad — with axes, ticks, a legend
// and the formula as title. Free names other than t are compile-time values (--params).
// Writes to -o FILE (.svg) or stdout.

import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { diag } from '../grammar/diagnostics.js';
import { parseSource } from '../grammar/index.js';
import { LossError } from '../grammar/source.js';
import { compile } from '../index.js';
import { sampleCurves, PLOT_VARIABLE } from './chart/sample.js';
import { renderSvg } from './chart/svg.js';
import { parseParams, readSource } from './io.js';
import { findName } from './repl/session.js';

const USAGE = 'lossc plot -e FORMULA [--from A --to B] [--grad] [--samples N] [--params k=v …] [-o out.svg]';

function number(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v)) throw new LossError(diag('LD4105', undefined, `${USAGE} (--${name} needs a number, not '${raw}')`));
  return v;
}

export async function plotCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      expr: { type: 'string', short: 'e' },
      from: { type: 'string' },
      to: { type: 'string' },
      grad: { type: 'boolean', default: false },
      samples: { type: 'string', short: 'n' },
      params: { type: 'string', multiple: true, short: 'p' },
      output: { type: 'string', short: 'o' },
      width: { type: 'string' },
      height: { type: 'string' },
    },
  });
  if (values.expr === undefined || positionals.length) throw new LossError(diag('LD4105', undefined, USAGE));
  const src = readSource(values.expr, undefined);
  const from = number('from', values.from, -5);
  const to = number('to', values.to, 5);
  const samples = number('samples', values.samples, 401);
  if (!Number.isInteger(samples) || samples < 2 || samples > 100_000) throw new LossError(diag('LD4105', undefined, `${USAGE} (--samples between 2 and 100000)`));
  const width = number('width', values.width, 640);
  const height = number('height', values.height, 400);
  if (width < 200 || height < 150) throw new LossError(diag('LD4105', undefined, `${USAGE} (--width at least 200, --height at least 150)`));
  const out = values.output;
  if (out !== undefined && !/\.svg$/i.test(out)) throw new LossError(diag('LD4108', undefined, out, 'lossc plot writes SVG: name the output file *.svg'));

  const params = parseParams(values.params);
  const loss = compile(src.text, { params, sourceName: src.name });
  const unknown = loss.inputs.filter((n) => n !== PLOT_VARIABLE);
  if (unknown.length) {
    const body = parseSource(src.text, src.name).body!;
    throw new LossError(
      unknown.map((n) => diag('LD4107', findName(body, n)?.span, n, `: a plot is a function of ${PLOT_VARIABLE}; give ${n} a value with --params ${n}=VALUE`)),
      { text: src.text, name: src.name },
    );
  }
  const label = src.text.trim();
  const curves = await sampleCurves(loss, { from, to, samples, grad: values.grad, label });
  const svg = renderSvg(curves, { title: label, width, height });
  if (out === undefined) {
    process.stdout.write(svg);
    return 0;
  }
  try {
    writeFileSync(out, svg);
  } catch (e) {
    throw new LossError(diag('LD4108', undefined, out, (e as Error).message));
  }
  return 0;
}
