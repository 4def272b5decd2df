import { describe, it, expect } from 'vitest';
import { tokenMatcher } from 'chevrotain';
import {
  AdditiveOp,
  ComparisonOp,
  Minus,
  MultiplicativeOp,
  PrefixOp,
  StringLit,
  tokenize,
} from '../../grammar/lexer.js';
import { tryParseSource, type Expr } from '../../grammar/index.js';

/** `Type:image` of every token. */
function lex(text: string): string[] {
  return tokenize(text).tokens.map((t) => `${t.tokenType.name}:${t.image}`);
}

function body(text: string): Expr {
  const r = tryParseSource(text);
  expect(r.diagnostics).toEqual([]);
  return r.unit!.body!;
}

describe('keywords and names', () => {
  it('lexes every keyword', () => {
    expect(lex('def loss let if then else true false')).toEqual([
      'Def:def',
      'Loss:loss',
      'Let:let',
      'If:if',
      'Then:then',
      'Else:else',
      'True:true',
      'False:false',
    ]);
  });

  it.each(['define', 'letter', 'iffy', 'then_', 'true1', 'elsewhere', 'losses', 'deff', '_x', 'x_2', 'Def'])(
    '%s is a name, not a keyword prefix',
    (word) => {
      expect(lex(word)).toEqual([`Name:${word}`]);
    },
  );

  it('does not treat float/int as keywords', () => {
    expect(lex('float int')).toEqual(['Name:float', 'Name:int']);
  });
});

describe('numbers', () => {
  it.each([
    ['2', 2],
    ['0.5', 0.5],
    ['.5', 0.5],
    ['1e-6', 1e-6],
    ['3.2E+4', 3.2e4],
    ['1.', 1],
    ['1.e5', 1e5],
    ['007', 7],
  ])('%s', (text, value) => {
    expect(lex(text)).toEqual([`Number:${text}`]);
    const e = body(text);
    expect(e).toMatchObject({ kind: 'num', value, text });
  });

  it('keeps `...` apart from numbers', () => {
    expect(lex('[N, ...]')).toEqual(['LBracket:[', 'Name:N', 'Comma:,', 'Ellipsis:...', 'RBracket:]']);
    expect(lex('1...')).toEqual(['Number:1', 'Ellipsis:...']);
    expect(lex('....5')).toEqual(['Ellipsis:...', 'Number:.5']);
  });

  it('never lexes a sign into a number', () => {
    expect(lex('-1e-6')).toEqual(['Minus:-', 'Number:1e-6']);
    expect(lex('2-1')).toEqual(['Number:2', 'Minus:-', 'Number:1']);
  });
});

describe('strings', () => {
  it('lexes a string with escapes as one token', () => {
    expect(lex('"a\\"b" "mean"')).toEqual(['String:"a\\"b"', 'String:"mean"']);
  });

  it('decodes escapes in the AST', () => {
    expect(body('"q\\"b\\\\s\\n\\t\\u0041\\u00e9\\/"')).toMatchObject({ kind: 'str', value: 'q"b\\s\n\tAé/' });
    expect(body('""')).toMatchObject({ kind: 'str', value: '' });
  });

  it('lexes an unterminated string as a string token (reported separately)', () => {
    const toks = tokenize('"abc\nx').tokens;
    expect(toks.map((t) => t.tokenType.name)).toEqual(['UnterminatedString', 'Name']);
    expect(tokenMatcher(toks[0]!, StringLit)).toBe(true);
  });
});

