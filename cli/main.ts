// The `lossc` command: one entry per subcommand, each in its own module. Errors a user can
// cause print as the LossError report (position, source line, caret) on stderr, exit code 1.

import { LossError } from '../grammar/source.js';
import { evalCommand } from './eval.js';
import { explainCommand } from './explain.js';
import { listCommand } from './list.js';

export type Command = (argv: string[]) => Promise<number> | number;

const COMMANDS: Record<string, { run: Command; summary: string }> = {
  eval: { run: evalCommand, summary: 'lossc eval <file.loss | -e FORMULA> [--loss NAME] --inputs inputs.json [--grad] [--params k=v …]' },
  explain: { run: explainCommand, summary: 'lossc explain <file.loss | -e FORMULA> [--loss NAME] [--inputs inputs.json] [--params k=v …]' },
  list: { run: listCommand, summary: 'lossc list [NAME]   (the standard library: signatures and docs)' },
};

export function usage(): string {
  return ['usage:', ...Object.values(COMMANDS).map((c) => `  ${c.summary}`)].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
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
