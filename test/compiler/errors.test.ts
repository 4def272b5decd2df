// Every kind of user mistake ends in a LossError that says what and where. The messages are
// compared with a committed baseline (errors.baseline.txt); after an intended change, refresh
// it with UPDATE_BASELINES=1 npx vitest run test/compiler/errors.test.ts and review the diff.

import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile, LossError, type TensorLike } from '../../index.js';

const t = (data: number[], shape: number[], dtype?: 'int32') => ({ data, shape, dtype });

interface ErrorCase {
  name: string;
  source: string;
  options?: Parameters<typeof compile>[1];
  inputs?: Record<string, TensorLike>;
  code: string;
}

const CASES: ErrorCase[] = [
  { name: 'unclosed parenthesis', source: 'mean((x - y)^2', code: 'LD1004' },
  { name: 'dangling operator', source: 'mean(x) +', code: 'LD1004' },
  { name: 'two operators', source: 'x +* y', code: 'LD1003' },
  { name: 'unexpected character', source: 'mean(x $ y)', code: 'LD1001' },
  { name: 'unknown function', source: 'mean(sigmod(x))', code: 'LD2002' },
  { name: 'unknown name in a def', source: 'def f(a) = a + b\nf(x)', code: 'LD2001' },
  { name: 'too many arguments', source: 'exp(x, y)', code: 'LD2003' },
  { name: 'unknown keyword', source: 'sum(x, axis=1)', code: 'LD2004' },
  { name: 'missing argument', source: 'pick(x)', code: 'LD2005' },
  { name: 'function used as a value', source: 'mean(exp)', code: 'LD2009' },
  { name: 'error on line 2', source: 'let a = x * 2\nlet b = a + undefined_fn(a)\nmean(b)', code: 'LD2002' },
  { name: 'shape mismatch', source: 'mean(x - y)', inputs: { x: t([1, 2, 3], [3]), y: t([1, 2], [2]) }, code: 'LD2010' },
  { name: 'matmul mismatch', source: 'sum(a @ b)', inputs: { a: t([1, 2, 3, 4, 5, 6], [2, 3]), b: t([1, 2, 3, 4], [2, 2]) }, code: 'LD2015' },
  { name: 'bad dim', source: 'sum(x, dim=2)', inputs: { x: t([1, 2, 3, 4], [2, 2]) }, code: 'LD2020' },
  { name: 'dim not a constant', source: 'sum(x, dim=y)', inputs: { x: t([1, 2], [2]), y: t([0], [1]) }, code: 'LD2007' },
  { name: 'float index', source: 'pick(x, y, dim=1)', inputs: { x: t([1, 2, 3, 4], [2, 2]), y: t([0, 1], [2]) }, code: 'LD2030' },
  { name: 'out-of-range class index', source: 'mean(pick(log_softmax(x, dim=1), y, dim=1))', inputs: { x: t([1, 2, 3, 4, 5, 6], [2, 3]), y: t([0, 7], [2], 'int32') }, code: 'LD3007' },
  { name: 'out-of-range row index', source: 'sum(c[y])', inputs: { c: t([1, 2, 3, 4], [2, 2]), y: t([0, 2], [2], 'int32') }, code: 'LD3007' },
  { name: 'missing input', source: 'mean(x - y)', inputs: { x: t([1], [1]) }, code: 'LD3001' },
  { name: 'unknown input', source: 'mean(x)', inputs: { x: t([1], [1]), z: t([1], [1]) }, code: 'LD3002' },
  { name: 'data length does not match shape', source: 'mean(x)', inputs: { x: t([1, 2, 3], [2, 2]) }, code: 'LD3004' },
  { name: 'int where a float is declared', source: 'loss l(x: float) = mean(x)', inputs: { x: t([1, 2], [2], 'int32') }, code: 'LD3003' },
  { name: 'named dims disagree', source: 'loss l(a[N, D], b[N, D]) = sum(a * b)', inputs: { a: t([1, 2, 3, 4], [2, 2]), b: t([1, 2], [1, 2]) }, code: 'LD3005' },
  { name: 'unknown option', source: 'loss l(x; scale = 1) = scale * sum(x)', options: { params: { scael: 2 } }, code: 'LD2041' },
  { name: 'option of the wrong type', source: 'loss l(x; scale = 1) = scale * sum(x)', options: { params: { scale: 'big' } }, inputs: { x: t([1], [1]) }, code: 'LD2042' },
  { name: 'invalid reduction', source: 'reduce(x, r)', options: { params: { r: 'avg' } }, inputs: { x: t([1], [1]) }, code: 'LD2042' },
  { name: 'unknown loss', source: 'loss a(x) = sum(x)', options: { loss: 'b' }, code: 'LD2040' },
  { name: 'wrong dtype of a stdlib argument', source: 'mse_loss(x, y, reduction=3)', inputs: { x: t([1], [1]), y: t([1], [1]) }, code: 'LD2042' },
];

function messageOf(c: ErrorCase): LossError {
  try {
    const loss = compile(c.source, c.options);
    loss.forward(c.inputs ?? {});
  } catch (e) {
    if (e instanceof LossError) return e;
    throw new Error(`${c.name}: expected LossError, got ${String(e)}`);
  }
  throw new Error(`${c.name}: expected an error`);
}

describe('user mistakes raise LossError with position and span', () => {
  const report: string[] = [];
  for (const c of CASES) {
    it(c.name, () => {
      const e = messageOf(c);
      expect(e.code).toBe(c.code);
      if (c.code !== 'LD2040' && (c.code.startsWith('LD1') || (c.code.startsWith('LD20') && !c.inputs))) {
        // Source errors name line:column and show a caret under the span.
        expect(e.message).toMatch(/:\d+:\d+: error LD\d{4}/);
        expect(e.message).toMatch(/\^/);
      }
      report.push(`## ${c.name}\n${c.source}\n---\n${e.message}\n`);
    });
  }
  it('matches the committed baseline', () => {
    const file = join(import.meta.dirname, 'errors.baseline.txt');
    const text = report.join('\n');
    if (process.env.UPDATE_BASELINES || !existsSync(file)) writeFileSync(file, text);
    expect(text).toBe(readFileSync(file, 'utf8'));
  });
  it('an error on line 2 points at line 2', () => {
    const e = messageOf(CASES.find((c) => c.name === 'error on line 2')!);
    expect(e.span).toMatchObject({ line: 2, column: 13 });
    expect(e.message).toContain('2 | let b = a + undefined_fn(a)');
  });
  it('one typo does not hide the next', () => {
    const e = messageOf({ name: 'two', source: 'f(1,, 2) + g(', code: 'LD1003' });
    expect(e.diagnostics.length).toBeGreaterThanOrEqual(2);
  });
});
