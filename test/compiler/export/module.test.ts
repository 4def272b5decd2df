// Exported modules as users meet them: the JavaScript target, input validation with the JIT's
// messages, index and value checks that name the source, sizes read at every call, caller
// buffers, the upstream gradient, losses that cannot be exported, and source text that must
// stay inert in the generated file.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile, LossError, type Tensor } from '../../../index.js';
import { exportModule, parseShapeSpec, renderExport, type ExportModuleOptions } from '../../../compiler/export/index.js';
import { stdlibExport, stdlibLoss } from '../../../stdlib/index.js';
import { errorOf } from '../../helpers.js';

interface Module {
  name: string;
  inputs: string[];
  signature: { inputs: { name: string; dtype: string; dims: (string | number)[] }[]; value: string[] };
  forward(inputs: unknown): Tensor;
  valueAndGrad(inputs: unknown, opts?: unknown): { value: Tensor; grads: Record<string, Tensor> };
  LossError: new (...args: never[]) => Error & { code: string };
}

let dir: string;
let count = 0;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lossc-module-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function load(source: string, opts: ExportModuleOptions = {}): Promise<Module> {
  const file = join(dir, `m${count++}.${opts.target === 'js' ? 'mjs' : 'ts'}`);
  writeFileSync(file, await exportModule(source, opts));
  return (await import(pathToFileURL(file).href)) as Module;
}

async function loadStdlib(name: string, params: Record<string, number | string | boolean> = {}, shapes: Record<string, string> = {}): Promise<Module> {
  const s = stdlibExport(name);
  const all = Object.fromEntries(Object.entries({ ...s.shapes, ...shapes }).map(([k, v]) => [k, parseShapeSpec(k, v)]));
  return load(s.source, { loss: name, params, shapes: all, sourceName: s.sourceName, valueChecks: s.valueChecks, notDifferentiable: s.notDifferentiable });
}

/** The error a call raises: its class name, code and message. */
const triplet = 'mean(max(0, d(a, p) - d(a, n) + margin))';
const t = (data: number[], shape: number[]) => ({ data: Float64Array.from(data), shape });

describe('the JavaScript target', () => {
  it('runs with the same results as the TypeScript module and compile()', async () => {
    const js = await load(triplet, { params: { margin: 0.5 }, target: 'js' });
    const ts = await load(triplet, { params: { margin: 0.5 } });
    const inputs = { a: t([1, 2, 3, 4], [2, 2]), p: t([1, 2.5, 2, 4], [2, 2]), n: t([0, 2, 3, 5], [2, 2]) };
    const want = compile(triplet, { params: { margin: 0.5 } }).valueAndGrad(inputs);
    for (const m of [js, ts]) {
      const got = m.valueAndGrad(inputs);
      expect(Array.from(got.value.data)).toEqual(Array.from(want.value.data));
      for (const k of ['a', 'p', 'n']) expect(Array.from(got.grads[k]!.data)).toEqual(Array.from(want.grads[k]!.data));
    }
  });
  it('has no type annotations', () => {
    const text = renderExport(triplet, { params: { margin: 0.5 }, target: 'js' });
    expect(text).not.toMatch(/: (number|string|boolean|FloatArray|AnyArray|Inputs)\b/);
    expect(text).not.toMatch(/^export (type|interface)/m);
  });
});

