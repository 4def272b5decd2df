// Compile-time export, round trip: every stdlib loss and every PyTorch-checked formula is
// exported to a standalone module, the modules type-check together under `tsc --strict
// --noEmit` and pass `prettier --check`, and then run — imported from a folder outside the
// project, so with nothing of lossc in reach — against compile() (to 1e-12 relative) on the
// fixture inputs and on random inputs of other sizes, in float64 and float32, and against
// PyTorch's own values for the formulas.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { check } from 'prettier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile, type CompiledLoss, type Tensor } from '../../../index.js';
import { exportModule, type InputShapeSpec } from '../../../compiler/export/index.js';
import { stdlibCatalogue, stdlibExport, stdlibLoss } from '../../../stdlib/index.js';
import { parseShapeSpec } from '../../../compiler/export/signature.js';
import { num, readFixture, toTensor, type FixtureTensor, type FormulaCase } from '../../fixtures/load.js';
import { disagreement, rng } from '../../helpers.js';


interface Exported {
  id: string;
  file: string;
  jit: CompiledLoss;
  shapes: Record<string, InputShapeSpec>;
  fixture?: FormulaCase;
  module?: ExportedModule;
}

interface ExportedModule {
  inputs: string[];
  signature: { inputs: { name: string; dtype: 'float' | 'int'; dims: (string | number)[] }[]; value: string[] };
  forward(inputs: Record<string, unknown>): Tensor;
  valueAndGrad(inputs: Record<string, unknown>, opts?: Record<string, unknown>): { value: Tensor; grads: Record<string, Tensor> };
}

const { cases: formulaCases } = readFixture<{ cases: FormulaCase[] }>('formulas.json');

/** Dims a formula case's literal sizes pin (a one-hot of 4 classes), by case and input. */
const FIXED_DIMS: Record<string, Record<string, string>> = {
  rank3_onehot: { x: 'A,B,4', y: 'A,B:int' },
};

/** A formula case's shapes with each size named (equal sizes, one dim), size 1 kept fixed. */
function formulaShapes(c: FormulaCase): Record<string, InputShapeSpec> {
  const fixed = FIXED_DIMS[c.name] ?? {};
  return Object.fromEntries(
    Object.entries(c.inputs).map(([k, t]) => {
      if (fixed[k]) return [k, parseShapeSpec(k, fixed[k]!)];
      const dims = t.shape.map((s) => (s === 1 ? 1 : `S${s}`));
      return [k, { dims, dtype: t.dtype?.startsWith('int') ? 'int' : 'float' } satisfies InputShapeSpec];
    }),
  );
}

/** Stdlib exports beyond the defaults: options that make sizes values, optional inputs, other ranks. */
const STDLIB_VARIANTS: { name: string; params?: Record<string, number | string | boolean>; shapes?: Record<string, string> }[] = [
  { name: 'arcface_loss', params: { s: 16, m: 0.3 } },
  { name: 'cross_entropy', params: { label_smoothing: 0.1 } },
  { name: 'cross_entropy', params: { reduction: 'none' } },
  { name: 'cross_entropy', shapes: { input: 'N,C', target: 'N,C' } },
  { name: 'nll_loss', params: { reduction: 'sum' }, shapes: { weight: 'C' } },
  { name: 'kl_div', params: { reduction: 'batchmean', log_target: true } },
  { name: 'l2_softmax_loss', shapes: { bias: 'C' } },
  { name: 'mse_loss', params: { reduction: 'none' }, shapes: { input: 'N', target: 'N' } },
  { name: 'binary_cross_entropy_with_logits', shapes: { pos_weight: 'D' } },
  { name: 'triplet_margin_loss', params: { swap: true, p: 1 } },
  { name: 'multi_margin_loss', params: { p: 2, margin: 0.5 } },
  { name: 'gaussian_nll_loss', params: { full: true } },
];

