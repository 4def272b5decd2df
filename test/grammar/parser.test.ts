import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { generateCstDts } from 'chevrotain';
import {
  parseSource,
  printExpr,
  tryParseSource,
  type Expr,
  type LossDef,
  type SourceUnit,
  type Span,
} from '../../grammar/index.js';
import { parser } from '../../grammar/parser.js';

function parse(text: string): SourceUnit {
  const r = tryParseSource(text);
  expect(r.diagnostics).toEqual([]);
  return r.unit!;
}

function expr(text: string): Expr {
  const body = parse(text).body;
  expect(body).toBeDefined();
  return body!;
}

/** Fully parenthesized print: shows the tree. */
function tree(text: string): string {
  return printExpr(expr(text), { fullParens: true });
}

/** Minimal-parentheses print. */
function canon(text: string): string {
  return printExpr(expr(text));
}

/** The AST without spans, for structural comparison. */
function strip(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(strip);
  if (x && typeof x === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) if (!/span$/i.test(k)) out[k] = strip(v);
    return out;
  }
  return x;
}

function spanText(text: string, span: Span): string {
  return text.slice(span.start, span.end);
}

const TRIPLET = `# Triplet margin loss (Schroff et al. 2015), as torch.nn.functional.triplet_margin_loss
def dist(x, y, p = 2, eps = 1e-6) = norm(x - y + eps, p, dim=-1)

loss triplet_margin_loss(anchor[N, D], positive[N, D], negative[N, D];
                         margin = 1.0, p = 2, eps = 1e-6, swap = false, reduction = "mean") =
  let dp = dist(anchor, positive, p, eps)
  let dn = dist(anchor, negative, p, eps)
  let dn = if swap then min(dn, dist(positive, negative, p, eps)) else dn
  reduce(max(0, dp - dn + margin), reduction)
`;