describe('calls', () => {
  it('reads the sizes at every call (N and D change between calls)', async () => {
    const m = await load(triplet, { params: { margin: 0.5 } });
    const loss = compile(triplet, { params: { margin: 0.5 } });
    for (const [n, d] of [[2, 3], [5, 1], [1, 4], [0, 2]] as const) {
      const mk = (k: number) => t(Array.from({ length: n * d }, (_, i) => Math.sin(i * k)), [n, d]);
      const inputs = { a: mk(1), p: mk(2), n: mk(3) };
      const got = m.forward(inputs).data[0]!;
      const want = loss.forward(inputs).data[0]!;
      if (n === 0) expect(Number.isNaN(got) && Number.isNaN(want)).toBe(true);
      else expect(got).toBe(want);
    }
  });

  it('states its signature', async () => {
    const m = await loadStdlib('cross_entropy');
    expect(m.name).toBe('cross_entropy');
    expect(m.inputs).toEqual(['input', 'target']);
    expect(m.signature).toEqual({
      inputs: [
        { name: 'input', dtype: 'float', dims: ['N', 'C'] },
        { name: 'target', dtype: 'int', dims: ['N'] },
      ],
      value: [],
    });
  });

  it('validates inputs with the messages and codes of compile()', async () => {
    const m = await loadStdlib('cross_entropy');
    const jit = stdlibLoss('cross_entropy');
    const input = t([1, 2, 3, 4, 5, 6], [2, 3]);
    const target = { data: Int32Array.from([0, 2]), shape: [2] };
    // [what, inputs, the module's code, whether compile() reports it at the call the same way]
    const cases: [string, unknown, string, boolean][] = [
      ['missing input', { input }, 'LD3001', true],
      ['unknown input', { input, target, weights: input }, 'LD3002', false],
      ['dims disagree', { input, target: { data: Int32Array.from([0, 1, 2]), shape: [3] } }, 'LD3005', false],
      ['float target', { input, target: t([0, 1], [2]) }, 'LD3003', false],
      ['int input', { input: { data: Int32Array.from([1, 2, 3, 4, 5, 6]), shape: [2, 3] }, target }, 'LD3003', false],
      ['data and shape disagree', { input: t([1, 2, 3], [2, 3]), target }, 'LD3004', true],
      ['bad shape', { input: { data: [1], shape: [-1] }, target }, 'LD3008', true],
      ['not a tensor', { input: 'x', target }, 'LD3008', true],
    ];
    for (const [what, inputs, code, same] of cases) {
      const e = errorOf(() => m.forward(inputs));
      expect(e.name, what).toBe('LossError');
      expect(e.code, what).toBe(code);
      if (!same) continue;
      const j = errorOf(() => jit.forward(inputs as never));
      expect(j.code, what).toBe(code);
      expect(e.message, what).toBe(j.message.split('\n')[0]);
    }
    // cross_entropy takes other ranks under compile(); the module, the ranks it was exported for.
    expect(errorOf(() => m.forward({ input: t([1, 2, 3], [3]), target })).message).toBe("error LD3006: Input 'input': expected 2 dims [N, C] but got shape [3]");
    expect(errorOf(() => m.forward({ input, target: { data: Int32Array.from([0, 1, 2]), shape: [3] } })).message).toBe(
      "error LD3005: Input 'target' has N = 3, but 'input' has N = 2",
    );
  });

  it('reports an out-of-range class index at the source of the indexing, with its position', async () => {
    const m = await loadStdlib('cross_entropy');
    const e = errorOf(() => m.forward({ input: t([1, 2, 3, 4, 5, 6], [2, 3]), target: { data: Int32Array.from([0, 3]), shape: [2] } }));
    expect(e.code).toBe('LD3007');
    expect(e.message).toMatch(/class index 3 is out of range \[0, 3\) in .*stdlib\/classification\.loss:\d+:\d+.* at position \[1\]/);
  });

  it("checks input values as PyTorch does (binary_cross_entropy's probabilities)", async () => {
    const m = await loadStdlib('binary_cross_entropy');
    const e = errorOf(() => m.forward({ input: t([0.5, 1.5], [1, 2]), target: t([0, 1], [1, 2]) }));
    expect(e).toEqual({
      name: 'LossError',
      code: 'LD3060',
      message: "error LD3060: Input 'input' of binary_cross_entropy: all elements of input should be between 0 and 1 (element [0, 1] is 1.5)",
    });
    expect(m.forward({ input: t([0.5, 1], [1, 2]), target: t([0, 1], [1, 2]) }).data[0]).toBeCloseTo(stdlibLoss('binary_cross_entropy').forward({ input: t([0.5, 1], [1, 2]), target: t([0, 1], [1, 2]) }).data[0]!, 14);
  });

  it('refuses the gradients PyTorch refuses, and leaves them out by default', async () => {
    const m = await loadStdlib('soft_margin_loss');
    const inputs = { input: t([0.3, -1.2], [1, 2]), target: t([1, -1], [1, 2]) };
    expect(Object.keys(m.valueAndGrad(inputs).grads)).toEqual(['input']);
    expect(errorOf(() => m.valueAndGrad(inputs, { wrt: ['target'] })).code).toBe('LD3061');
    expect(errorOf(() => m.valueAndGrad(inputs, { wrt: ['nope'] })).code).toBe('LD3009');
  });

  it('takes an upstream gradient for a non-scalar value, and scales a scalar one', async () => {
    const none = await loadStdlib('mse_loss', { reduction: 'none' }, { input: 'N', target: 'N' });
    const jit = stdlibLoss('mse_loss', { reduction: 'none' });
    const inputs = { input: t([1, 2, 3], [3]), target: t([0, 0, 1], [3]) };
    const gradOutput = t([1, -2, 0.5], [3]);
    expect(Array.from(none.valueAndGrad(inputs, { gradOutput }).grads.input!.data)).toEqual(Array.from(jit.valueAndGrad(inputs, { gradOutput }).grads.input!.data));
    expect(Array.from(none.valueAndGrad(inputs).grads.input!.data)).toEqual([2, 4, 4]);
    expect(errorOf(() => none.valueAndGrad(inputs, { gradOutput: t([1], [1]) })).code).toBe('LD3010');
    const mean = await loadStdlib('mse_loss', {}, { input: 'N', target: 'N' });
    expect(Array.from(mean.valueAndGrad(inputs, { gradOutput: 3 }).grads.input!.data)).toEqual(Array.from(stdlibLoss('mse_loss').valueAndGrad(inputs, { gradOutput: 3 }).grads.input!.data));
  });

  it('writes gradients into caller buffers, refusing shared memory', async () => {
    const m = await load(triplet, { params: { margin: 0.5 } });
    const inputs = { a: t([1, 2, 3, 4], [2, 2]), p: t([1, 2.5, 2, 4], [2, 2]), n: t([0, 2, 3, 5], [2, 2]) };
    const buf = new Float64Array(4);
    const r = m.valueAndGrad(inputs, { wrt: ['a'], out: { a: buf } });
    expect(r.grads.a!.data).toBe(buf);
    expect(Object.keys(r.grads)).toEqual(['a']);
    expect(Array.from(buf)).toEqual(Array.from(compile(triplet, { params: { margin: 0.5 } }).valueAndGrad(inputs).grads.a!.data));
    expect(errorOf(() => m.valueAndGrad(inputs, { out: { a: inputs.p.data } })).code).toBe('LD3012');
    expect(errorOf(() => m.valueAndGrad(inputs, { out: { a: new Float64Array(3) } })).code).toBe('LD3011');
  });

  it('gives float32 results for float32 inputs, float64 otherwise', async () => {
    const m = await load(triplet, { params: { margin: 0.5 } });
    const f32 = (x: number[]) => ({ data: Float32Array.from(x), shape: [2, 2] });
    const r = m.valueAndGrad({ a: f32([1, 2, 3, 4]), p: f32([1, 2.5, 2, 4]), n: f32([0, 2, 3, 5]) });
    expect(r.value.data).toBeInstanceOf(Float32Array);
    expect(r.grads.a!.data).toBeInstanceOf(Float32Array);
    // Mixed dtypes compute in float64; plain arrays are float64 data.
    expect(m.forward({ a: f32([1, 2, 3, 4]), p: t([1, 2.5, 2, 4], [2, 2]), n: f32([0, 2, 3, 5]) }).data).toBeInstanceOf(Float64Array);
    const plain = m.forward({ a: { data: [1, 2, 3, 4], shape: [2, 2] }, p: { data: [1, 2.5, 2, 4], shape: [2, 2] }, n: { data: [0, 2, 3, 5], shape: [2, 2] } });
    expect(plain.data[0]).toBe(m.forward({ a: t([1, 2, 3, 4], [2, 2]), p: t([1, 2.5, 2, 4], [2, 2]), n: t([0, 2, 3, 5], [2, 2]) }).data[0]);
  });
});

