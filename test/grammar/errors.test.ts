import { describe, it, expect } from 'vitest';
import {
  diag,
  formatMessage,
  LossError,
  MAX_NESTING,
  messages,
  parseSource,
  tryParseSource,
  type Diagnostic,
} from '../../grammar/index.js';

function errors(text: string): Diagnostic[] {
  const r = tryParseSource(text);
  expect(r.unit).toBeUndefined();
  expect(r.diagnostics.length).toBeGreaterThan(0);
  return r.diagnostics;
}

/** The first diagnostic of `text`, as `code line:column message`. */
function first(text: string): string {
  const d = errors(text)[0]!;
  return `${d.code} ${d.span?.line}:${d.span?.column} ${d.message}`;
}

/** The one diagnostic of `text`, as `code line:column message`. */
function one(text: string): string {
  expect(errors(text)).toHaveLength(1);
  return first(text);
}

/** Inputs whose recovery could invent follow-up errors; only the first one is checked. */
const mayCascade = new Set(['let = 1', 'def f x = 1', 'loss l(x; m) = x']);

function thrown(text: string, name?: string): LossError {
  try {
    parseSource(text, name);
  } catch (e) {
    expect(e).toBeInstanceOf(LossError);
    return e as LossError;
  }
  throw new Error(`no error for ${text}`);
}