describe('precedence and associativity', () => {
  it.each([
    // power: right-assoc, tighter than prefix minus on its left, takes a unary on its right
    ['-x^2', '-(x ^ 2)'],
    ['a^b^c', 'a ^ (b ^ c)'],
    ['2^-1', '2 ^ (-1)'],
    ['2^-x^2', '2 ^ (-(x ^ 2))'],
    ['-a^-b', '-(a ^ (-b))'],
    ['(-x)^2', '(-x) ^ 2'],
    ['(a^b)^c', '(a ^ b) ^ c'],
    ['f(x)^2', 'f(x) ^ 2'],
    ['x[i]^2', 'x[i] ^ 2'],
    ['-x[i]', '-x[i]'],
    ['-f(x)', '-f(x)'],
    // additive / multiplicative: left-assoc
    ['a - b - c', '(a - b) - c'],
    ['a - b + c', '(a - b) + c'],
    ['a / b / c', '(a / b) / c'],
    ['a @ b * c', '(a @ b) * c'],
    ['a * b @ c', '(a * b) @ c'],
    ['a + b * c', 'a + (b * c)'],
    ['a * b + c', '(a * b) + c'],
    ['a - b @ c', 'a - (b @ c)'],
    ['a - (b - c)', 'a - (b - c)'],
    ['-a * b', '(-a) * b'],
    ['a * -b', 'a * (-b)'],
    ['a - -b', 'a - (-b)'],
    ['--x', '-(-x)'],
    ['!!x', '!(!x)'],
    ['-!x', '-(!x)'],
    // comparisons below arithmetic, above && and ||
    ['a < b + 1', 'a < (b + 1)'],
    ['a + 1 >= b * 2', '(a + 1) >= (b * 2)'],
    ['a == b', 'a == b'],
    ['a != b', 'a != b'],
    ['a <= b', 'a <= b'],
    ['a > b', 'a > b'],
    ['(a < b) == c', '(a < b) == c'],
    ['a == b && c != d', '(a == b) && (c != d)'],
    ['!a && b || c', '((!a) && b) || c'],
    ['a || b && c', 'a || (b && c)'],
    ['a && b && c', '(a && b) && c'],
    ['a || b || c', '(a || b) || c'],
    ['!a == b', '(!a) == b'],
    ['!(a == b)', '!(a == b)'],
    // if: the else branch extends as far as possible
    ['if a then b else c + d', 'if a then b else (c + d)'],
    ['if a < b then a else b', 'if (a < b) then a else b'],
    ['1 + (if c then a else b)', '1 + (if c then a else b)'],
    ['1 + if c then a else b', '1 + (if c then a else b)'],
  ])('%s  ≡  %s', (input, expected) => {
    expect(tree(input)).toBe(expected);
  });

  it.each([
    ['-x^2', '-x ^ 2'],
    ['(a - b) - c', 'a - b - c'],
    ['a - (b - c)', 'a - (b - c)'],
    ['((a))', 'a'],
    ['(a * b) + (c * d)', 'a * b + c * d'],
    ['(a + b) * c', '(a + b) * c'],
    ['(-a)^2', '(-a) ^ 2'],
    ['-(a^2)', '-a ^ 2'],
    ['a^(b^c)', 'a ^ b ^ c'],
    ['(a^b)^c', '(a ^ b) ^ c'],
    ['(a < b) == c', '(a < b) == c'],
    ['(a && b) || c', 'a && b || c'],
    ['a && (b || c)', 'a && (b || c)'],
    ['(x)[0]', 'x[0]'],
    ['(-x)[0]', '(-x)[0]'],
    ['f( x ,dim = - 1 )', 'f(x, dim=-1)'],
    ['[ 1 ,2,[ ] ]', '[1, 2, []]'],
    ['(if a then b else c) * 2', '(if a then b else c) * 2'],
    ['"a\\"b"', '"a\\"b"'],
    ['1e-6 * .5', '1e-6 * .5'],
  ])('prints %s canonically as %s', (input, expected) => {
    expect(canon(input)).toBe(expected);
  });

  const roundTrip = [
    '-x^2 + 2^-1 * a^b^c',
    'a - (b - c) - -d',
    '!(a && b) || c == d && e < f',
    'if a then if b then c else d else if e then f else g',
    'mean(max(0, d(a, p) - d(a, n) + margin))',
    'norm(x - y + eps, p, dim=-1)',
    'weight[target] * -log_softmax(x, 1)[0]',
    'sum([1, 2, [3, 4]][i], dim=[0, 1], keepdim=true)',
    'let a = 1 let b = -a\n(a + b) * 2',
    'let a = f(x)\n[a, -a]',
    'let a = 1\n(-a)', // printed with its parentheses: `-a` would continue the binding's value
    '(let a = 1 a) + (let b = 2\n(let c = 3 c) * b)',
    'x @ transpose(y) / sqrt(size(x, -1))',
    'clamp(x, min=-1, max=1) ^ 2 >= .5',
    '"tab\\t" == "quote\\"" || false',
    'f(if c then a else b, -(-x))',
    '(a < b) != (c >= d)',
  ];
  it.each(roundTrip)('parse(print(e)) is e: %s', (text) => {
    const e = expr(text);
    const printed = printExpr(e);
    expect(strip(expr(printed))).toEqual(strip(e));
    const full = printExpr(e, { fullParens: true });
    expect(strip(expr(full))).toEqual(strip(e));
  });

  it('prints numbers, strings and booleans built by later stages', () => {
    const span = { start: 0, end: 0, line: 1, column: 1 };
    const num = (value: number, text = String(value)): Expr => ({ kind: 'num', value, text, span });
    expect(printExpr(num(0.1 + 0.2))).toBe('0.30000000000000004');
    expect(printExpr({ kind: 'binary', op: '^', left: num(-2), right: num(2), opSpan: span, span })).toBe('(-2) ^ 2');
    expect(printExpr({ kind: 'str', value: 'a\nb"', span })).toBe('"a\\nb\\""');
    expect(printExpr({ kind: 'bool', value: false, span })).toBe('false');
    expect(strip(expr(printExpr({ kind: 'str', value: '\u0001é\u2028', span })))).toEqual({ kind: 'str', value: '\u0001é\u2028' });
  });
});