describe('operators and punctuation', () => {
  it('prefers the longest operator', () => {
    expect(lex('<= >= == != && || ! = < > ^ @')).toEqual([
      'LtEq:<=',
      'GtEq:>=',
      'EqEq:==',
      'NotEq:!=',
      'AndAnd:&&',
      'OrOr:||',
      'Bang:!',
      'Assign:=',
      'Lt:<',
      'Gt:>',
      'Caret:^',
      'At:@',
    ]);
    expect(lex('a<=-b')).toEqual(['Name:a', 'LtEq:<=', 'Minus:-', 'Name:b']);
    expect(lex('!!=')).toEqual(['Bang:!', 'NotEq:!=']);
  });

  it('lexes punctuation', () => {
    expect(lex('( ) [ ] , ; :')).toEqual([
      'LParen:(',
      'RParen:)',
      'LBracket:[',
      'RBracket:]',
      'Comma:,',
      'Semicolon:;',
      'Colon::',
    ]);
  });

  it('groups operators into categories', () => {
    const [plus, minus, star, slash, at, lt, bang] = tokenize('+ - * / @ < !').tokens;
    expect(tokenMatcher(plus!, AdditiveOp)).toBe(true);
    expect(tokenMatcher(minus!, AdditiveOp)).toBe(true);
    expect(tokenMatcher(minus!, PrefixOp)).toBe(true);
    expect(minus!.tokenType).toBe(Minus);
    expect(tokenMatcher(plus!, PrefixOp)).toBe(false);
    for (const t of [star, slash, at]) expect(tokenMatcher(t!, MultiplicativeOp)).toBe(true);
    expect(tokenMatcher(lt!, ComparisonOp)).toBe(true);
    expect(tokenMatcher(bang!, PrefixOp)).toBe(true);
    expect(tokenMatcher(bang!, AdditiveOp)).toBe(false);
  });
});

describe('trivia and positions', () => {
  it('skips whitespace and newlines, keeps comments in their group', () => {
    const r = tokenize('a # first\n\t b\r\n# second\nc');
    expect(r.tokens.map((t) => t.image)).toEqual(['a', 'b', 'c']);
    expect(r.groups['comments']!.map((t) => t.image)).toEqual(['# first', '# second']);
    expect(r.errors).toEqual([]);
  });

  it('tracks line and column (1-based) across lines', () => {
    const [a, b, c] = tokenize('a\n  b\n\n   c').tokens;
    expect([a!.startLine, a!.startColumn]).toEqual([1, 1]);
    expect([b!.startLine, b!.startColumn]).toEqual([2, 3]);
    expect([c!.startLine, c!.startColumn, c!.startOffset]).toEqual([4, 4, 10]);
  });

  it('reports an unexpected character with its position', () => {
    const r = tokenize('x\n y $ z');
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ offset: 5, line: 2, column: 4, length: 1 });
    expect(r.tokens.map((t) => t.image)).toEqual(['x', 'y', 'z']);
  });

  it('turns lexing errors into diagnostics', () => {
    const r = tryParseSource('x + $y');
    expect(r.unit).toBeUndefined();
    expect(r.diagnostics).toEqual([
      { code: 'LD1001', message: "Unexpected character '$'", span: { start: 4, end: 5, line: 1, column: 5 } },
    ]);
    const run = tryParseSource('x + y &| z').diagnostics;
    expect(run[0]).toMatchObject({ code: 'LD1011', message: "Unexpected characters '&|'", span: { start: 6, end: 8 } });
  });

  it.each(['.', '..', '&', '|', '$', '`', '?', '{', '}', "'", '\\', 'é', '∑'])('%s alone is an unexpected character', (ch) => {
    const r = tryParseSource(`a ${ch} 1`);
    expect(r.unit).toBeUndefined();
    expect(r.diagnostics[0]!.code).toMatch(/^LD10(01|11)$/);
    expect(r.diagnostics[0]!.span).toMatchObject({ start: 2, line: 1, column: 3 });
  });

  it('reports an unterminated string (LD1002) where it starts', () => {
    const r = tryParseSource('reduce(x,\n  "mean)');
    expect(r.diagnostics[0]).toMatchObject({ code: 'LD1002', span: { line: 2, column: 3, start: 12, end: 18 } });
  });
});
