// Code-generation safety: formulas, names and option values are user text, and the compiler
// turns them into executable code. No user text may reach that code: identifiers are
// generated, strings are never spliced in, numbers are emitted canonically. Hostile names
// work as ordinary names (or fail as ordinary mistakes), hostile strings are refused as
// invalid option values, and a canary on globalThis stays unset throughout.

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { compile, LossError, stdlib, type Tensor } from '../../index.js';
import { numLit } from '../../compiler/codegen/js.js';
import { BUILTINS } from '../../compiler/builtins.js';
import { MATH_PRELUDE_JS } from '../../compiler/mathlib.js';
import { OPS } from '../../compiler/ops.js';
import { main } from '../../cli/main.js';
import { build } from '../fuzz/harness.js';

const CANARY = '__losscCanary';
const g = globalThis as Record<string, unknown>;
const untouched = () => {
  expect(g[CANARY]).toBeUndefined();
  expect(g.x).toBeUndefined();
};
beforeAll(untouched);
afterAll(untouched);

const HOSTILE_NAMES = ['constructor', '__proto__', 'toString', 'prototype', 'process', 'require', 'eval', 'globalThis', 'hasOwnProperty', 'valueOf', 'arguments', 'this', 'Function', 'in0', 'out0', 'fail', 'run', 'Math', 'NaN', 'Infinity', 'undefined'];
const HOSTILE_STRINGS = [
  'mean"); globalThis.x = 1; ("',
  `mean"); globalThis.${CANARY} = 1; ("`,
  "mean'); globalThis.x = 1; ('",
  'mean`); globalThis.x = 1; (`',
  'mean${globalThis.x = 1}',
  'mean\\u0022); globalThis.x = 1; (\\u0022',
  'mean\u2028globalThis.x = 1',
  '*/ globalThis.x = 1; /*',
  '\n}; globalThis.x = 1; {',
];

const x = { data: Float64Array.from([1, 2, 3]), shape: [3] };
/** An inputs object holding `name` as an own property, whatever the name. */
const own = (name: string, v: unknown): Record<string, Tensor> => {
  const o: Record<string, Tensor> = {};
  Object.defineProperty(o, name, { value: v, enumerable: true });
  return o;
};

