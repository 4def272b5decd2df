// lossc explain: what the compiler made of a loss — rewrites applied, IR before and after,
// gradient formulas, loops and generated code — for given or example inputs.

import { parseArgs } from 'node:util';
import { compile } from '../index.js';
import { parseParams, readInputs, readSource } from './io.js';

export function explainCommand(argv: string[]): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      expr: { type: 'string', short: 'e' },
      loss: { type: 'string' },
      inputs: { type: 'string', short: 'i' },
      params: { type: 'string', multiple: true, short: 'p' },
      'no-stabilize': { type: 'boolean', default: false },
    },
  });
  const src = readSource(values.expr, positionals[0]);
  const loss = compile(src.text, { loss: values.loss, params: parseParams(values.params), stabilize: !values['no-stabilize'], sourceName: src.name });
  const inputs = values.inputs ? readInputs(values.inputs) : undefined;
  process.stdout.write(`${loss.explain(inputs)}\n`);
  return 0;
}
