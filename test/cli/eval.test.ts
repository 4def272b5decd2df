// lossc eval end to end through the built CLI (dist/, made by `npm run build`, which
// `npm test` runs first): JSON in, JSON out, errors on stderr with a caret and exit code 1.

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'lossc.js');
const run = (args: string[], input?: string) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', input });

const inputs = JSON.stringify({
  a: { shape: [2, 2], data: [1, 2, 3, 4] },
  p: { shape: [2, 2], data: [1, 2, 3, 5] },
  n: { shape: [2, 2], data: [0, 0, 3, 3] },
});

describe('lossc eval', () => {
  it('computes a value and its gradient as JSON', () => {
    const r = run(['eval', '-e', 'mean(max(0, d(a, p) - d(a, n) + margin))', '--params', 'margin=0.5', '--inputs', inputs, '--grad']);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.value).toEqual({ shape: [], data: [0.25] });
    expect(out.grads.a).toEqual({ shape: [2, 2], data: [0, 0, 0, -1] });
    expect(out.grads.p.data).toEqual([0, 0, 0, 0.5]);
  });
  it('reads inputs from stdin and selects gradients with --wrt', () => {
    const r = run(['eval', '-e', 'sum(a * p)', '--inputs', '-', '--grad', '--wrt', 'p'], JSON.stringify({ a: { shape: [2], data: [1, 2] }, p: { shape: [2], data: [3, 4] } }));
    expect(JSON.parse(r.stdout)).toEqual({ value: { shape: [], data: [11] }, grads: { p: { shape: [2], data: [1, 2] } } });
  });
  it('spells non-finite results as the fixtures do', () => {
    const r = run(['eval', '-e', 'log(x)', '--inputs', JSON.stringify({ x: { shape: [3], data: [0, -1, 1] } })]);
    expect(JSON.parse(r.stdout).value.data).toEqual(['-inf', 'nan', 0]);
  });
  it('evaluates a loss of a .loss file', () => {
    const r = run(['eval', join(import.meta.dirname, 'triplet.loss'), '--loss', 'triplet', '--params', 'margin=0.5', '--inputs', JSON.stringify({ anchor: { shape: [2, 2], data: [1, 2, 3, 4] }, positive: { shape: [2, 2], data: [1, 2, 3, 5] }, negative: { shape: [2, 2], data: [0, 0, 3, 3] } })]);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).value.data).toEqual([0.25]);
  });
  it('reports a syntax error with its position and a caret, exit code 1', () => {
    const r = run(['eval', '-e', 'mean((x - y)^2', '--inputs', '{}']);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('<formula>:1:15: error LD1004');
    expect(r.stderr).toMatch(/\n\s+\^\n?$/);
  });
  it('reports a missing input and a bad inputs file', () => {
    expect(run(['eval', '-e', 'mean(x)', '--inputs', '{}']).stderr).toContain("Missing input 'x'");
    expect(run(['eval', '-e', 'mean(x)', '--inputs', '/nonexistent.json']).stderr).toContain("Cannot read '/nonexistent.json'");
    expect(run(['eval', '-e', 'mean(x)', '--inputs', '{"x": ']).stderr).toContain('Cannot parse inputs');
  });
  it('accepts a formula that starts with a minus', () => {
    const r = run(['eval', '-e', '-sum(x)', '--inputs', JSON.stringify({ x: { shape: [2], data: [1, 2] } })]);
    expect(JSON.parse(r.stdout).value.data).toEqual([-3]);
  });
  it('prints usage for an unknown command', () => {
    const r = run(['frobnicate']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("unknown command 'frobnicate'");
  });
});
