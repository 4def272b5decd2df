// The gpu.js backend's contract, independent of the mode (run in mode cpu, which every machine
// has): how compile() chooses it and rejects what cannot run, that results keep the JS
// backend's shapes, dtypes and errors, what explain() reports, and that a kernel gpu.js cannot
// build is a LossError naming that kernel.

import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { compile, LossError, type Tensor } from '../../index.js';
import { parseSource } from '../../grammar/index.js';
import { Lowerer } from '../../compiler/lower.js';
import { runPipeline } from '../../compiler/pipeline.js';
import { planGpu } from '../../compiler/codegen/gpujs.js';
import { GpujsBackend, gpujsModes, resultOf } from '../../runtime/gpujsBackend.js';

const cpu = { backend: 'gpu.js', gpuMode: 'cpu' } as const;

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof LossError) return e.diagnostics[0]!.code;
    throw e;
  }
  return 'no error';
}

describe('choosing the gpu.js backend', () => {
  it('rejects an unknown mode, a gpuMode without the backend, an unknown backend', () => {
    expect(codeOf(() => compile('x', { backend: 'gpu.js', gpuMode: 'metal' as 'cpu' }))).toBe('LD2071');
    expect(() => compile('x', { backend: 'gpu.js', gpuMode: 'metal' as 'cpu' })).toThrow(/expected one of cpu, webasm, headlessgl, gpu, webgl2, webgl, webgpu/);
    expect(codeOf(() => compile('x', { gpuMode: 'cpu' }))).toBe('LD2072');
    expect(codeOf(() => compile('x', { backend: 'cuda' as 'js' }))).toBe('LD2045');
  });

  it('says at compile() why a browser mode cannot run in Node', () => {
    for (const mode of ['webgl', 'webgl2', 'webgpu'] as const) {
      expect(codeOf(() => compile('x', { backend: 'gpu.js', gpuMode: mode })), mode).toBe('LD2070');
      expect(() => compile('x', { backend: 'gpu.js', gpuMode: mode })).toThrow(/needs a browser/);
    }
  });

  it('says why headlessgl cannot run without an X display', () => {
    // A child process without DISPLAY: headless-gl then has no context to give.
    const env = { ...process.env };
    delete env.DISPLAY;
    const script = `import('./index.ts').then((m) => { try { m.compile('x', { backend: 'gpu.js', gpuMode: 'headlessgl' }); console.log('compiled'); } catch (e) { console.log(e.message); } });`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { env, encoding: 'utf8', timeout: 60000 });
    expect(r.stdout).toMatch(/LD2070: gpu\.js mode 'headlessgl' cannot run here: (there is no X display for headless-gl: run under xvfb-run -a|the optional 'gl' package)/);
  });

  it('lists every mode with whether it runs here', () => {
    const modes = gpujsModes();
    expect(modes.map((m) => m.mode)).toEqual(['cpu', 'webasm', 'headlessgl', 'gpu', 'webgl2', 'webgl', 'webgpu']);
    expect(modes.find((m) => m.mode === 'cpu')!.available).toBe(true);
    for (const m of modes) if (!m.available) expect(m.reason, m.mode).toBeTruthy();
  });

  it("defaults to mode 'gpu' (gpu.js's choice) and names the kernel class it chose", () => {
    const loss = compile('mean(x * x)', { backend: 'gpu.js' });
    const r = loss.valueAndGrad({ x: { data: [1, 2, 3], shape: [3] } });
    expect(r.value.data[0]).toBeCloseTo(14 / 3, 5);
    expect(loss.explain()).toMatch(/^backend: gpu\.js, mode gpu \((HeadlessGLKernel|WebAssemblyKernel|CPUKernel)\)$/m);
  });
});

describe('results', () => {
  it('are plain tensors in Node, with the JS backend shapes and dtypes', () => {
    const f = 'x * sigmoid(y)';
    const x = { data: new Float32Array([1, -2, 3, 0.5, 2, -1]), shape: [2, 3] };
    const y = { data: new Float32Array([0.1, -0.2, 3]), shape: [3] };
    const gradOutput = { data: new Float32Array(6).fill(1), shape: [2, 3] };
    const g = compile(f, cpu).valueAndGrad({ x, y }, { gradOutput });
    const j = compile(f).valueAndGrad({ x, y }, { gradOutput });
    expect(g).not.toBeInstanceOf(Promise);
    expect(g.value.data).toBeInstanceOf(Float32Array);
    expect(g.value.shape).toEqual(j.value.shape);
    for (const k of ['x', 'y']) {
      expect(g.grads[k]!.shape).toEqual(j.grads[k]!.shape);
      g.grads[k]!.data.forEach((v, i) => expect(v).toBeCloseTo(j.grads[k]!.data[i]!, 5));
    }
    const f64 = compile('sum(x ^ 2)', cpu).forward({ x: { data: [1, 2], shape: [2] } }) as Tensor;
    expect(f64.data).toBeInstanceOf(Float64Array);
    expect(Array.from(f64.data)).toEqual([5]);
  });

  it('writes gradients into the out buffers given', () => {
    const out = new Float64Array(3);
    const r = compile('sum(x ^ 2)', cpu).valueAndGrad({ x: { data: [1, -2, 3], shape: [3] } }, { out: { x: out } });
    expect(r.grads.x!.data).toBe(out);
    expect(Array.from(out)).toEqual([2, -4, 6]);
  });

  it('resultOf passes a synchronous result through and waits for an asynchronous run', async () => {
    const t = { data: new Float32Array(1), shape: [] };
    expect(resultOf(undefined, t)).toBe(t);
    const later = resultOf(Promise.resolve(), t) as unknown as Promise<Tensor>;
    expect(later).toBeInstanceOf(Promise);
    expect(await later).toBe(t);
  });
});

