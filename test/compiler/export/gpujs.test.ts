// Exported modules for the gpu.js back end (`lossc compile --backend gpu.js`): standalone
// modules for fixed sizes that import only gpu.js, type-check under tsc --strict, pass prettier,
// and give exactly the numbers compile(src, { backend: 'gpu.js' }) gives in the same mode (the
// same plans, kernels and executor), and the JS back end's to 1e-4 relative / 1e-6 absolute.
// Modules are written inside the project (test/.tmp-gpujs-export) so `gpu.js` resolves.

import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile, type Tensor } from '../../../index.js';
import { exportModule, parseShapeSpec, renderExport, type ExportModuleOptions } from '../../../compiler/export/index.js';
import { stdlibExport } from '../../../stdlib/index.js';
import { KERNEL_HELPERS, KERNEL_HELPERS_JS } from '../../../compiler/codegen/gpujsMath.js';
import { gpujsModes } from '../../../runtime/gpujsBackend.js';
import { errorOf } from '../../helpers.js';

interface Module {
  name: string;
  inputs: string[];
  signature: { inputs: { name: string; dtype: string; dims: (string | number)[] }[]; value: string[] };
  forward(inputs: unknown): Tensor;
  valueAndGrad(inputs: unknown, opts?: unknown): { value: Tensor; grads: Record<string, Tensor> };
  setMode(mode: string): void;
  getMode(): string;
  LossError: new (...args: never[]) => Error & { code: string };
}

const root = join(import.meta.dirname, '..', '..', '..');
const dir = join(root, 'test', '.tmp-gpujs-export');
const tool = (name: string, args: string[]) => spawnSync(process.execPath, [join(root, 'node_modules', name), ...args], { encoding: 'utf8', cwd: dir });

beforeAll(() => {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Case {
  file: string;
  source: string;
  /** compile() options for the same loss (the JIT). */
  jit: { loss?: string; params?: Record<string, number | string | boolean> };
  opts: ExportModuleOptions;
  /** Inputs, by dtype of the float inputs. */
  inputs: (float32: boolean) => Record<string, { data: Float32Array | Float64Array | Int32Array; shape: number[] }>;
}

/** Deterministic values in [-1.5, 1.5). */
function floats(n: number, seed: number, float32: boolean): Float32Array | Float64Array {
  const a = float32 ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = ((Math.sin(seed * 12.9898 + i * 78.233) * 43758.5453) % 1) * 1.5;
  return a;
}
const classes = (n: number, c: number, seed: number) => Int32Array.from({ length: n }, (_, i) => (i * 7 + seed) % c);

function stdlibCase(name: string, file: string, params: Record<string, number | string | boolean>, shapes: Record<string, string>, inputs: Case['inputs']): Case {
  const s = stdlibExport(name);
  return {
    file,
    source: s.source,
    jit: { loss: name, params },
    opts: {
      loss: name,
      params,
      sourceName: s.sourceName,
      valueChecks: s.valueChecks,
      notDifferentiable: s.notDifferentiable,
      shapes: Object.fromEntries(Object.entries(shapes).map(([k, v]) => [k, parseShapeSpec(k, v)])),
    },
    inputs,
  };
}

const tripletSource = 'mean(max(0, d(a, p) - d(a, n) + margin))';
const CASES: Case[] = [
  {
    file: 'triplet',
    source: tripletSource,
    jit: { params: { margin: 0.5 } },
    opts: { params: { margin: 0.5 }, shapes: { a: parseShapeSpec('a', '8,4'), p: parseShapeSpec('p', '8,4'), n: parseShapeSpec('n', '8,4') } },
    inputs: (f32) => ({ a: { data: floats(32, 1, f32), shape: [8, 4] }, p: { data: floats(32, 2, f32), shape: [8, 4] }, n: { data: floats(32, 3, f32), shape: [8, 4] } }),
  },
  stdlibCase('cross_entropy', 'cross_entropy', {}, { input: '16,5', target: '16:int' }, (f32) => ({
    input: { data: floats(80, 4, f32), shape: [16, 5] },
    target: { data: classes(16, 5, 1), shape: [16] },
  })),
  stdlibCase('arcface_loss', 'arcface', { s: 16, m: 0.3 }, { input: '8,4', weight: '6,4', target: '8:int' }, (f32) => ({
    input: { data: floats(32, 5, f32), shape: [8, 4] },
    weight: { data: floats(24, 6, f32), shape: [6, 4] },
    target: { data: classes(8, 6, 2), shape: [8] },
  })),
  stdlibCase('cross_entropy', 'cross_entropy_none', { reduction: 'none' }, { input: '16,5', target: '16:int' }, (f32) => ({
    input: { data: floats(80, 7, f32), shape: [16, 5] },
    target: { data: classes(16, 5, 3), shape: [16] },
  })),
];

const modules = new Map<string, Module>();

async function write(c: Case, target: 'ts' | 'js' = 'ts'): Promise<string> {
  const file = join(dir, `${c.file}.${target === 'js' ? 'mjs' : 'ts'}`);
  writeFileSync(file, await exportModule(c.source, { ...c.opts, backend: 'gpu.js', target }));
  return file;
}

async function load(c: Case): Promise<Module> {
  let m = modules.get(c.file);
  if (!m) {
    m = (await import(pathToFileURL(await write(c)).href)) as Module;
    m.setMode('cpu');
    modules.set(c.file, m);
  }
  return m;
}

/** Every value of `got` against `want`: |got - want| <= abs + rel |want|. */
function close(got: ArrayLike<number>, want: ArrayLike<number>, rel: number, abs: number, what: string): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    if (Number.isNaN(w)) {
      expect(Number.isNaN(g), `${what}[${i}]`).toBe(true);
      continue;
    }
    expect(Math.abs(g - w) <= abs + rel * Math.abs(w), `${what}[${i}]: ${g} vs ${w}`).toBe(true);
  }
}