describe('export', () => {
  it('refuses a loss whose code would depend on the value of a size', () => {
    expect(() => renderExport('if size(x, 1) == 3 then sum(x) else mean(x)')).toThrow(/LD2080/);
    try {
      renderExport('if size(x, 1) == 3 then sum(x) else mean(x)');
    } catch (e) {
      expect(e).toBeInstanceOf(LossError);
      expect((e as LossError).span).toMatchObject({ line: 1, column: 4 });
    }
    // With that dim fixed, it exports.
    expect(renderExport('if size(x, 1) == 3 then sum(x) else mean(x)', { shapes: { x: parseShapeSpec('x', 'N,3') } })).toContain('export function forward');
  });

  it('reports source errors, unknown inputs and bad shapes as LossError', () => {
    expect(() => renderExport('mean(x +)')).toThrow(LossError);
    expect(() => renderExport('mean(x)', { shapes: { y: { dims: ['N'] } } })).toThrow(/LD3002/);
    expect(() => parseShapeSpec('x', 'N,C:float64')).toThrow(/LD2081/);
    expect(() => parseShapeSpec('x', 'N,-1')).toThrow(/LD2081/);
    expect(() => renderExport('sum(x @ y)', { shapes: { x: { dims: ['N', 'K'] }, y: { dims: ['M', 'J'] } } })).toThrow(/LD2015/);
  });

  it('keeps source text inert: comments, line separators and quotes cannot become code', async () => {
    const hostile = 'mean(x) # */ \u2028 globalThis.lossc_pwned = 1; \u2029 (globalThis as any).lossc_pwned2 = 1';
    const text = renderExport(hostile, { params: {} });
    const m = await load(hostile);
    expect((globalThis as Record<string, unknown>).lossc_pwned).toBeUndefined();
    expect((globalThis as Record<string, unknown>).lossc_pwned2).toBeUndefined();
    expect(m.forward({ x: t([1, 2, 3], [1, 3]) }).data[0]).toBe(2);
    for (const line of text.split(/\r\n|[\n\r\u2028\u2029]/)) if (line.includes('lossc_pwned')) expect(line.trimStart().startsWith('//')).toBe(true);
    const quoted = await load('if mode == "a\\"b" then sum(x) else mean(x)', { params: { mode: 'a"b\u2028`${globalThis.lossc_pwned3 = 1}`' } });
    expect(quoted.forward({ x: t([1, 2, 3], [1, 3]) }).data[0]).toBe(2);
    expect((globalThis as Record<string, unknown>).lossc_pwned3).toBeUndefined();
  });
});