describe('hostile names are ordinary names', () => {
  for (const n of HOSTILE_NAMES) {
    it(`'${n}' as an input, a param, a let, a def, a loss parameter and option`, () => {
      // A name the language already uses (a built-in such as `require`) cannot be an input;
      // every other name works in every role.
      const run = (f: () => unknown): unknown => {
        try {
          return f();
        } catch (e) {
          expect(e).toBeInstanceOf(LossError);
          return e;
        }
      };
      const asInput = run(() => {
        const loss = compile(`${n} * 2 + sum(${n})`);
        expect(loss.inputs).toEqual([n]);
        const r = loss.valueAndGrad(own(n, x));
        expect(Object.keys(r.grads)).toEqual([n]);
        expect(Array.from(r.grads[n]!.data)).toEqual([5, 5, 5]);
        return Array.from((loss.forward(own(n, x)) as Tensor).data);
      });
      const asParam = run(() => Array.from((compile(`x * ${n}`, { params: own(n, 3) as never }).forward({ x }) as Tensor).data));
      const asLet = run(() => (compile(`let ${n} = x * 2\nsum(${n})`).forward({ x }) as Tensor).data[0]);
      const asDef = run(() => (compile(`def ${n}(a) = a * 2\nsum(${n}(x))`).forward({ x }) as Tensor).data[0]);
      const asLoss = run(() => {
        const loss = compile(`loss ${n}(${n}; k = 1) = sum(${n}) * k`, { params: { k: 3 } });
        expect(loss.name).toBe(n);
        return (loss.forward(own(n, { data: [1, 2], shape: [2] })) as Tensor).data[0];
      });
      const asOption = run(() => (compile(`loss l(x; ${n} = 1) = sum(x) * ${n}`, { params: own(n, 3) as never }).forward({ x }) as Tensor).data[0]);
      if (Object.hasOwn(BUILTINS, n)) {
        expect((asInput as LossError).code).toBe('LD2009');
      } else {
        expect(asInput).toEqual([8, 10, 12]);
        expect(asParam).toEqual([3, 6, 9]);
        expect(asLet).toBe(12);
        expect(asDef).toBe(12);
        expect(asLoss).toBe(9);
        expect(asOption).toBe(18);
      }
      untouched();
    });
  }

  it('names that are not of the language are refused where they stand', () => {
    for (const [src, col] of [['x\u2028+ x', 2], ['xé + 1', 2], ['globalThis.x = 1', 11], ['a; globalThis.x = 1', 2], ['`x`', 1]] as const) {
      const e = (() => {
        try {
          compile(src);
        } catch (err) {
          return err;
        }
      })();
      expect(e, src).toBeInstanceOf(LossError);
      expect((e as LossError).span?.column, src).toBe(col);
    }
    expect(() => compile('sum(x)').forward({ x, 'x\u2028': x })).toThrow(/LD3002/);
    untouched();
  });

  it('the standard library namespace has no inherited members', () => {
    const lib = stdlib as unknown as Record<string, unknown>;
    for (const n of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      expect(lib[n]).toBeUndefined();
      expect(n in lib).toBe(false);
    }
    expect(() => compile('loss l(x) = sum(x)', { loss: '__proto__' })).toThrow(/LD2040/);
  });

  it('inputs, params and out buffers are read as own properties only', () => {
    // JSON.parse makes `__proto__` an own key: a param like any other (unused here).
    const loss = compile('sum(x * k)', { params: JSON.parse('{"k": 2, "__proto__": 5}') as Record<string, number> });
    expect((loss.forward({ x }) as Tensor).data[0]).toBe(12);
    expect(() => loss.forward(JSON.parse('{"x": {"data": [1], "shape": [1]}, "__proto__": {"data": [1], "shape": [1]}}'))).toThrow(/LD3002.*__proto__/);
    const nullProto = Object.assign(Object.create(null) as Record<string, Tensor>, { x });
    expect((loss.forward(nullProto) as Tensor).data[0]).toBe(12);
    // `constructor` is not found on a plain {} of out buffers.
    const c = compile('sum(constructor ^ 2)');
    const r = c.valueAndGrad(own('constructor', x), { out: {} });
    const key: string = 'constructor';
    expect(Array.from(r.grads[key]!.data)).toEqual([2, 4, 6]);
    expect(() => compile('sum(x)', { params: { k: (() => 1) as never } })).toThrow(/LD2042/);
    expect(() => compile('sum(x)', { params: { k: { toString: () => 'mean' } as never } })).toThrow(/LD2042/);
  });
});

describe('hostile option strings are refused, never run', () => {
  const file = 'loss l(x; reduction = "mean") = reduce(x, reduction)';

  for (const s of HOSTILE_STRINGS) {
    it(`reduction = ${JSON.stringify(s)}`, () => {
      for (const f of [
        () => compile(file, { params: { reduction: s } }).forward({ x }),
        () => stdlib.mse_loss!({ reduction: s }).forward({ input: x, target: x }),
        () => compile(`reduce(x, ${JSON.stringify(s)})`).forward({ x }),
      ]) {
        let err: unknown;
        try {
          f();
        } catch (e) {
          err = e;
        }
        // A string that is not a valid formula string is a syntax error; otherwise the option
        // check refuses it (LD2042).
        expect(err).toBeInstanceOf(LossError);
        expect(['LD2042', 'LD1002', 'LD1006', 'LD1001']).toContain((err as LossError).code);
      }
      untouched();
    });
  }

  it('from the command line (--params)', async () => {
    const out: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((t) => (out.push(String(t)), true));
    vi.spyOn(process.stdout, 'write').mockImplementation((t) => (out.push(String(t)), true));
    try {
      const inputs = JSON.stringify({ x: { shape: [3], data: [1, 2, 3] } });
      for (const s of HOSTILE_STRINGS) {
        const code = await main(['eval', '-e', file, '--inputs', inputs, '--params', `reduction=${s}`]);
        expect(code).toBe(1);
      }
      expect(out.join('')).toMatch(/LD2042|LD4003/);
      out.length = 0;
      expect(await main(['eval', '-e', 'sum(x * __proto__)', '--inputs', inputs, '-p', '__proto__=2'])).toBe(0);
      expect(JSON.parse(out.join(''))).toEqual({ value: { shape: [], data: [12] } });
    } finally {
      vi.restoreAllMocks();
    }
    untouched();
  });
});