describe('--backend gpu.js modules', () => {
  it('type-check under tsc --strict, pass prettier --check, and import only gpu.js', async () => {
    const files = [...(await Promise.all(CASES.map((c) => write(c)))), await write(CASES[0]!, 'js')];
    const tsc = tool(join('typescript', 'bin', 'tsc'), ['--strict', '--noEmit', '--skipLibCheck', '--moduleResolution', 'node', '--module', 'es2020', '--target', 'es2020', ...files.filter((f) => f.endsWith('.ts'))]);
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
    const prettier = tool(join('prettier', 'bin', 'prettier.cjs'), ['--check', ...files]);
    expect(prettier.stdout + prettier.stderr).toContain('All matched files use Prettier code style!');
    expect(prettier.status).toBe(0);
    for (const f of files) {
      const text = (await import('node:fs')).readFileSync(f, 'utf8');
      const imports = text.match(/^[ \t]*import\b.*$/gm) ?? [];
      expect(imports).toEqual([`import { GPU } from "gpu.js";`]);
      expect(text).not.toMatch(/lossc\/|from "\.\.?\//);
    }
  }, 120_000);

  for (const c of CASES) {
    it(`${c.file}: compile(src, { backend: 'gpu.js', gpuMode: 'cpu' })'s numbers, and the JS backend's to 1e-4`, async () => {
      const m = await load(c);
      const gpu = compile(c.source, { ...c.jit, backend: 'gpu.js', gpuMode: 'cpu' });
      const js = compile(c.source, c.jit);
      for (const f32 of [false, true]) {
        const inputs = c.inputs(f32);
        const got = m.valueAndGrad(inputs);
        const want = gpu.valueAndGrad(inputs);
        const ref = js.valueAndGrad(inputs);
        expect(got.value.shape).toEqual(want.value.shape);
        expect(got.value.data.constructor).toBe(want.value.data.constructor);
        close(got.value.data, want.value.data, 1e-12, 0, `${c.file} value f32=${f32}`);
        close(got.value.data, ref.value.data, 1e-4, 1e-6, `${c.file} value vs JS f32=${f32}`);
        expect(Object.keys(got.grads).sort()).toEqual(Object.keys(want.grads).sort());
        for (const [k, g] of Object.entries(want.grads)) {
          expect(got.grads[k]!.data.constructor, k).toBe(g.data.constructor);
          close(got.grads[k]!.data, g.data, 1e-12, 0, `${c.file} grad ${k} f32=${f32}`);
          close(got.grads[k]!.data, ref.grads[k]!.data, 1e-4, 1e-6, `${c.file} grad ${k} vs JS f32=${f32}`);
        }
        close(m.forward(inputs).data, gpu.forward(inputs).data, 1e-12, 0, `${c.file} forward`);
        // One gradient alone, and an upstream gradient for a non-scalar value.
        const first = Object.keys(want.grads)[0]!;
        const one = m.valueAndGrad(inputs, { wrt: [first] });
        expect(Object.keys(one.grads)).toEqual([first]);
        close(one.grads[first]!.data, gpu.valueAndGrad(inputs, { wrt: [first] }).grads[first]!.data, 1e-12, 0, `${c.file} wrt ${first}`);
        if (want.value.shape.length) {
          const seed = { data: floats(want.value.data.length, 9, false), shape: want.value.shape };
          const s = m.valueAndGrad(inputs, { gradOutput: seed });
          const w = gpu.valueAndGrad(inputs, { gradOutput: seed });
          for (const [k, g] of Object.entries(w.grads)) close(s.grads[k]!.data, g.data, 1e-12, 0, `${c.file} seeded ${k}`);
        }
      }
    }, 60_000);
  }

  // The same modules on a real shader compiler: headless-gl (Mesa under Xvfb in CI), where the
  // gl build and a display exist; otherwise skipped, saying why.
  const glMissing = gpujsModes().find((m) => m.mode === 'headlessgl')!;
  const glIt = glMissing.available ? it : it.skip;
  if (!glMissing.available) console.warn(`gpu.js export in mode headlessgl: skipped (${glMissing.reason})`);
  glIt(`in mode headlessgl (setMode), compile(src, { backend: 'gpu.js', gpuMode: 'headlessgl' })'s numbers${glMissing.available ? '' : ` — skipped: ${glMissing.reason}`}`, async () => {
    for (const c of CASES) {
      const m = await load(c);
      m.setMode('headlessgl');
      try {
        const gpu = compile(c.source, { ...c.jit, backend: 'gpu.js', gpuMode: 'headlessgl' });
        const inputs = c.inputs(true);
        const got = m.valueAndGrad(inputs);
        const want = gpu.valueAndGrad(inputs);
        close(got.value.data, want.value.data, 1e-12, 0, `${c.file} value (headlessgl)`);
        for (const [k, g] of Object.entries(want.grads)) close(got.grads[k]!.data, g.data, 1e-12, 0, `${c.file} grad ${k} (headlessgl)`);
      } finally {
        m.setMode('cpu');
      }
    }
  }, 120_000);

  it('runs as JavaScript under plain Node', async () => {
    const file = await write(CASES[0]!, 'js');
    const r = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import * as m from ${JSON.stringify(pathToFileURL(file).href)}; m.setMode('cpu');
         const t = (s) => ({ data: Float64Array.from({ length: 32 }, (_, i) => Math.sin(i * s)), shape: [8, 4] });
         const r = m.valueAndGrad({ a: t(1), p: t(2), n: t(3) });
         console.log(JSON.stringify({ value: Array.from(r.value.data), a: Array.from(r.grads.a.data) }));`,
      ],
      { encoding: 'utf8', cwd: dir },
    );
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { value: number[]; a: number[] };
    const t = (s: number) => ({ data: Float64Array.from({ length: 32 }, (_, i) => Math.sin(i * s)), shape: [8, 4] });
    const want = compile(tripletSource, { params: { margin: 0.5 }, backend: 'gpu.js', gpuMode: 'cpu' }).valueAndGrad({ a: t(1), p: t(2), n: t(3) });
    close(out.value, want.value.data, 1e-12, 0, 'value');
    close(out.a, want.grads.a!.data, 1e-12, 0, 'grad a');
  }, 60_000);

  it('refuses symbolic dims (LD2080), telling the user to give numbers with --shape', () => {
    expect(() => renderExport(tripletSource, { backend: 'gpu.js' })).toThrow(/LD2080.*gpu\.js backend exports fixed sizes: give every dim a number, e\.g\. --shape a=64,10/);
    const s = stdlibExport('cross_entropy');
    expect(() => renderExport(s.source, { loss: 'cross_entropy', backend: 'gpu.js', shapes: { input: parseShapeSpec('input', 'N,5'), target: parseShapeSpec('target', 'N:int') } })).toThrow(/LD2080.*--shape input=64,5 target=64:int/);
    expect(() => renderExport(tripletSource, { backend: 'js', gpuMode: 'cpu' })).toThrow(/LD2072/);
    expect(() => renderExport(tripletSource, { backend: 'gpu.js', gpuMode: 'tpu' as never, shapes: { a: { dims: [2] }, p: { dims: [2] }, n: { dims: [2] } } })).toThrow(/LD2071/);
  });

  it('validates calls with the JS export’s codes: shapes must be the baked ones', async () => {
    const m = await load(CASES[1]!);
    const input = { data: floats(80, 4, false), shape: [16, 5] };
    const target = { data: classes(16, 5, 1), shape: [16] };
    const wrongShape = errorOf(() => m.forward({ input: { data: floats(40, 1, false), shape: [8, 5] }, target }));
    expect(wrongShape).toEqual({ name: 'LossError', code: 'LD3006', message: "error LD3006: Input 'input': dim 0 must be 16 but is 8" });
    expect(errorOf(() => m.forward({ input })).code).toBe('LD3001');
    expect(errorOf(() => m.forward({ input, target, x: 1 })).code).toBe('LD3002');
    expect(errorOf(() => m.forward({ input, target: { data: new Float64Array(16), shape: [16] } })).code).toBe('LD3003');
    expect(errorOf(() => m.forward({ input: { data: new Float64Array(79), shape: [16, 5] }, target })).code).toBe('LD3004');
    let err: unknown;
    try {
      m.forward({ input: { data: input.data, shape: [16] }, target });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(m.LossError);
    // A class index out of range: the JIT's message, with the expression and its position.
    const bad = Int32Array.from(target.data);
    bad[3] = 7;
    const e = errorOf(() => m.valueAndGrad({ input, target: { data: bad, shape: [16] } }));
    expect(e.code).toBe('LD3007');
    expect(e.message).toMatch(/class index 7 is out of range \[0, 5\) in .*stdlib\/classification\.loss:\d+:\d+\) at position \[3/);
    expect(errorOf(() => m.setMode('tpu')).code).toBe('LD2071');
    expect(m.getMode()).toBe('cpu');
    expect(m.signature).toEqual({ inputs: [{ name: 'input', dtype: 'float', dims: [16, 5] }, { name: 'target', dtype: 'int', dims: [16] }], value: [] });
  }, 60_000);

  it('checks input values as PyTorch does (binary_cross_entropy), on gpu.js cpu kernels', async () => {
    const c = stdlibCase('binary_cross_entropy', 'bce', {}, { input: '6', target: '6' }, () => ({
      input: { data: Float64Array.from([0.1, 0.5, 0.9, 0.3, 0.7, 0.2]), shape: [6] },
      target: { data: Float64Array.from([0, 1, 1, 0, 1, 0]), shape: [6] },
    }));
    const m = await load(c);
    const inputs = c.inputs(false);
    close(m.forward(inputs).data, compile(c.source, { ...c.jit, backend: 'gpu.js', gpuMode: 'cpu' }).forward(inputs).data, 1e-12, 0, 'bce');
    const e = errorOf(() => m.forward({ ...inputs, input: { data: Float64Array.from([0.1, 0.5, 1.5, 0.3, 0.7, 0.2]), shape: [6] } }));
    expect(e.code).toBe('LD3060');
    expect(e.message).toContain('(element [2] is 1.5)');
  }, 60_000);

  it('the embedded executor is up to date with runtime/gpujsExecute.ts; host helpers are rebuilt as the JIT builds them', () => {
    expect(KERNEL_HELPERS.map((h) => h.source).join('\n')).toBe(KERNEL_HELPERS_JS);
    const r = spawnSync(process.execPath, [join(root, 'scripts', 'embed-runtime.mjs'), '--check'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