describe('hostile names', () => {
  it('inputs named __proto__ and constructor are ordinary inputs and gradients', async () => {
    const src = 'mean((__proto__ - constructor) ^ 2)';
    const shapes = JSON.parse('{"__proto__": {"dims": ["N"]}, "constructor": {"dims": ["N"]}}') as ExportModuleOptions['shapes'];
    const m = await load(src, { shapes });
    expect(m.signature.inputs.map((i) => i.dims)).toEqual([['N'], ['N']]);
    const inputs = JSON.parse('{"__proto__": {"data": [1, 2, 3], "shape": [3]}, "constructor": {"data": [0, 0, 1], "shape": [3]}}') as Record<string, unknown>;
    const r = m.valueAndGrad(inputs);
    const want = compile(src).valueAndGrad(inputs as never);
    expect(Object.keys(r.grads).sort()).toEqual(['__proto__', 'constructor']);
    expect(Object.getPrototypeOf(r.grads)).toBe(Object.prototype);
    expect(Array.from(r.grads.__proto__!.data)).toEqual(Array.from(want.grads.__proto__!.data));
    const only = m.valueAndGrad(inputs, { wrt: ['constructor'] }).grads as Record<string, Tensor | undefined>;
    expect(Array.from(only['constructor']!.data)).toEqual(Array.from((want.grads as Record<string, Tensor>)['constructor']!.data));
  });
});
