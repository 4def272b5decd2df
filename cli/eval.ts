// lossc eval: compile a formula or a .loss file, run it on JSON inputs, print JSON.

import { parseArgs } from 'node:util';
import { compile } from '../index.js';
import type { Tensor } from '../runtime/tensor.js';
import { parseParams, readInputs, readSource, tensorJson } from './io.js';

export function evalCommand(argv: string[]): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      expr: { type: 'string', short: 'e' },
      loss: { type: 'string' },
      inputs: { type: 'string', short: 'i' },
      grad: { type: 'boolean', default: false },
      wrt: { type: 'string', multiple: true },
      backend: { type: 'string', default: 'js' },
      params: { type: 'string', multiple: true, short: 'p' },
      'no-stabilize': { type: 'boolean', default: false },
      // Anomaly mode: a NaN/Inf in the value or a gradient stops with the op, position and rows.
      check: { type: 'boolean', default: false },
    },
  });
  const src = readSource(values.expr, positionals[0]);
  const loss = compile(src.text, {
    loss: values.loss,
    params: parseParams(values.params),
    backend: values.backend as 'js',
    stabilize: !values['no-stabilize'],
    detectAnomaly: values.check,
    sourceName: src.name,
  });
  const inputs = readInputs(values.inputs);
  let out: { value: ReturnType<typeof tensorJson>; grads?: Record<string, ReturnType<typeof tensorJson>> };
  if (values.grad) {
    const r = loss.valueAndGrad(inputs, values.wrt ? { wrt: values.wrt.flatMap((w) => w.split(',')) } : {});
    out = { value: tensorJson(r.value), grads: Object.fromEntries(Object.entries(r.grads).map(([k, g]) => [k, tensorJson(g)])) };
  } else {
    out = { value: tensorJson(loss.forward(inputs) as Tensor) };
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
  return 0;
}