let dir: string;
const exported: Exported[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lossc-export-'));
  const add = async (id: string, source: string, opts: Parameters<typeof exportModule>[1], jit: CompiledLoss, fixture?: FormulaCase) => {
    const file = join(dir, `${id}.ts`);
    writeFileSync(file, await exportModule(source, { ...opts, version: 'test' }));
    exported.push({ id, file, jit, shapes: opts?.shapes ?? {}, fixture });
  };
  for (const c of formulaCases) {
    await add(`formula_${c.name}`, c.formula, { params: c.params, shapes: formulaShapes(c) }, compile(c.formula, { params: c.params }), c);
  }
  const variants = [...stdlibCatalogue().map((e) => ({ name: e.name, params: undefined, shapes: undefined })), ...STDLIB_VARIANTS];
  for (const [i, v] of variants.entries()) {
    const s = stdlibExport(v.name);
    const shapes = Object.fromEntries(Object.entries({ ...s.shapes, ...(v.shapes ?? {}) }).map(([k, t]) => [k, parseShapeSpec(k, t)]));
    const opts = { loss: v.name, params: v.params ?? {}, shapes, sourceName: s.sourceName, valueChecks: s.valueChecks, notDifferentiable: s.notDifferentiable };
    await add(`stdlib_${i}_${v.name}`, s.source, opts, stdlibLoss(v.name, v.params ?? {}));
  }
  for (const e of exported) e.module = (await import(pathToFileURL(e.file).href)) as ExportedModule;
}, 600_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('exported modules', () => {
  it('cover every stdlib loss and at least 10 formulas', () => {
    const names = new Set(exported.filter((e) => e.id.startsWith('stdlib_')).map((e) => e.id.replace(/^stdlib_\d+_/, '')));
    expect([...names].sort()).toEqual(stdlibCatalogue().map((e) => e.name).sort());
    expect(exported.filter((e) => e.fixture).length).toBeGreaterThanOrEqual(10);
  });

  it('type-check under tsc --strict --noEmit', () => {
    const tsc = join(process.cwd(), 'node_modules', 'typescript', 'bin', 'tsc');
    // One program for every module: each must stand alone (no imports), so together they do too.
    execFileSync(process.execPath, [tsc, '--strict', '--noEmit', ...exported.map((e) => e.file)], { encoding: 'utf8' });
  }, 120_000);

  it('pass prettier --check', async () => {
    for (const e of exported) expect(await check(readFileSync(e.file, 'utf8'), { parser: 'typescript' }), e.id).toBe(true);
  });
});

/** Agreement to `rel` (test/helpers.ts `disagreement`), or a failure naming the entry. */
function expectSame(a: ArrayLike<number>, b: ArrayLike<number>, rel: number, what: string): void {
  expect(b.length, `${what} length`).toBe(a.length);
  const i = disagreement(a, b, rel);
  if (i >= 0) expect.fail(`${what}[${i}]: export ${b[i]}, compile() ${a[i]}`);
}

/** Sizes of the named dims of a case: the fixture's, or a second set none of whose dims is the same. */
function inputsFor(e: Exported, sizes: (name: string, at: number) => number, seed: number, float32: boolean): Record<string, Tensor> {
  const r = rng(seed);
  const out: Record<string, Tensor> = {};
  const names = e.module!.inputs;
  for (const name of names) {
    const spec = e.shapes[name] ?? guessedSpec(e, name);
    const shape = spec.dims.map((d, k) => (typeof d === 'number' ? d : sizes(d, k)));
    const n = shape.reduce((a, b) => a * b, 1);
    if (spec.dtype === 'int') out[name] = { data: Int32Array.from({ length: n }, () => Math.floor(r() * 2)), shape };
    else {
      const data = Float64Array.from({ length: n }, () => 0.05 + 0.9 * r());
      out[name] = { data: float32 ? Float32Array.from(data) : data, shape };
    }
  }
  return out;
}

