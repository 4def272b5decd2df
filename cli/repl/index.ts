// lossc repl: the session (session.ts) behind a readline prompt.
//
// In a terminal: a banner, the prompt `lossc> ` (`...... ` while an input continues), tab
// completion, colors in plots, history kept across sessions in ~/.lossc_history (or the file
// LOSSC_HISTORY names; LOSSC_HISTORY= turns it off), Ctrl-C drops the current input, Ctrl-D
// or :quit leaves.
// Piped (stdin not a terminal): no banner, no prompt, no history, no colors, so the output is
// exactly the results, one block per input — a clean transcript. `--echo` prints each input
// after the prompt first, for transcripts that read like a session. Results go to stdout and
// errors to stderr (use 2>&1 for one stream); the exit code is 1 if any input failed.

import { readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { completer, needsMore } from './complete.js';
import { Session } from './session.js';

const PROMPT = 'lossc> ';
const MORE = '...... ';
const HISTORY_SIZE = 1000;

export function historyPath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.LOSSC_HISTORY !== undefined) return env.LOSSC_HISTORY || undefined;
  return join(homedir(), '.lossc_history');
}

/** Newest first, as readline wants it; a missing or unreadable file is an empty history. */
function loadHistory(path: string | undefined): string[] {
  if (!path) return [];
  try {
    return readFileSync(path, 'utf8').split('\n').filter(Boolean).slice(-HISTORY_SIZE).reverse();
  } catch {
    return [];
  }
}

export async function replCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      echo: { type: 'boolean', default: false },
      seed: { type: 'string' },
    },
  });
  const seed = values.seed === undefined ? 0 : Number(values.seed);
  if (!Number.isInteger(seed)) {
    process.stderr.write(`lossc repl: --seed needs an integer, not '${values.seed}'\n`);
    return 1;
  }
  const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY);
  const session = new Session({ seed, color: interactive && !process.env.NO_COLOR, columns: process.stdout.columns });
  const history = interactive ? historyPath() : undefined;
  const rl = createInterface({
    input: process.stdin,
    output: interactive ? process.stdout : undefined,
    terminal: interactive,
    completer: interactive ? completer(session) : undefined,
    history: loadHistory(history),
    historySize: HISTORY_SIZE,
    removeHistoryDuplicates: true,
    prompt: PROMPT,
  });
  let historyFailed = false;
  if (history) {
    rl.on('history', (h: string[]) => {
      try {
        writeFileSync(history, `${[...h].reverse().join('\n')}\n`, { mode: 0o600 });
      } catch (e) {
        // Say it once; the session itself is unaffected.
        if (!historyFailed) process.stderr.write(`lossc repl: cannot save history to ${history}: ${(e as Error).message}\n`);
        historyFailed = true;
      }
    });
  }
  let buffer: string[] = [];
  if (interactive) {
    rl.on('SIGINT', () => {
      // With nothing typed, Ctrl-C is probably an attempt to leave: say how.
      const typed = buffer.length > 0 || rl.line.length > 0;
      rl.write(null, { ctrl: true, name: 'u' });
      process.stdout.write(typed ? '\n' : '\n(to leave, press Ctrl-D or type :quit)\n');
      buffer = [];
      rl.setPrompt(PROMPT);
      rl.prompt();
    });
    process.stdout.write('lossc repl: formulas over tensors you bind (x = randn(3, 5)). :help lists commands, :quit leaves.\n');
    rl.prompt();
  }
  let failures = 0;
  const submit = async (input: string): Promise<boolean> => {
    if (values.echo) process.stdout.write(`${input.split('\n').map((l, i) => (i ? MORE : PROMPT) + l).join('\n')}\n`);
    const r = await session.run(input);
    if (r.output) (r.ok ? process.stdout : process.stderr).write(`${r.output}\n`);
    if (!r.ok) failures++;
    return !r.quit;
  };
  let going = true;
  for await (const line of rl) {
    buffer.push(line);
    const input = buffer.join('\n');
    if (needsMore(input)) {
      rl.setPrompt(MORE);
      if (interactive) rl.prompt();
      continue;
    }
    buffer = [];
    going = await submit(input);
    if (!going) break;
    rl.setPrompt(PROMPT);
    if (interactive) rl.prompt();
  }
  // End of input inside an unfinished input: evaluate it, so its error is reported.
  if (going && buffer.length) await submit(buffer.join('\n'));
  rl.close();
  if (interactive) process.stdout.write('\n');
  return interactive ? 0 : failures ? 1 : 0;
}

