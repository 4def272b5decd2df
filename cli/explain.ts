// lossc explain: what the compiler made of a loss — rewrites applied, IR before and after,
// gradient formulas, loops and generated code — for given or example inputs. The report is
// CompiledLoss.explain()'s; the REPL's `:explain` and `:code` print it through the same two
// functions below, so the command line and the REPL always agree.

import { parseArgs } from 'node:util';
import { compile } from '../index.js';
import type { CompiledLoss } from '../runtime/compiled.js';
import type { TensorLike } from '../runtime/tensor.js';
import { parseParams, readInputs, readSource } from './io.js';

/** The full report; without inputs, explain() guesses small example shapes. */
export async function explainReport(loss: CompiledLoss, inputs?: Record<string, TensorLike>): Promise<string> {
  return await loss.explain(inputs);
}

/** One `== title ==` section of a report (the first whose title starts with `title`), without its heading. */
export function explainSection(report: string, title: string): string | undefined {
  const parts = report.split(/^== (.+) ==$/m);
  for (let i = 1; i < parts.length; i += 2) {
    if (parts[i]!.startsWith(title)) return parts[i + 1]!.replace(/^\n/, '').trimEnd();
  }
  return undefined;
}

export async function explainCommand(argv: string[]): Promise<number> {
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
  process.stdout.write(`${await explainReport(loss, inputs)}\n`);
  return 0;
}
