// One-line tests of the simplification table (compiler/rewrite/simplify.ts): each identity
// fires, and what is not an identity for every input (NaN, ±inf) is left alone.

import { describe, expect, it } from 'vitest';
import { expectRewrite, rewritten } from './helpers.js';

describe('simplification rules', () => {
  const cases: [string, string, string][] = [
    ['x + 0', 'x', 'add-zero'],
    ['0 + x', 'x', 'add-zero'],
    ['x - 0', 'x', 'sub-zero'],
    ['0 - x', '-x', 'zero-sub'],
    ['x * 1', 'x', 'mul-one'],
    ['1 * x', 'x', 'mul-one'],
    ['x * -1', '-x', 'mul-minus-one'],
    ['x / 1', 'x', 'div-one'],
    ['x / -1', '-x', 'div-minus-one'],
    ['--x', 'x', 'neg-neg'],
    ['x - -y', 'x + y', 'sub-neg'],
    ['x + -y', 'x - y', 'add-neg'],
    ['-(x - y)', 'y - x', 'neg-sub'],
    ['-x * -y', 'x * y', 'mul-neg-neg'],
    ['-x / -y', 'x / y', 'div-neg-neg'],
    ['x ^ 1', 'x', 'pow-one'],
    ['where(y > 0, x, x)', 'x', 'where-same'],
    ['2 * (4 * x)', '8 * x', 'mul-const-const'],
  ];
  for (const [from, to, rule] of cases) it(`${from} => ${to}`, () => expectRewrite(from, to, rule));

  it('x ^ 0 is 1, keeping the shape of x', () => {
    const r = rewritten('x ^ 0');
    expect(r.rules).toContain('pow-zero');
    expect(r.text).toBe('expand(1, [2, 3])');
  });
  it('constants fold while lowering, through the op table (exp(0) = 1, sqrt(4) = 2)', () => expectRewrite('x * exp(0) + sqrt(4)', 'x + 2'));

  it('is not fooled by NaN and infinities: x * 0 and x - x stay', () => {
    expect(rewritten('x * 0').text).toBe('x * 0');
    expect(rewritten('x - x').text).toBe('x - x');
  });
  it('leaves an inexact reassociation of constants alone (3 * (0.1 * x))', () => {
    expect(rewritten('3 * (0.1 * x)').rules).not.toContain('mul-const-const');
  });
});
