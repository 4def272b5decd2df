// The `lossc` command: one entry per subcommand, each in its own module. Errors a user can
// cause print as the LossError report (position, source line, caret) on stderr, exit code 1.

import { LossError } from '../grammar/source.js';
import { evalCommand } from './eval.js';
import { compileCommand } from './compile.js';
import { explainCommand } from './explain.js';
import { listCommand } from './list.js';
import { benchCommand } from './bench.js';
import { multitaskCommand } from './multitask.js';
import { plotCommand } from './plot.js';
import { replCommand } from './repl/index.js';

export type Command = (argv: string[]) => Promise<number> | number;

const COMMANDS: Record<string, { run: Command; summary: string }> = {
  eval: { run: evalCommand, summary: 'lossc eval <file.loss | -e FORMULA> [--loss NAME] --inputs inputs.json [--grad] [--check] [--params k=v …]' },
  compile: { run: compileCommand, summary: 'lossc compile <file.loss | -e FORMULA | --stdlib NAME> [--loss NAME] [--params k=v …] [--shape name=N,C[:int] …] [-o out.ts] [--target ts|js|dts] [--backend js|gpu.js]' },
  explain: { run: explainCommand, summary: 'lossc explain <file.loss | -e FORMULA> [--loss NAME] [--inputs inputs.json] [--params k=v …]' },
  list: { run: listCommand, summary: 'lossc list [NAME]   (the standard library: signatures and docs)' },
  bench: { run: benchCommand, summary: 'lossc bench   (W1–W8 against a hand-written loop, TensorFlow.js, gpu.js and PyTorch; from a source checkout)' },
  multitask: { run: multitaskCommand, summary: 'lossc multitask spec.json   (tasks weighted by inverse gradient norms; see docs/stdlib.md)' },
  repl: { run: replCommand, summary: 'lossc repl [--echo] [--seed N]   (interactive: bind tensors, evaluate formulas, :help)' },
  plot: { run: plotCommand, summary: 'lossc plot -e FORMULA [--from A --to B] [--grad] [--params k=v …] [-o out.svg]' },
};

export function usage(): string {
  return ['usage:', ...Object.values(COMMANDS).map((c) => `  ${c.summary}`)].join('\n');
}

/**
 * node:util parseArgs refuses an option value that starts with '-' (`-e "-mean(x)"`,
 * `--from -5`): join such values to their option as `--expr=-mean(x)` first.
 */
export function joinDashValues(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = argv[i + 1];
    const long = a === '-e' ? '--expr' : a;
    const takesAnything = long === '--expr';
    const takesNumber = ['--from', '--to', '--params', '-p'].includes(long) && next !== undefined && /^-(\d|\.\d|inf)/.test(next);
    if (next !== undefined && next.startsWith('-') && (takesAnything || takesNumber)) {
      out.push(`${long === '-p' ? '--params' : long}=${next}`);
      i++;
    } else {
      out.push(a);
    }
  }
  return out;
}

/**
 * `--params s=16 m=0.3`: the values after a key=value option are more of them (parseArgs
 * would take `m=0.3` for a positional argument): `--params s=16 --params m=0.3`.
 */
export function spreadKeyValues(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    out.push(a);
    const option = ['--params', '-p', '--shape'].includes(a) ? a : /^(--params|--shape)=/.test(a) ? a.slice(0, a.indexOf('=')) : undefined;
    if (option === undefined) continue;
    if (option === a && i + 1 < argv.length) out.push(argv[++i]!); // the option's own value
    while (i + 1 < argv.length && !argv[i + 1]!.startsWith('-') && /^[^=]+=/.test(argv[i + 1]!)) out.push(option, argv[++i]!);
  }
  return out;
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = spreadKeyValues(joinDashValues(argv));
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    process.stdout.write(`${usage()}\n`);
    return cmd ? 0 : 1;
  }
  const c = COMMANDS[cmd];
  if (!c) {
    process.stderr.write(`lossc: unknown command '${cmd}'\n${usage()}\n`);
    return 1;
  }
  try {
    return await c.run(rest);
  } catch (e) {
    if (e instanceof LossError) {
      process.stderr.write(`${e.message}\n`);
      return 1;
    }
    if (e instanceof Error && (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`lossc ${cmd}: ${e.message}\n${usage()}\n`);
      return 1;
    }
    throw e;
  }
}
