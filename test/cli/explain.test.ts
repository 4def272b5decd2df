// `lossc explain` and the REPL's `:explain` print one report (cli/explain.ts): the same text
// for the same formula and inputs, positions aside (the REPL counts columns of the typed line,
// after `:explain `). Without inputs both explain guessed example shapes.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { explainCommand, explainReport, explainSection } from '../../cli/explain.js';
import { Session } from '../../cli/repl/session.js';
import { compile } from '../../index.js';

async function cli(argv: string[]): Promise<string> {
  const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    expect(await explainCommand(argv)).toBe(0);
    return write.mock.calls.map((c) => String(c[0])).join('');
  } finally {
    write.mockRestore();
  }
}

/** The REPL's report with its columns moved back by the `:explain ` prefix. */
async function repl(s: Session, formula: string): Promise<string> {
  const r = await s.run(`:explain ${formula}`);
  expect(r.ok, r.output).toBe(true);
  return r.output.replace(/ at 1:(\d+)/g, (_m, c: string) => ` at 1:${Number(c) - ':explain '.length}`);
}

describe('lossc explain and :explain', () => {
  it('print the same report for the same inputs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lossc-explain-'));
    const inputs = join(dir, 'inputs.json');
    writeFileSync(inputs, JSON.stringify({ x: { shape: [2, 3], data: [1, 2, 3, 4, 5, 6] } }));
    const s = new Session();
    await s.run('x = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]');
    const formula = 'log(softmax(x, dim=1))';
    const fromCli = await cli(['-e', formula, '--inputs', inputs]);
    expect(fromCli).toMatch(/local_log\w* .* at 1:1\b/);
    expect(`${await repl(s, formula)}\n`).toBe(fromCli);
  });

  it('guess example shapes when no inputs are given', async () => {
    const s = new Session();
    const formula = 'log(1 + exp(z))';
    const fromCli = await cli(['-e', formula]);
    expect(fromCli).toContain('inputs: z float [2, 3]');
    const fromRepl = await repl(s, formula);
    expect(fromRepl.split('\n')[0]).toBe('(no binding for z: explained for example shapes)');
    expect(`${fromRepl.split('\n').slice(1).join('\n')}\n`).toBe(fromCli);
  });

  it('explain a loss of a file by name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lossc-explain-'));
    const file = join(dir, 'two.loss');
    writeFileSync(file, 'loss first(a) = mean(a)\nloss second(a, b) = mean(log(sigmoid(a - b)))\n');
    const out = await cli([file, '--loss', 'second']);
    expect(out.split('\n')[0]).toBe('loss second(a, b)');
    expect(out).toContain('softplus');
  });
});

describe('explainSection', () => {
  it('picks one section of the report', async () => {
    const report = await explainReport(compile('mean(x^2)'), { x: { data: [1, 2], shape: [2] } });
    const code = explainSection(report, 'generated')!;
    expect(code).toMatch(/^return function run\(/);
    expect(code).not.toContain('==');
    expect(explainSection(report, 'no such section')).toBeUndefined();
  });
});