describe('calls, keyword arguments, indexing, lists', () => {
  it('parses keyword arguments', () => {
    const e = expr('sum(x, dim=1, keepdim=true)');
    expect(e.kind).toBe('call');
    if (e.kind !== 'call') return;
    expect(e.callee).toBe('sum');
    expect(e.args.map((a) => a.name)).toEqual([undefined, 'dim', 'keepdim']);
    expect(e.args[1]!.value).toMatchObject({ kind: 'num', value: 1 });
    expect(e.args[2]!.value).toMatchObject({ kind: 'bool', value: true });
    expect(e.args[1]!.nameSpan).toMatchObject({ start: 7, end: 10 });
    expect(e.args[1]!.span).toMatchObject({ start: 7, end: 12 });
  });

  it('tells `name = value` from a comparison `name == value`', () => {
    const e = expr('f(a == b, c=d)');
    if (e.kind !== 'call') throw new Error('not a call');
    expect(e.args[0]).toMatchObject({ value: { kind: 'binary', op: '==' } });
    expect(e.args[0]!.name).toBeUndefined();
    expect(e.args[1]!.name).toBe('c');
  });

  it('parses calls without arguments and nested calls', () => {
    expect(strip(expr('f()'))).toEqual({ kind: 'call', callee: 'f', args: [] });
    expect(tree('f(g(h(x)), y)')).toBe('f(g(h(x)), y)');
  });

  it('parses indexing, chained and after calls and lists', () => {
    expect(strip(expr('weight[target]'))).toEqual({
      kind: 'index',
      target: { kind: 'name', name: 'weight' },
      index: { kind: 'name', name: 'target' },
    });
    expect(tree('x[i][j + 1]')).toBe('x[i][j + 1]');
    expect(expr('x[i][j]')).toMatchObject({ kind: 'index', target: { kind: 'index' } });
    expect(expr('f(x)[0]')).toMatchObject({ kind: 'index', target: { kind: 'call', callee: 'f' } });
    expect(expr('[1, 2][0]')).toMatchObject({ kind: 'index', target: { kind: 'list' } });
    expect(expr('centers[labels]^2')).toMatchObject({ kind: 'binary', op: '^', left: { kind: 'index' } });
  });

  it('parses lists, empty and nested', () => {
    expect(strip(expr('[]'))).toEqual({ kind: 'list', items: [] });
    expect(expr('[1]')).toMatchObject({ kind: 'list', items: [{ kind: 'num', value: 1 }] });
    expect(tree('[a, b + 1, [c, []]]')).toBe('[a, b + 1, [c, []]]');
    expect(expr('sum(x, dim=[0, 1])')).toMatchObject({ args: [{}, { name: 'dim', value: { kind: 'list' } }] });
  });
});

describe('let and if', () => {
  it('parses a let chain, rebinding allowed, newlines optional', () => {
    const e = expr('let a = 1 let b = a + 1 let a = b * 2 a + b');
    expect(e.kind).toBe('let');
    if (e.kind !== 'let') return;
    expect(e.bindings.map((b) => b.name)).toEqual(['a', 'b', 'a']);
    expect(tree('let a = 1 let b = a + 1 let a = b * 2 a + b')).toBe('let a = 1\nlet b = a + 1\nlet a = b * 2\na + b');
  });

  it('parses let inside parentheses', () => {
    const e = expr('(let t = x * 2 t + 1) * 3');
    expect(e).toMatchObject({ kind: 'binary', op: '*', left: { kind: 'let', bindings: [{ name: 't' }] } });
  });

  it('parses nested if', () => {
    expect(tree('if a then if b then 1 else 2 else 3')).toBe('if a then if b then 1 else 2 else 3');
    expect(expr('if a then 1 else if b then 2 else 3')).toMatchObject({
      kind: 'if',
      cond: { name: 'a' },
      else: { kind: 'if', cond: { name: 'b' }, else: { kind: 'num', value: 3 } },
    });
    expect(expr('if if a then b else c then 1 else 2')).toMatchObject({ kind: 'if', cond: { kind: 'if' } });
  });

  it('parses if as a let value', () => {
    const e = expr('let y = if c then a else b\ny * 2');
    expect(e).toMatchObject({ kind: 'let', bindings: [{ value: { kind: 'if' } }], body: { kind: 'binary' } });
  });

  it('does not continue a call or index on a new line', () => {
    expect(expr('let v = f(x)\n(v + 1)^2')).toMatchObject({
      kind: 'let',
      bindings: [{ name: 'v', value: { kind: 'call', callee: 'f' } }],
      body: { kind: 'binary', op: '^' },
    });
    expect(expr('let w = weight\n[1, 2]')).toMatchObject({ kind: 'let', body: { kind: 'list' } });
    // but it does on the same line, and inside brackets newlines are just whitespace
    expect(expr('let w = weight [1]\nw')).toMatchObject({ bindings: [{ value: { kind: 'index' } }] });
    expect(expr('f(\n  x,\n  y\n)')).toMatchObject({ kind: 'call', args: [{}, {}] });
    expect(expr('x\n  + y\n  * z')).toMatchObject({ kind: 'binary', op: '+' });
  });
});