describe('generated code holds only generated identifiers and canonical numbers', () => {
  const KEYWORDS = new Set(['use', 'strict', 'function', 'return', 'const', 'let', 'for', 'if', 'else', 'new', 'Float64Array', 'Math', 'NaN', 'Infinity', 'fail', 'run', 'fill']);
  const MATH = new Set(Object.getOwnPropertyNames(Math));
  const PRELUDE = new Set(MATH_PRELUDE_JS.match(/[A-Za-z_$][\w$]*/g));
  const OPNAMES = new Set(Object.keys(OPS));
  const GENERATED = /^(in|out|t|b|r|a|m|i|s|acc|row|p)\d*$/;

  /** Identifiers of the generated source outside comments that nothing generated explains. */
  function foreign(src: string): string[] {
    const code = src.replace(/\/\/.*$/gm, '').replace(/"use strict";/, '');
    expect(code).not.toMatch(/["'`]/); // no string literal at all
    return [...new Set(code.match(/[A-Za-z_$][\w$]*/g) ?? [])].filter((id) => !KEYWORDS.has(id) && !MATH.has(id) && !PRELUDE.has(id) && !GENERATED.test(id) && !/^[eE]$/.test(id));
  }

  it('hostile names never appear in the generated function', () => {
    for (const n of HOSTILE_NAMES.filter((h) => !['NaN', 'Infinity', 'Math', 'fail'].includes(h))) {
      let built;
      try {
        built = build(`let ${n}2 = ${n} * 2\nsum(exp(${n}2) + ${n}2[y])`, { [n]: { data: new Float64Array(12), shape: [3, 4] }, y: { data: Int32Array.from([0, 1, 2]), shape: [3] } }, { wrt: [n] });
      } catch (e) {
        expect(e).toBeInstanceOf(LossError);
        continue;
      }
      const src = built.program.js.source;
      expect(foreign(src), n).toEqual([]);
      const comments = (src.match(/\/\/.*$/gm) ?? []).join('\n');
      for (const id of comments.match(/[A-Za-z_]+/g) ?? []) expect(OPNAMES.has(id) || ['map', 'reduce', 'logsumexp', 'matmul', 'index_add'].includes(id), id).toBe(true);
    }
  });

  it('numbers round-trip exactly, -0, subnormals, 1e308, NaN and infinities included', () => {
    const back = (v: number) => new Function(`return ${numLit(v)};`)() as number;
    for (const v of [0, -0, 1e308, -1e308, 5e-324, -5e-324, 1e-7, 1 / 3, NaN, Infinity, -Infinity, 2 ** 53 + 2, -1]) {
      expect(Object.is(back(v), v), String(v)).toBe(true);
    }
    expect(numLit(-0)).toBe('(-0)');
    expect(numLit(-Infinity)).toBe('(-Infinity)');
    fc.assert(fc.property(fc.double(), (v) => Object.is(back(v), v) && /^\(?-?([\d.]+(e[+-]\d+)?|NaN|Infinity)\)?$/.test(numLit(v))), { numRuns: 2000, seed: 5 });
  });

  it('constants of a formula reach the result exactly', () => {
    const one = { x: { data: [1], shape: [1] } };
    expect((compile('x * 1e308').forward(one) as Tensor).data[0]).toBe(1e308);
    expect((compile('x * 1e308 * 10').forward(one) as Tensor).data[0]).toBe(Infinity);
    expect(Object.is((compile('x * -0').forward(one) as Tensor).data[0], -0)).toBe(true);
    expect((compile('x * 5e-324').forward(one) as Tensor).data[0]).toBe(5e-324);
    expect(() => compile('x * 1e400')).toThrow(/LD1012/);
  });
});