describe('syntax errors', () => {
  it.each([
    ['(a + b', "LD1004 1:7 Expected ')' to close '(' at 1:1 but found end of input"],
    ['f(a + (b', "LD1004 1:9 Expected ')' to close '(' at 1:7 but found end of input"],
    ['mean(x', "LD1004 1:7 Expected ',' or ')' to close '(' at 1:5 but found end of input"],
    ['f(', "LD1004 1:3 Expected ')' to close '(' at 1:2 but found end of input"],
    ['x[1', "LD1004 1:4 Expected ']' to close '[' at 1:2 but found end of input"],
    ['[1, 2', "LD1004 1:6 Expected ',' or ']' to close '[' at 1:1 but found end of input"],
    ['f(a b)', "LD1003 1:5 Expected ',' or ')' to close '(' at 1:2 but found 'b'"],
    ['x +', "LD1004 1:4 Expected an expression after '+' but found end of input"],
    ['x ^', "LD1004 1:4 Expected an expression after '^' but found end of input"],
    ['1 +* 2', "LD1003 1:4 Expected an expression after '+' but found '*'"],
    ['a * / b', "LD1003 1:5 Expected an expression after '*' but found '/'"],
    ['-', "LD1004 1:2 Expected an expression after '-' but found end of input"],
    ['()', "LD1003 1:2 Expected an expression after '(' but found ')'"],
    ['x[]', "LD1003 1:3 Expected an expression after '[' but found ']'"],
    ['a b', "LD1003 1:3 Expected an operator or end of input but found 'b'"],
    ['x)', "LD1003 1:2 Expected an operator or end of input but found ')'"],
    ['if a b else c', "LD1003 1:6 Expected 'then' but found 'b'"],
    ['if a then b', "LD1004 1:12 Expected 'else' but found end of input"],
    ['let x = 1', 'LD1004 1:10 Expected an expression (the result, after the last binding) but found end of input'],
    ['let = 1', "LD1003 1:5 Expected a name after 'let' but found '='"],
    ['let 1 = 2', "LD1003 1:5 Expected a name after 'let' but found '1'"],
    ['let x 1', "LD1003 1:7 Expected '=' but found '1'"],
    ['def = 1', "LD1003 1:5 Expected a name after 'def' but found '='"],
    ['def f(x) x', "LD1003 1:10 Expected '=' but found 'x'"],
    ['def f(x y) = 1', "LD1003 1:9 Expected ',' or ')' to close '(' at 1:6 but found 'y'"],
    ['def f x = 1', "LD1003 1:7 Expected '(' but found 'x'"],
    ['loss l(x[N,]) = x', "LD1003 1:12 Expected a dimension (a name, an integer or '...') but found ']'"],
    ['loss l(x; m = ) = x', "LD1003 1:15 Expected an expression after '=' but found ')'"],
    ['loss l(x; m) = x', "LD1003 1:12 Expected '=' but found ')'"],
    ['loss l(x: ) = x', "LD1003 1:11 Expected 'float' or 'int' after ':' but found ')'"],
    ['f(x, dim=)', "LD1003 1:10 Expected an expression after '=' but found ')'"],
  ])('%s', (text, expected) => {
    expect(mayCascade.has(text) ? first(text) : one(text)).toBe(expected);
  });

  it('reports an error on line 2 with line 2 and the right column', () => {
    expect(one('mean(x)\n  + * y')).toBe("LD1003 2:5 Expected an expression after '+' but found '*'");
    expect(one('a +\n  b *\n')).toBe("LD1004 2:6 Expected an expression after '*' but found end of input");
    expect(one('a +\r\n  * b')).toBe("LD1003 2:3 Expected an expression after '+' but found '*'");
    const err = thrown('def f(x) =\n  x + )', 'my.loss');
    expect(err.message).toBe(
      "my.loss:2:7: error LD1003: Expected an expression after '+' but found ')'\n" +
        '2 |   x + )\n' +
        '          ^',
    );
  });

  it('reports two errors at once thanks to recovery', () => {
    const ds = errors('f(1,, 2) + g(');
    expect(ds.map((d) => `${d.code} ${d.span!.column} ${d.message}`)).toEqual([
      "LD1003 5 Expected an expression after ',' but found ','",
      "LD1004 14 Expected ')' to close '(' at 1:13 but found end of input",
    ]);
  });

  it('keeps going after a broken definition', () => {
    const ds = errors('def f(x) =\ndef g(x) = x\nloss l(x[N,]) = x +\n1 +');
    expect(ds.map((d) => `${d.code} ${d.span!.line}:${d.span!.column}`)).toEqual(['LD1003 2:1', 'LD1003 3:12', 'LD1004 4:4']);
    expect(ds[0]!.message).toBe("Expected an expression after '=' but found 'def'");
  });

  it('does not report the echo of an error right after it', () => {
    expect(errors('let 1 = 2')).toHaveLength(1);
    // nor the parse error caused by a skipped character
    expect(errors('x $ y').map((d) => d.code)).toEqual(['LD1001']);
  });

  it('reports lexing and parsing errors together, in source order', () => {
    const ds = errors('g("abc\n, x,, y) $ + 1');
    expect(ds.map((d) => `${d.code} ${d.span!.line}:${d.span!.column}`)).toEqual(['LD1002 1:3', 'LD1003 2:5', 'LD1001 2:10']);
  });
});