describe('definitions and loss files', () => {
  it('parses defs with defaults, then the formula', () => {
    const u = parse('def sq(x) = x^2\ndef huber(x, delta = 1.0) = if abs(x) < delta then 0.5 * sq(x) else delta * (abs(x) - 0.5 * delta)\nmean(huber(a - b))');
    expect(u.defs.map((d) => d.name)).toEqual(['sq', 'huber']);
    expect(u.defs[1]!.params).toMatchObject([{ name: 'x' }, { name: 'delta', default: { kind: 'num', value: 1, text: '1.0' } }]);
    expect(u.defs[0]!.params[0]!.default).toBeUndefined();
    expect(u.losses).toEqual([]);
    expect(u.body).toMatchObject({ kind: 'call', callee: 'mean' });
  });

  it('parses a def without parameters and a def whose body is a let', () => {
    const u = parse('def one() = 1\ndef g(x) =\n  let y = x * 2\n  y + 1');
    expect(u.defs[0]!.params).toEqual([]);
    expect(u.defs[1]!.body).toMatchObject({ kind: 'let', bindings: [{ name: 'y' }] });
    expect(u.body).toBeUndefined();
  });

  it('ends a def body at a formula that starts with a parenthesis on the next line', () => {
    const u = parse('def sq(x) = x^2\n(a - b)^2');
    expect(printExpr(u.defs[0]!.body)).toBe('x ^ 2');
    expect(printExpr(u.body!)).toBe('(a - b) ^ 2');
  });

  it('parses the triplet example of the language reference verbatim', () => {
    const u = parse(TRIPLET);
    expect(u.body).toBeUndefined();
    const [dist] = u.defs;
    expect(dist).toMatchObject({
      name: 'dist',
      doc: 'Triplet margin loss (Schroff et al. 2015), as torch.nn.functional.triplet_margin_loss',
      params: [{ name: 'x' }, { name: 'y' }, { name: 'p', default: { value: 2 } }, { name: 'eps', default: { value: 1e-6, text: '1e-6' } }],
    });
    expect(printExpr(dist!.body)).toBe('norm(x - y + eps, p, dim=-1)');
    const loss = u.losses[0]!;
    expect(loss.name).toBe('triplet_margin_loss');
    expect(loss.doc).toBeUndefined(); // a blank line separates it from the comment
    expect(loss.tensorParams.map((p) => [p.name, p.dims!.map((d) => (d.kind === 'named' ? d.name : d.kind))])).toEqual([
      ['anchor', ['N', 'D']],
      ['positive', ['N', 'D']],
      ['negative', ['N', 'D']],
    ]);
    expect(loss.options.map((o) => [o.name, printExpr(o.default)])).toEqual([
      ['margin', '1.0'],
      ['p', '2'],
      ['eps', '1e-6'],
      ['swap', 'false'],
      ['reduction', '"mean"'],
    ]);
    expect(loss.body).toMatchObject({ kind: 'let', bindings: [{ name: 'dp' }, { name: 'dn' }, { name: 'dn', value: { kind: 'if' } }] });
    expect(printExpr(loss.body)).toBe(
      [
        'let dp = dist(anchor, positive, p, eps)',
        'let dn = dist(anchor, negative, p, eps)',
        'let dn = if swap then min(dn, dist(positive, negative, p, eps)) else dn',
        'reduce(max(0, dp - dn + margin), reduction)',
      ].join('\n'),
    );
  });

  it('parses every form of tensor parameter and option', () => {
    const src = `loss l(x[N, D], y[...], z[N, ...], t[N]: int, w[C]: float = 1, s[], any, b = 0.5;
             k = -1, eps = -1e-8, r = "sum", flag = true, dims = [0, 1]) = x`;
    const loss = parse(src).losses[0]! as LossDef;
    const ps = loss.tensorParams;
    expect(ps.map((p) => p.name)).toEqual(['x', 'y', 'z', 't', 'w', 's', 'any', 'b']);
    expect(ps[0]!.dims).toMatchObject([{ kind: 'named', name: 'N' }, { kind: 'named', name: 'D' }]);
    expect(ps[1]!.dims).toMatchObject([{ kind: 'ellipsis' }]);
    expect(ps[2]!.dims).toMatchObject([{ kind: 'named', name: 'N' }, { kind: 'ellipsis' }]);
    expect(ps[3]).toMatchObject({ dtype: 'int', dims: [{ name: 'N' }] });
    expect(ps[4]).toMatchObject({ dtype: 'float', default: { kind: 'num', value: 1 } });
    expect(ps[5]!.dims).toEqual([]);
    expect(ps[6]!.dims).toBeUndefined();
    expect(ps[6]!.dtype).toBeUndefined();
    expect(ps[7]).toMatchObject({ default: { value: 0.5 } });
    expect(loss.options.map((o) => [o.name, printExpr(o.default)])).toEqual([
      ['k', '-1'],
      ['eps', '-1e-8'],
      ['r', '"sum"'],
      ['flag', 'true'],
      ['dims', '[0, 1]'],
    ]);
    expect(loss.options[0]!.default).toMatchObject({ kind: 'unary', op: '-', operand: { kind: 'num', value: 1 } });
    expect(loss.options[2]!.default).toMatchObject({ kind: 'str', value: 'sum' });
  });

  it('parses fixed dims and losses without tensor params or options', () => {
    const u = parse('loss a(x[2, 3]) = x\nloss b(; m = 1) = m\nloss c() = 0\nloss d(x;) = x');
    expect(u.losses[0]!.tensorParams[0]!.dims).toMatchObject([{ kind: 'fixed', size: 2 }, { kind: 'fixed', size: 3 }]);
    expect(u.losses[1]).toMatchObject({ tensorParams: [], options: [{ name: 'm' }] });
    expect(u.losses[2]).toMatchObject({ tensorParams: [], options: [] });
    expect(u.losses[3]).toMatchObject({ tensorParams: [{ name: 'x' }], options: [] });
  });

  it('recovers doc comments: the run of whole-line comments directly above', () => {
    const src = [
      '# not mine: a blank line follows',
      '',
      '# Line one',
      '#  indented',
      '#',
      '#no space',
      'def f(x) = x # trailing, not a doc',
      '# doc of g',
      'def g(x) = x  def h(x) = x # trailing',
      'loss l(x) = x',
      '   # indented doc',
      '   loss m(x) = x',
    ].join('\n');
    const u = parse(src);
    expect(u.defs.map((d) => d.doc)).toEqual(['Line one\n indented\n\nno space', 'doc of g', undefined]);
    expect(u.losses.map((l) => l.doc)).toEqual([undefined, 'indented doc']);
  });

  it('accepts an empty source or one with only comments', () => {
    expect(parse('')).toEqual({ defs: [], losses: [] });
    expect(parse('  # nothing\n\n')).toEqual({ defs: [], losses: [] });
  });
});

