// Tab completion and line continuation of the REPL, as functions (the terminal itself is
// exercised through tmux in repl.process.test.ts).

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { completer, needsMore } from '../../cli/repl/complete.js';
import { Session } from '../../cli/repl/session.js';

describe('completion', () => {
  it('offers bindings, definitions, constructors, built-ins, prelude, stdlib and keywords', async () => {
    const s = new Session();
    await s.run('logits = randn(2, 3)');
    await s.run('def logistic_(a) = sigmoid(a)');
    const complete = completer(s);
    const [hits, word] = complete('mean(log');
    expect(word).toBe('log');
    expect(hits).toEqual(expect.arrayContaining(['log', 'log1p', 'log_softmax', 'logsumexp', 'logits', 'logistic_']));
    expect(hits.every((h) => h.startsWith('log'))).toBe(true);
    expect(complete('x = ran')[0]).toEqual(['rand', 'randint', 'randn', 'rank']);
    expect(complete('mse_l')[0]).toEqual(['mse_loss']);
    expect(complete('cosine_sim')[0]).toEqual(['cosine_similarity']);
    expect(complete('if x th')[0]).toEqual(['then']);
    expect(complete('x + ')).toEqual([[], '']);
  });

  it('offers commands at the start of a line, and .loss files after :load', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lossc-complete-'));
    mkdirSync(join(dir, 'losses'));
    writeFileSync(join(dir, 'losses', 'focal.loss'), '');
    writeFileSync(join(dir, 'losses', 'notes.txt'), '');
    writeFileSync(join(dir, 'local.loss'), '');
    const complete = completer(new Session({ cwd: dir }));
    expect(complete(':g')).toEqual([[':grad'], ':g']);
    expect(complete(':')[0]).toContain(':explain');
    expect(complete(':load ')[0]).toEqual(['local.loss', 'losses/']);
    expect(complete(':load losses/')).toEqual([['losses/focal.loss'], 'losses/']);
    expect(complete(':load losses/f')).toEqual([['losses/focal.loss'], 'losses/f']);
    expect(complete(':load nowhere/')).toEqual([[], 'nowhere/']);
  });
});

describe('continuation', () => {
  it.each([
    ['sum(x,', true],
    ['[[1.0, 2.0],', true],
    ['mean(x) +', true],
    ['def f(a) =', true],
    ['x = ', true],
    [':grad mean((x', true],
    ['sum(x)', false],
    ['x = [1.0, 2.0]', false],
    ['sum(x)) +', false],
    ['sum(x) # (unclosed in a comment', false],
    ['f("(")', false],
    [':plot t -5 5', false],
    [':plot t -5 5 --grad', false],
    [':grad x * 2 wrt x', false],
    ['sum(x,\n  dim=1)', false],
  ])('%j continues: %s', (text, more) => {
    expect(needsMore(text)).toBe(more);
  });
});