describe('errors found while building the AST', () => {
  it.each([
    ['(f)(x)', "LD1007 1:1 Only a function name can be called, but found a parenthesized expression before '('"],
    ['x[1](2)', "LD1007 1:1 Only a function name can be called, but found an indexed value before '('"],
    ['f(x)(y)', "LD1007 1:1 Only a function name can be called, but found the result of a call before '('"],
    ['2(x)', "LD1007 1:1 Only a function name can be called, but found the number 2 before '('"],
    ['a + [f](x)', "LD1007 1:5 Only a function name can be called, but found a list before '('"],
    ['a < b < c', "LD1008 1:7 Comparisons cannot be chained: expected '&&' or parentheses around 'a < b' but found '<'"],
    ['x == y != z', "LD1008 1:8 Comparisons cannot be chained: expected '&&' or parentheses around 'x == y' but found '!='"],
    ['loss l(x[2.5]) = x', "LD1009 1:10 Expected a dimension size (a non-negative integer) but found '2.5'"],
    ['loss l(x[1e3]) = x', "LD1009 1:10 Expected a dimension size (a non-negative integer) but found '1e3'"],
    ['loss l(x[N]: double) = x', "LD1010 1:14 Expected 'float' or 'int' after ':' but found 'double'"],
    ['loss l(x[..., N, ...]) = x', "LD1013 1:18 Expected at most one '...' in the dimensions of 'x' but found 2"],
    ['f(dim=1, x)', "LD1014 1:10 Expected a keyword argument after keyword argument 'dim' but found a positional argument"],
    ['f(x, dim=1, dim=2)', "LD1015 1:13 Expected keyword argument 'dim' at most once but found it again"],
    ['def f(x, x) = x', "LD1016 1:10 Expected parameter names of 'f' to be distinct but found 'x' twice"],
    ['loss l(x; x = 1) = x', "LD1016 1:11 Expected parameter names of 'l' to be distinct but found 'x' twice"],
    ['1e999', "LD1012 1:1 Number literal '1e999' is out of range: expected a finite number"],
    ['"a\\qb"', "LD1006 1:3 Invalid escape sequence '\\q' in string: expected one of \\\" \\\\ \\/ \\n \\t \\r \\b \\f \\uXXXX"],
    ['"\\u12"', "LD1006 1:2 Invalid escape sequence '\\u12' in string: expected one of \\\" \\\\ \\/ \\n \\t \\r \\b \\f \\uXXXX"],
  ])('%s', (text, expected) => {
    expect(one(text)).toBe(expected);
  });

  it('points LD1007 at the whole callee', () => {
    const [d] = errors('y + (f)(x)');
    expect(d!.span).toMatchObject({ start: 4, end: 7 });
  });

  it('reports all builder errors of a source', () => {
    expect(errors('(f)(x) + (a < b < c)').map((d) => d.code)).toEqual(['LD1007', 'LD1008']);
  });
});

describe('LossError', () => {
  it('carries every diagnostic, formatted with the source name, line, column and caret', () => {
    const err = thrown('f(1,, 2) + g(', 'triplet.loss');
    expect(err.name).toBe('LossError');
    expect(err.code).toBe('LD1003');
    expect(err.diagnostics).toHaveLength(2);
    expect(err.span).toMatchObject({ line: 1, column: 5 });
    expect(err.source).toEqual({ text: 'f(1,, 2) + g(', name: 'triplet.loss' });
    expect(err.message.split('\n')[0]).toBe("triplet.loss:1:5: error LD1003: Expected an expression after ',' but found ','");
    expect(err.message).toContain("triplet.loss:1:14: error LD1004: Expected ')' to close '(' at 1:13 but found end of input");
  });

  it('defaults the source name to <formula>', () => {
    expect(thrown('x +').message.startsWith('<formula>:1:4: error LD1004')).toBe(true);
  });
});