describe('user mistakes', () => {
  it('an out-of-range class or row index raises the JS backend error, before any kernel reads it', () => {
    const cases: [string, Record<string, { data: number[] | Int32Array | Float64Array; shape: number[] }>][] = [
      ['mean(pick(x, y, dim=1))', { x: { data: new Float64Array(6), shape: [2, 3] }, y: { data: new Int32Array([0, 7]), shape: [2] } }],
      ['mean(pick(x, -y, dim=1))', { x: { data: new Float64Array(6), shape: [2, 3] }, y: { data: new Int32Array([0, 1]), shape: [2] } }],
      ['sum(c[y] * 2)', { c: { data: new Float64Array(6), shape: [3, 2] }, y: { data: new Int32Array([0, -1]), shape: [2] } }],
    ];
    for (const [f, inputs] of cases) {
      const message = (opts: object) => {
        try {
          compile(f, opts).valueAndGrad(inputs);
        } catch (e) {
          expect(e).toBeInstanceOf(LossError);
          return (e as LossError).message;
        }
        return 'no error';
      };
      // Same code, place, value and range; which of several sites reading the same bad index
      // reports it (the gather or its gradient's scatter) follows each backend's loop order.
      const head = (m: string) => m.split(' in ')[0];
      const js = message({});
      expect(js, f).toMatch(/^<formula>:1:\d+: error LD3007: (class|row) index -?\d+ is out of range \[0, \d\) in /);
      expect(head(message(cpu)), f).toBe(head(js));
    }
  });

  it('input errors stay the same LossErrors as on the JS backend', () => {
    expect(codeOf(() => compile('x + y', cpu).forward({ x: { data: [1, 2], shape: [2] }, y: { data: [1, 2, 3], shape: [3] } }))).toBe('LD2010');
    expect(codeOf(() => compile('x + y', cpu).forward({ x: { data: [1, 2], shape: [2] } }))).toBe('LD3001');
  });
});

describe('explain()', () => {
  it('shows the kernels, where each ran and which partials the host finishes', () => {
    const loss = compile('mean(logsumexp(x, dim=1) - pick(x, y, dim=1))', cpu);
    const inputs = { x: { data: new Float64Array(12).map((_, i) => i / 7), shape: [3, 4] }, y: { data: new Int32Array([0, 3, 1]), shape: [3] } };
    expect(loss.explain(inputs)).toMatch(/kernels are built at the first call/);
    loss.valueAndGrad(inputs);
    const report = loss.explain();
    expect(report).toMatch(/^backend: gpu\.js, mode cpu \(CPUKernel\)$/m);
    expect(report).toMatch(/== gpu\.js kernels ==/);
    expect(report).toMatch(/k\d+_logsumexp \(device, ran on CPUKernel; 6 threads; kept on the device\): logsumexp#\d+ \[3\] \(row max, then log1p of the rest of the shifted sum\)/);
    expect(report).toMatch(/check gather#\d+ indices in \[0, 4\)/);
    expect(report).toMatch(/finish sum#\d+ on the host \(float64\)/);
    expect(report).toMatch(/\(host, float64; 1 threads\): div#/);
    expect(report).toMatch(/^function k\d+_logsumexp\(in0\) \{$/m);
  });
});

describe('kernels gpu.js cannot build', () => {
  it('raise a LossError naming the kernel, at the first call', () => {
    const text = 'sum(exp(x))';
    const unit = parseSource(text, '<formula>');
    const program = runPipeline(new Lowerer().lowerFormula(unit, ['x'], { x: { shape: [4], dtype: 'float' } }, {}), { wrt: ['x'] });
    const plan = planGpu(program.schedule, program.inputs, program.outputs.map((o) => o.node));
    const k = plan.kernels.find((x) => x.where === 'device')!;
    // `let v;` breaks every gpu.js backend (gpujs-notes.md §4); only at the first call.
    k.source = k.source.replace('{\n', '{\n  let broken;\n');
    const run = new GpujsBackend('cpu').runPlan(plan, program, { text, name: '<formula>' });
    let caught: unknown;
    try {
      run([new Float64Array(4)], [new Float64Array(1), new Float64Array(4)]);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(LossError);
    expect((caught as LossError).diagnostics[0]!.code).toBe('LD2073');
    expect((caught as LossError).message).toContain(`could not build kernel ${k.name}`);
    expect((caught as LossError).message).toContain('in mode cpu');
    // Later calls raise the same error rather than building the kernels again.
    expect(() => run([new Float64Array(4)], [new Float64Array(1), new Float64Array(4)])).toThrow(caught as LossError);
  });
});
