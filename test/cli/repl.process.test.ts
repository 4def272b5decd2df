// `lossc repl` as a real process. Piped: golden transcripts (no prompt, no banner; --echo
// shows each input after the prompt), errors on stderr, exit code 1 after any error.
// In a terminal (tmux): tab completion, multi-line input, history kept across sessions.
// Runs dist/ (npm test builds it first).

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Session } from '../../cli/repl/session.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'bin', 'lossc.js');

function repl(input: string, args: string[] = [], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [bin, 'repl', ...args], { input, encoding: 'utf8', cwd: root, env: { ...process.env, LOSSC_HISTORY: '', ...env }, timeout: 60_000 });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

/** stdout and stderr as one stream, in order (pipes are written synchronously on Linux). */
function transcript(input: string, args: string[] = []) {
  const r = spawnSync('sh', ['-c', `"${process.execPath}" "${bin}" repl ${args.join(' ')} 2>&1`], { input, encoding: 'utf8', cwd: root, env: { ...process.env, LOSSC_HISTORY: '' }, timeout: 60_000 });
  return { out: r.stdout, status: r.status };
}

beforeAll(() => {
  if (!existsSync(join(root, 'dist', 'cli', 'repl', 'index.js'))) throw new Error('dist/ is missing: run npm run build first');
});