describe('robustness: deep or long input returns or throws LossError quickly', () => {
  function timed(text: string): { ms: number; result: unknown } {
    const t0 = performance.now();
    let result: unknown;
    try {
      result = parseSource(text);
    } catch (e) {
      result = e;
    }
    return { ms: performance.now() - t0, result };
  }

  function expectTooDeep(text: string, column: number): void {
    const { ms, result } = timed(text);
    expect(result).toBeInstanceOf(LossError);
    const err = result as LossError;
    expect(err.diagnostics).toHaveLength(1);
    expect(err.code).toBe('LD1005');
    expect(err.diagnostics[0]!.message).toBe(`Expression nested too deeply (limit ${MAX_NESTING})`);
    expect(err.span).toMatchObject({ line: 1, column });
    // A hang guard (no exponential work), not a speed target: speed is measured in bench/.
    expect(ms).toBeLessThan(5000);
  }

  it('20,000 nested parentheses', () => {
    expectTooDeep('('.repeat(20000) + 'x' + ')'.repeat(20000), MAX_NESTING + 1);
  });

  it('20,000 unclosed brackets and calls', () => {
    expectTooDeep('['.repeat(20000), MAX_NESTING + 1);
    expectTooDeep('f('.repeat(20000) + 'x' + ')'.repeat(20000), 2 * (MAX_NESTING + 1));
  });

  it('50,000 consecutive unary minuses', () => {
    expectTooDeep('-'.repeat(50000) + 'x', MAX_NESTING + 1);
    expectTooDeep('!'.repeat(50000) + 'x', MAX_NESTING + 1);
  });

  it('20,000 chained powers and else-ifs', () => {
    expectTooDeep(Array.from({ length: 20000 }, () => 'x').join('^'), 2 * MAX_NESTING + 2);
    const ifs = 'if a then b else '.repeat(20000) + 'c';
    const { result } = timed(ifs);
    expect((result as LossError).code).toBe('LD1005');
  });

  it('a 20,000-term sum parses (left-associated, built without recursion)', () => {
    const text = Array.from({ length: 20000 }, (_, i) => `x${i}`).join(' + ');
    const { ms, result } = timed(text);
    expect(ms).toBeLessThan(5000); // hang guard, as above
    const unit = result as { body: { kind: string; op: string; left: unknown; right: { name: string } } };
    expect(unit.body).toMatchObject({ kind: 'binary', op: '+', right: { kind: 'name', name: 'x19999' } });
    let depth = 0;
    let e: { kind: string; left?: unknown } = unit.body;
    while (e.kind === 'binary') {
      e = e.left as typeof e;
      depth++;
    }
    expect(depth).toBe(19999);
  });

  it('a long sum of squares with unary minus is not mistaken for nesting', () => {
    const text = Array.from({ length: 2000 }, (_, i) => `-x${i}^2`).join(' + ');
    const { result } = timed(text);
    expect(result).not.toBeInstanceOf(Error);
  });

  it('accepts nesting up to the limit', () => {
    const n = MAX_NESTING;
    expect(parseSource('('.repeat(n) + 'x' + ')'.repeat(n)).body).toMatchObject({ kind: 'name', name: 'x' });
    expect(parseSource('-'.repeat(n) + 'x').body).toMatchObject({ kind: 'unary' });
    expect(parseSource('f(['.repeat(n / 2) + 'x' + '])'.repeat(n / 2)).body).toMatchObject({ kind: 'call' });
    expect(() => parseSource('('.repeat(n + 1) + 'x' + ')'.repeat(n + 1))).toThrow(LossError);
  });

  it('closes nesting at the end of each bracket, argument and binding', () => {
    const deepish = '(' + '-'.repeat(MAX_NESTING - 2) + 'x)';
    const many = Array.from({ length: 100 }, () => deepish).join(' + ');
    expect(() => parseSource(many)).not.toThrow();
    const args = `f(${Array.from({ length: 100 }, () => '-'.repeat(MAX_NESTING - 2) + 'x').join(', ')})`;
    expect(() => parseSource(args)).not.toThrow();
    const lets = Array.from({ length: 100 }, (_, i) => `let v${i} = ${'-'.repeat(MAX_NESTING - 2)}x`).join('\n') + '\nv1';
    expect(() => parseSource(lets)).not.toThrow();
  });
});

describe('the diagnostics table', () => {
  it('has stable LD codes and fills templates', () => {
    for (const code of Object.keys(messages)) expect(code).toMatch(/^LD\d{4}$/);
    expect(formatMessage('a {0} b {1} {0} {2}', ['x', 3])).toBe('a x b 3 x {2}');
    const span = { start: 1, end: 2, line: 1, column: 2 };
    expect(diag('LD1003', span, "')'", "'x'")).toEqual({ code: 'LD1003', message: "Expected ')' but found 'x'", span });
    expect(diag('LD1005', undefined, 64)).toEqual({ code: 'LD1005', message: 'Expression nested too deeply (limit 64)' });
  });

  it('says what was expected and what was found in every syntax message', () => {
    for (const text of ['(a', 'x +', '1 +* 2', 'a b', 'def f(x) x', 'loss l(x[,]) = x', 'f(1,,2)', 'if a then b']) {
      for (const d of errors(text)) expect(d.message).toMatch(/^Expected .+ but found .+$/);
    }
  });
});