/** Dims of an input the export chose itself, as the module states them. */
function guessedSpec(e: Exported, name: string): InputShapeSpec {
  const i = e.module!.signature.inputs.find((x) => x.name === name);
  if (!i) throw new Error(`no shape for ${name} in ${e.id}`);
  return { dims: i.dims, dtype: i.dtype };
}

const SIZE_SETS: Record<string, number>[] = [
  { N: 3, C: 4, D: 5 },
  { N: 1, C: 2, D: 7 },
];

describe('exported modules agree with compile()', () => {
  for (const c of formulaCases) {
    it(`formula ${c.name}: fixture inputs, float64 and float32, and PyTorch's values`, () => {
      const e = exported.find((x) => x.id === `formula_${c.name}`)!;
      for (const float32 of [false, true]) {
        const inputs = Object.fromEntries(Object.entries(c.inputs).map(([k, t]) => [k, toTensor(t, float32)]));
        const scalar = c.value.shape.length === 0;
        const opts = scalar ? {} : { gradOutput: toTensor(c.grad_output, float32) };
        const want = e.jit.valueAndGrad(inputs, opts);
        const got = e.module!.valueAndGrad(inputs, opts);
        expect(got.value.shape).toEqual(want.value.shape);
        expect(got.value.data.constructor).toBe(want.value.data.constructor);
        expectSame(want.value.data, got.value.data, 1e-12, 'value');
        expect(Object.keys(got.grads).sort()).toEqual(Object.keys(want.grads).sort());
        for (const k of Object.keys(want.grads)) expectSame(want.grads[k]!.data, got.grads[k]!.data, 1e-12, `grad ${k}`);
        expectSame(want.value.data, e.module!.forward(inputs).data, 1e-12, 'forward');
        if (!float32) {
          c.value.data.forEach((v, i) => expect(Math.abs(got.value.data[i]! - num(v))).toBeLessThanOrEqual(1e-9 * Math.abs(num(v)) + 1e-13));
        }
      }
    });
    it(`formula ${c.name}: other sizes`, () => {
      const e = exported.find((x) => x.id === `formula_${c.name}`)!;
      const other = (d: string) => (d.startsWith('S') ? Number(d.slice(1)) + 2 : 3);
      compareRandom(e, other, 7);
    });
  }
  const variants: (typeof STDLIB_VARIANTS)[number][] = [...stdlibCatalogue().map((x) => ({ name: x.name })), ...STDLIB_VARIANTS];
  for (const [i, v] of variants.entries()) {
    it(`stdlib ${v.name}${v.params || v.shapes ? ` ${JSON.stringify(v.params ?? {})} ${JSON.stringify(v.shapes ?? {})}` : ''}`, () => {
      const e = exported.find((x) => x.id === `stdlib_${i}_${v.name}`)!;
      SIZE_SETS.forEach((set, k) => compareRandom(e, (d) => set[d] ?? 3 + k, 11 + k));
    });
  }
});

function compareRandom(e: Exported, size: (d: string) => number, seed: number): void {
  for (const float32 of [false, true]) {
    const inputs = inputsFor(e, size, seed, float32);
    const want = e.jit.valueAndGrad(inputs);
    const scalar = want.value.shape.length === 0;
    const gradOutput = scalar ? undefined : { data: Float64Array.from(want.value.data, (_, j) => 1 + (j % 3)), shape: want.value.shape };
    const a = gradOutput ? e.jit.valueAndGrad(inputs, { gradOutput }) : want;
    const b = e.module!.valueAndGrad(inputs, gradOutput ? { gradOutput } : {});
    expect(b.value.shape).toEqual(a.value.shape);
    expectSame(a.value.data, b.value.data, 1e-12, `${e.id} value`);
    expect(Object.keys(b.grads).sort()).toEqual(Object.keys(a.grads).sort());
    for (const k of Object.keys(a.grads)) {
      expect(b.grads[k]!.shape).toEqual(a.grads[k]!.shape);
      expectSame(a.grads[k]!.data, b.grads[k]!.data, 1e-12, `${e.id} grad ${k}`);
    }
  }
}