describe('spans', () => {
  const src = 'def f(x) = x\n\nloss l(a[N]; m = 1) =\n  let d = a - m\n  mean(max(0, d) ^ 2)';

  it('locates a node on line 3 by line and column', () => {
    const u = parse(src);
    const loss = u.losses[0]!;
    expect(loss.span).toMatchObject({ line: 3, column: 1 });
    expect(spanText(src, loss.span)).toBe(src.slice(src.indexOf('loss')));
    expect(loss.nameSpan).toMatchObject({ line: 3, column: 6, start: src.indexOf('l(a'), end: src.indexOf('l(a') + 1 });
    const a = loss.tensorParams[0]!;
    expect(a.span).toMatchObject({ line: 3, column: 8 });
    expect(spanText(src, a.span)).toBe('a[N]');
    expect(a.dims![0]!.span).toMatchObject({ line: 3, column: 10 });
    expect(spanText(src, loss.options[0]!.span)).toBe('m = 1');
    expect(loss.options[0]!.default.span).toMatchObject({ line: 3, column: 18 });
  });

  it('covers all tokens of composite nodes, and points binary nodes at the operator', () => {
    const u = parse(src);
    const body = u.losses[0]!.body;
    if (body.kind !== 'let') throw new Error('expected let');
    expect(body.span).toMatchObject({ line: 4, column: 3 });
    expect(spanText(src, body.span)).toBe('let d = a - m\n  mean(max(0, d) ^ 2)');
    const b = body.bindings[0]!;
    expect(spanText(src, b.span)).toBe('let d = a - m');
    expect(b.nameSpan).toMatchObject({ line: 4, column: 7 });
    const sub = b.value;
    if (sub.kind !== 'binary') throw new Error('expected binary');
    expect(spanText(src, sub.span)).toBe('a - m');
    expect(sub.opSpan).toMatchObject({ line: 4, column: 13, end: sub.opSpan.start + 1 });
    const call = body.body;
    if (call.kind !== 'call') throw new Error('expected call');
    expect(call.span).toMatchObject({ line: 5, column: 3 });
    expect(spanText(src, call.span)).toBe('mean(max(0, d) ^ 2)');
    expect(spanText(src, call.calleeSpan)).toBe('mean');
    const pow = call.args[0]!.value;
    if (pow.kind !== 'binary') throw new Error('expected binary');
    expect(spanText(src, pow.span)).toBe('max(0, d) ^ 2');
    expect(pow.opSpan).toMatchObject({ line: 5, column: 18 });
    expect(spanText(src, u.defs[0]!.span)).toBe('def f(x) = x');
  });

  it('includes parentheses, brackets and prefix operators', () => {
    const text = '-(a + b) * [1, x[i]]';
    const e = expr(text);
    if (e.kind !== 'binary') throw new Error('expected binary');
    expect(spanText(text, e.span)).toBe(text);
    expect(spanText(text, e.left.span)).toBe('-(a + b)');
    if (e.left.kind !== 'unary') throw new Error('expected unary');
    expect(spanText(text, e.left.operand.span)).toBe('(a + b)');
    expect(spanText(text, e.right.span)).toBe('[1, x[i]]');
    if (e.right.kind !== 'list') throw new Error('expected list');
    expect(spanText(text, e.right.items[1]!.span)).toBe('x[i]');
    const i = expr('if c then "yes" else false');
    expect(i.span).toMatchObject({ start: 0, end: 26 });
  });
});