describe('piped stdin', () => {
  it('prints results only: the cross-entropy and gradient of the tour', () => {
    const r = repl('x = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]\ny = [2, 0]\ncross_entropy(x, y)\n:grad mean(x^2) wrt x\n');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(
      [
        'tensor(1.4076, dtype=float64)',
        'value = tensor(15.1667, dtype=float64)',
        'grad x = tensor([[0.3333, 0.6667, 1.0000],',
        '                 [1.3333, 1.6667, 2.0000]], shape=[2, 3], dtype=float64)',
        '',
      ].join('\n'),
    );
  });

  it('--echo gives a transcript that reads like a session (golden)', () => {
    const input = [
      'x = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]',
      'y = [2, 0]',
      'cross_entropy(x, y)',
      'mse_loss(x, 2 * x, reduction="sum")',
      'def scaled(a, s) = s * a',
      'mean(scaled(x, 0.5) ^ 2)',
      ':grad mean(x^2) wrt x',
      'mean(x) + z',
      'sum(x,',
      '    dim=1)',
      ':quit',
      'x',
      '',
    ].join('\n');
    const r = transcript(input, ['--echo']);
    expect(r.out).toBe(
      [
        'lossc> x = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]',
        'lossc> y = [2, 0]',
        'lossc> cross_entropy(x, y)',
        'tensor(1.4076, dtype=float64)',
        'lossc> mse_loss(x, 2 * x, reduction="sum")',
        'tensor(91., dtype=float64)',
        'lossc> def scaled(a, s) = s * a',
        'lossc> mean(scaled(x, 0.5) ^ 2)',
        'tensor(3.7917, dtype=float64)',
        'lossc> :grad mean(x^2) wrt x',
        'value = tensor(15.1667, dtype=float64)',
        'grad x = tensor([[0.3333, 0.6667, 1.0000],',
        '                 [1.3333, 1.6667, 2.0000]], shape=[2, 3], dtype=float64)',
        'lossc> mean(x) + z',
        "<repl>:1:11: error LD4107: Unknown name 'z' (bindings: x, y)",
        '1 | mean(x) + z',
        '              ^',
        'lossc> sum(x,',
        '......     dim=1)',
        'tensor([ 6., 15.], shape=[2], dtype=float64)',
        'lossc> :quit',
        '',
      ].join('\n'),
    );
    // One input failed: a script can tell.
    expect(r.status).toBe(1);
  });

  it('errors go to stderr and the session goes on; an unfinished input at the end is reported', () => {
    const r = repl('x = [1.0, 2.0]\nmean(nope)\nmean(x)\nsum(x,\n');
    expect(r.stdout).toBe('tensor(1.5000, dtype=float64)\n');
    expect(r.stderr).toContain("<repl>:1:6: error LD4107: Unknown name 'nope' (bindings: x)\n1 | mean(nope)\n         ^^^^\n");
    expect(r.stderr).toMatch(/<repl>:1:\d+: error LD1004: .*\n1 \| sum\(x,/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.status).toBe(1);
  });

  it('--seed N replays the session of that seed', async () => {
    const s = new Session({ seed: 5 });
    const expected = (await s.run('randn(3)')).output;
    expect(repl('randn(3)\n', ['--seed', '5']).stdout).toBe(`${expected}\n`);
  });
});

// ---------------------------------------------------------------------------------------------
// In a terminal, through tmux (installed by .ci/run).

const hasTmux = spawnSync('tmux', ['-V']).status === 0;

describe.skipIf(!hasTmux && !process.env.CI)('in a terminal (tmux)', () => {
  const socket = `lossc-test-${process.pid}`;
  const dir = mkdtempSync(join(tmpdir(), 'lossc-tty-'));
  const history = join(dir, 'history');
  const tmux = (...args: string[]) => spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
  const screen = () => tmux('capture-pane', '-p', '-t', 'repl').stdout;

  async function waitFor(pattern: RegExp | string, timeoutMs = 15_000): Promise<string> {
    const start = Date.now();
    for (;;) {
      const s = screen();
      if (typeof pattern === 'string' ? s.includes(pattern) : pattern.test(s)) return s;
      if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${String(pattern)}; screen:\n${s}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  function start(): void {
    const cmd = `cd "${root}" && LOSSC_HISTORY="${history}" NO_COLOR=1 "${process.execPath}" bin/lossc.js repl`;
    const r = tmux('new-session', '-d', '-s', 'repl', '-x', '100', '-y', '40', cmd);
    expect(r.status, r.stderr).toBe(0);
  }

  afterAll(() => {
    tmux('kill-server');
  });

  it('completes names with Tab, continues an open bracket, and keeps history across sessions', async () => {
    start();
    await waitFor('lossc>');
    tmux('send-keys', '-t', 'repl', 'x = [[1.0, 2.0], [3.0, 4.0]]', 'Enter');
    // "mse_l" + Tab completes to the one stdlib loss of that name.
    tmux('send-keys', '-t', 'repl', 'mse_l', 'Tab');
    await waitFor('lossc> mse_loss');
    tmux('send-keys', '-t', 'repl', '(x, 2 * x)', 'Enter');
    await waitFor('tensor(7.5000, dtype=float64)');
    // An open parenthesis continues on the next line.
    tmux('send-keys', '-t', 'repl', 'sum(x,', 'Enter');
    await waitFor(/^\.{6}\s*$/m);
    tmux('send-keys', '-t', 'repl', '    dim=0)', 'Enter');
    await waitFor('tensor([4., 6.], shape=[2], dtype=float64)');
    // Ctrl-C drops an unfinished input; the next one starts afresh.
    tmux('send-keys', '-t', 'repl', 'sum(x,', 'Enter');
    await waitFor(/^\.{6}\s*$/m);
    tmux('send-keys', '-t', 'repl', 'C-c');
    await waitFor(/^\.{6}\s*\nlossc>\s*$/m);
    tmux('send-keys', '-t', 'repl', 'mean(x)', 'Enter');
    await waitFor('tensor(2.5000, dtype=float64)');
    // Completion lists every candidate on a second Tab.
    tmux('send-keys', '-t', 'repl', 'log_', 'Tab');
    await new Promise((r) => setTimeout(r, 300));
    tmux('send-keys', '-t', 'repl', 'Tab');
    const listed = await waitFor(/log_softmax/);
    expect(listed).not.toMatch(/\bexp\b.*log_softmax/); // only names that start with log_
    tmux('send-keys', '-t', 'repl', 'C-u', ':quit', 'Enter');
    await waitForExit();
    const saved = readFileSync(history, 'utf8');
    expect(saved).toContain('mse_loss(x, 2 * x)\n');
    expect(saved).toContain(':quit\n');

    // A new session recalls the last inputs with the Up key.
    start();
    await waitFor('lossc>');
    tmux('send-keys', '-t', 'repl', 'Up', 'Up');
    await waitFor(/^lossc> mean\(x\)$/m); // :quit, then the input before it
    tmux('send-keys', '-t', 'repl', 'C-u', 'C-d');
    await waitForExit();
  });

  async function waitForExit(timeoutMs = 15_000): Promise<void> {
    const startAt = Date.now();
    while (tmux('has-session', '-t', 'repl').status === 0) {
      if (Date.now() - startAt > timeoutMs) throw new Error(`the REPL did not exit; screen:\n${screen()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
});
