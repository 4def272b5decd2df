// The playground's inputs panel, under Node: generated tensors (shapes, dtypes, ranges, seeding),
// pasted JSON, which of the two wins, and the messages for mistakes (with their line).

import { describe, expect, it } from 'vitest';
import { compile, type Tensor } from '../../index.js';
import { collectInputs, generateInputs, InputError, parseJsonInputs } from '../../playground/src/inputs.js';
import { explainSections, backendLine } from '../../playground/src/run.js';

const asTensor = (t: unknown): Tensor => t as Tensor;

describe('generated inputs', () => {
  it('makes tensors of the written shapes and dtypes', () => {
    const got = generateInputs('x: randn(8, 5)\ny: randint(5, [8])  # labels\n\nm: 1.5\nt: linspace(-1, 1, 5)\nu: rand([2, 3])', 0);
    expect(asTensor(got.x).shape).toEqual([8, 5]);
    expect(asTensor(got.x).data).toBeInstanceOf(Float64Array);
    const y = asTensor(got.y);
    expect(y.shape).toEqual([8]);
    expect(y.data).toBeInstanceOf(Int32Array);
    expect(Array.from(y.data).every((v) => v >= 0 && v < 5)).toBe(true);
    expect(got.m).toEqual({ data: [1.5], shape: [] });
    expect(Array.from(asTensor(got.t).data)).toEqual([-1, -0.5, 0, 0.5, 1]);
    const u = asTensor(got.u);
    expect(u.shape).toEqual([2, 3]);
    expect(Array.from(u.data).every((v) => v >= 0 && v < 1)).toBe(true);
  });

  it('is reproducible for a seed and differs between seeds', () => {
    const a = asTensor(generateInputs('x: randn(4, 4)', 7).x).data;
    expect(asTensor(generateInputs('x: randn(4, 4)', 7).x).data).toEqual(a);
    expect(asTensor(generateInputs('x: randn(4, 4)', 8).x).data).not.toEqual(a);
    const mean = Array.from(asTensor(generateInputs('x: randn(4000)', 1).x).data).reduce((s, v) => s + v, 0) / 4000;
    expect(Math.abs(mean)).toBeLessThan(0.1);
  });

  it.each([
    ['x randn(2)', 1, /expected "name: generator"/],
    ['x: randn(2)\ny: gauss(3)', 2, /unknown generator "gauss\(3\)"/],
    ['x: randn(2, -1)', 1, /non-negative integers/],
    ['y: randint(5, 8)', 1, /randint\(high, \[dims\]\)/],
    ['x: randn(2)\nx: randn(3)', 2, /given twice/],
    ['x: randn(2,)', 1, /cannot read the arguments/],
  ])('reports %j at line %i', (spec, line, message) => {
    let err: unknown;
    try {
      generateInputs(spec, 0);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).line).toBe(line);
    expect((err as InputError).message).toMatch(message);
    expect((err as InputError).message).toMatch(new RegExp(`^inputs, line ${line}:`));
  });
});

describe('pasted JSON inputs', () => {
  it('reads the CLI inputs.json layout', () => {
    const got = parseJsonInputs('{"x": {"shape": [2], "data": [1, 2]}, "y": {"shape": [2], "data": [0, 1], "dtype": "int32"}, "s": 3}');
    expect(got).toEqual({ x: { shape: [2], data: [1, 2] }, y: { shape: [2], data: [0, 1], dtype: 'int32' }, s: 3 });
    expect(parseJsonInputs('  ')).toEqual({});
  });

  it.each([['{"x": [1, 2]}', /x: expected/], ['[1]', /expected an object/], ['{"x": ', /inputs JSON/]])('rejects %j', (text, message) => {
    expect(() => parseJsonInputs(text)).toThrow(message);
  });

  it('wins over a generated tensor of the same name; unused spec lines are ignored', () => {
    const got = collectInputs(['x', 'y'], 'x: randn(3)\ny: randn(3)\nunused: randn(2)', '{"x": {"shape": [1], "data": [42]}}', 0);
    expect(Object.keys(got).sort()).toEqual(['x', 'y']);
    expect(got.x).toEqual({ shape: [1], data: [42] });
    expect(asTensor(got.y).shape).toEqual([3]);
  });

  it('feeds the library: the value matches a direct call', () => {
    const loss = compile('mean((x - y)^2)');
    const inputs = collectInputs(loss.inputs, 'x: randn(4, 3)\ny: randn(4, 3)', '', 3);
    const x = asTensor(inputs.x).data;
    const y = asTensor(inputs.y).data;
    const want = Array.from(x).reduce((s, v, i) => s + (v - y[i]!) ** 2, 0) / 12;
    expect((loss.forward(inputs) as Tensor).data[0]).toBeCloseTo(want, 12);
  });
});

describe('explain() as panels', () => {
  it('cuts the report at its section titles and reads the backend line', () => {
    const text = compile('mean(log(softmax(x, dim=1)))').explain({ x: { data: [1, 2, 3, 4, 5, 6], shape: [2, 3] } });
    const sections = explainSections(text);
    expect(sections[0]!.title).toBe('summary');
    expect(sections.map((s) => s.title)).toContain('generated JS');
    expect(sections.map((s) => s.title)).toContain('kernels');
    expect(sections.every((s) => s.body.length > 0)).toBe(true);
    expect(backendLine(text)).toBe('js');
  });
});