describe('the parser', () => {
  it('keeps its checked-in CST types in sync with the grammar', () => {
    const generated = generateCstDts(parser.getGAstProductions())
      .split('\n')
      .filter((l) => !l.startsWith('import type'))
      .join('\n')
      .trim();
    const source = readFileSync(new URL('../../grammar/parser.ts', import.meta.url), 'utf8');
    const begin = source.indexOf('// BEGIN GENERATED CST\n');
    const end = source.indexOf('// END GENERATED CST');
    expect(begin).toBeGreaterThan(0);
    const checkedIn = source.slice(begin + '// BEGIN GENERATED CST\n'.length, end).trim();
    expect(checkedIn).toBe(generated);
  });

  it('throws nothing but returns the unit from parseSource', () => {
    expect(parseSource('mean(x^2)')).toMatchObject({ defs: [], losses: [], body: { kind: 'call', callee: 'mean' } });
  });

  it('is reusable: an error does not leak into the next parse', () => {
    expect(tryParseSource('f(').diagnostics).toHaveLength(1);
    expect(tryParseSource('f(x)').diagnostics).toEqual([]);
  });

  // Speed is measured by the benchmarks; this only guards against a pathological slowdown
  // (a 10-line formula parses in about 0.2 ms warm on an idle machine).
  it('parses a 10-line formula in milliseconds once warm', () => {
    const text = TRIPLET;
    for (let i = 0; i < 200; i++) parseSource(text);
    const n = 500;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) parseSource(text);
    const perParse = (performance.now() - t0) / n;
    expect(perParse).toBeLessThan(20);
  });
});

describe('layout rule for let', () => {
  const body = (src: string) => {
    const u = parseSource(src);
    return printExpr(u.body ?? u.losses[0]!.body);
  };
  it('a +/- line under the let starts the body', () => {
    expect(body('let a = x\n-mean(a)')).toBe(body('let a = x\n(-mean(a))'));
    expect(body('loss f(x) =\n  let a = x\n  -mean(a)')).toBe(body('loss f(x) =\n  let a = x\n  (-mean(a))'));
  });
  it('an indented +/- line continues the value', () => {
    expect(body('let a = x\n  - y\na')).toBe(body('let a = x - y\na'));
  });
  it('inside brackets and outside let, newlines are whitespace', () => {
    expect(body('let a = f(x,\n-y)\na')).toBe(body('let a = f(x, -y)\na'));
    expect(body('x\n- y')).toBe(body('x - y'));
  });
});
