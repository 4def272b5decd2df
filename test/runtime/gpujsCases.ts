// The gpu.js backend's test suite for one mode, shared by test/runtime/gpujs.<mode>.test.ts
// (one file per mode, so vitest runs the modes in parallel workers).
//
// Which modes run: LOSSC_GPUJS_MODES (default "cpu,webasm,headlessgl"). A mode that is listed
// but cannot run here (headlessgl without the gl build or an X display) is skipped with a
// visible message and a skipped test that names the reason; never silently.
// What runs per mode: the 40 formulas of test/fixtures/formulas.json, value and gradients
// against PyTorch and against the JS backend; extreme inputs through the stabilized forms;
// and the PyTorch fixtures of the standard library (test/fixtures/{torch,composed,torch-extra}),
// a deterministic share of the cases per mode so that the modes together cover every case
// (LOSSC_GPUJS_FULL=1 runs every case in every mode). The stdlib cases compare with PyTorch
// only: the JS backend meets the same fixtures far tighter (test/stdlib/torch-parity.test.ts),
// so agreeing with PyTorch is agreeing with it, at half the compile time.
//
// Tolerance (float32 arithmetic against float64 references): |a - b| <= 1e-4 max(|a|, |b|)
// + 1e-6 + 1e-5 max|b| over the tensor. The last term is what a chain of float32 kernels
// leaves in an entry that is a difference of terms the size of the tensor's largest ones
// (a normalize backward at logit scale 16 gives 2e-6 where the entry is 5e-7); it is far
// below any real defect.

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile, LossError, stdlib, type CompiledLoss, type Tensor } from '../../index.js';
import { gpujsModes, type GpuMode } from '../../runtime/gpujsBackend.js';
import { fixtureDir, num, readFixture, toTensor, type FixtureTensor } from '../fixtures/load.js';

const REQUESTED = (process.env.LOSSC_GPUJS_MODES ?? 'cpu,webasm,headlessgl').split(',').map((m) => m.trim());
const FULL = process.env.LOSSC_GPUJS_FULL === '1';

/** The kernel class gpu.js uses for each mode run here. */
export const KERNEL_CLASS: Partial<Record<GpuMode, string>> = { cpu: 'CPUKernel', webasm: 'WebAssemblyKernel', headlessgl: 'HeadlessGLKernel' };

/** Why a mode is not tested in this run, or undefined. */
export function skipReason(mode: GpuMode): string | undefined {
  if (!REQUESTED.includes(mode)) return `not in LOSSC_GPUJS_MODES (${REQUESTED.join(',')})`;
  const status = gpujsModes().find((m) => m.mode === mode)!;
  return status.available ? undefined : status.reason;
}

export function expectClose(actual: Tensor, expected: ArrayLike<number | string>, what: string): void {
  const want = Array.from(expected, (e) => num(e as number | string));
  const scale = Math.max(0, ...want.filter(Number.isFinite).map(Math.abs));
  want.forEach((w, i) => {
    const got = actual.data[i]!;
    const ok = Number.isNaN(w) ? Number.isNaN(got) : !Number.isFinite(w) ? got === w : Math.abs(got - w) <= 1e-4 * Math.max(Math.abs(got), Math.abs(w)) + 1e-6 + 1e-5 * scale;
    if (!ok) expect.fail(`${what}[${i}]: got ${got}, expected ${w}`);
  });
}

/** Asserts that every device kernel ran on the mode's own kernel class (no silent fallback). */
export function expectRanOn(loss: CompiledLoss, mode: GpuMode): void {
  const report = loss.explain();
  expect(report).toMatch(new RegExp(`^backend: gpu\\.js, mode ${mode} \\(${KERNEL_CLASS[mode]}\\)$`, 'm'));
  const ran = [...report.matchAll(/device, ran on (\w+)/g)].map((m) => m[1]);
  expect(ran.length).toBeGreaterThan(0);
  expect(new Set(ran)).toEqual(new Set([KERNEL_CLASS[mode]]));
}

interface FormulaCase {
  name: string;
  formula: string;
  params: Record<string, number | string | boolean>;
  inputs: Record<string, FixtureTensor>;
  grad_output: FixtureTensor;
  value: FixtureTensor;
  grads: Record<string, FixtureTensor>;
}

interface StdCase {
  name: string;
  options: Record<string, number | string | boolean>;
  inputs: Record<string, FixtureTensor>;
  grad_wrt: string[];
  grad_output: FixtureTensor;
  output: FixtureTensor;
  grads: Record<string, FixtureTensor>;
  float64_only?: string;
}
interface StdFixture {
  fn: string;
  cases: StdCase[];
  rejected?: { name: string; options: StdCase['options']; inputs: Record<string, FixtureTensor>; grad_wrt: string[] }[];
}

/** Cases a mode leaves out, with the reason. */
const EXCLUDED: Partial<Record<GpuMode, Record<string, string>>> = {
  headlessgl: {
    'torch-extra/triplet_margin_loss/none_swap_exact_tie':
      'an exact float64 tie of d(a, n) and d(p, n): the shader computes the two distances at two code sites, which the GLSL compiler contracts differently, so they differ by an ulp and the gradient does not split',
  },
};

const inputsOf = (c: { inputs: Record<string, FixtureTensor> }) => Object.fromEntries(Object.entries(c.inputs).map(([k, t]) => [k, toTensor(t)]));

/**
 * The suite for one mode. `share(i)` picks the stdlib fixture cases (by index in their file)
 * this mode runs; the formulas always run in full.
 */
export function gpujsSuite(mode: GpuMode, share: (i: number) => boolean, opts: { forward?: boolean } = {}): void {
  const reason = skipReason(mode);
  if (reason) {
    console.warn(`gpu.js mode ${mode}: tests skipped (${reason})`);
    describe(`gpu.js mode ${mode}`, () => it.skip(`skipped: ${reason}`, () => {}));
    return;
  }
  const gpu = { backend: 'gpu.js', gpuMode: mode } as const;

  describe(`gpu.js mode ${mode}: the 40 fixture formulas against PyTorch and the JS backend`, () => {
    const { cases } = readFixture<{ cases: FormulaCase[] }>('formulas.json');
    for (const c of cases) {
      it(c.name, () => {
        const inputs = inputsOf(c);
        const scalar = c.value.shape.length === 0;
        const go = scalar ? {} : { gradOutput: toTensor(c.grad_output) };
        const loss = compile(c.formula, { params: c.params, ...gpu });
        const r = loss.valueAndGrad(inputs, go);
        const js = compile(c.formula, { params: c.params }).valueAndGrad(inputs, go);
        expect(r.value.shape).toEqual(c.value.shape);
        expectClose(r.value, c.value.data, 'value vs PyTorch');
        expectClose(r.value, js.value.data, 'value vs JS');
        for (const [k, g] of Object.entries(c.grads)) {
          expect(r.grads[k]!.shape).toEqual(g.shape);
          expectClose(r.grads[k]!, g.data, `grad ${k} vs PyTorch`);
          expectClose(r.grads[k]!, js.grads[k]!.data, `grad ${k} vs JS`);
        }
        if (opts.forward !== false) expectClose(loss.forward(inputs), c.value.data, 'forward vs PyTorch');
        expectRanOn(loss, mode);
      });
    }
  });

  describe(`gpu.js mode ${mode}: numerics`, () => {
    it('keeps log_softmax and log(sigmoid) finite at logits of ±5000 and ±500', () => {
      const z = { data: new Float64Array([5000, -5000, 0, 20, -4999, 5000]), shape: [2, 3] };
      const ce = compile('sum(log_softmax(z, dim=1) * w)', gpu);
      const w = { data: new Float64Array([1, 0.5, -1, 2, 0, 1]), shape: [2, 3] };
      const r = ce.valueAndGrad({ z, w }, { wrt: ['z'] });
      const js = compile('sum(log_softmax(z, dim=1) * w)').valueAndGrad({ z, w }, { wrt: ['z'] });
      expect(Number.isFinite(r.value.data[0]!)).toBe(true);
      expectClose(r.value, js.value.data, 'log_softmax value');
      expectClose(r.grads.z!, js.grads.z!.data, 'log_softmax grad');
      const x = { data: new Float64Array([500, -500, 0, 30, -30]), shape: [5] };
      const ls = compile('log(sigmoid(x))', gpu).valueAndGrad({ x }, { gradOutput: { data: [1, 1, 1, 1, 1], shape: [5] } });
      expectClose(ls.value, [-0, -500, -Math.LN2, -9.357622968839299e-14, -30.000000000000092], 'log(sigmoid)');
      expectClose(ls.grads.x!, [0, 1, 0.5, 9.357622968839299e-14, 1], 'd log(sigmoid)');
    });

    it('log1p, expm1 and tanh are accurate near 0 (GLSL computes log(1 + x), exp(x) - 1)', () => {
      const xs = [1e-7, -3e-6, 1e-4, 0.3, -0.45];
      const x = { data: new Float32Array(xs), shape: [xs.length] };
      const one = { data: new Float32Array(xs.length).fill(1), shape: [xs.length] };
      for (const [f, ref] of [['log1p', Math.log1p], ['expm1', Math.expm1], ['tanh', Math.tanh]] as const) {
        const r = compile(`${f}(x)`, gpu).valueAndGrad({ x }, { gradOutput: one });
        r.value.data.forEach((v, i) => expect(Math.abs(v - ref(x.data[i]!)) / Math.abs(ref(x.data[i]!)), `${f}(${x.data[i]})`).toBeLessThan(1e-6));
      }
    });

    it('reduces rows longer than one block through host-finished partials', () => {
      const C = 2500;
      // Float32 data: both backends see the same values, so ties of max/min are the same ties.
      const data = new Float32Array(3 * C).map((_, i) => Math.sin(i * 0.37) * 4);
      const x = { data, shape: [3, C] };
      const f = 'sum(logsumexp(x, dim=1)) + mean(x ^ 2) + max(x) - sum(min(x, dim=1))';
      const r = compile(f, gpu).valueAndGrad({ x });
      const js = compile(f).valueAndGrad({ x });
      expectClose(r.value, js.value.data, 'value');
      expectClose(r.grads.x!, js.grads.x!.data, 'grad x');
    });
  });

  describe(`gpu.js mode ${mode}: the standard library against PyTorch`, () => {
    const compiled = new Map<string, CompiledLoss>();
    const lossFor = (fn: string, options: StdCase['options']) => {
      const key = `${fn} ${JSON.stringify(options)}`;
      let l = compiled.get(key);
      if (!l) compiled.set(key, (l = stdlib[fn]!(options, gpu)));
      return l;
    };
    for (const set of ['torch', 'composed', 'torch-extra']) {
      for (const file of readdirSync(join(fixtureDir, set)).filter((f) => f.endsWith('.json')).sort()) {
        const fx = readFixture<StdFixture>(join(set, file));
        fx.cases.forEach((c, i) => {
          if (c.float64_only || !(FULL || share(i))) return;
          const id = `${set}/${fx.fn}/${c.name}`;
          const excluded = EXCLUDED[mode]?.[id];
          if (excluded) return it.skip(`${id}: ${excluded}`, () => {});
          it(id, () => {
            const inputs = inputsOf(c);
            const scalar = c.output.shape.length === 0;
            const opts = { wrt: c.grad_wrt, ...(scalar ? {} : { gradOutput: toTensor(c.grad_output) }) };
            const r = lossFor(fx.fn, c.options).valueAndGrad(inputs, opts);
            expectClose(r.value, c.output.data, 'value vs PyTorch');
            for (const k of c.grad_wrt) expectClose(r.grads[k]!, c.grads[k]!.data, `grad ${k} vs PyTorch`);
          });
        });
        (fx.rejected ?? []).forEach((rj, i) => {
          if (!(FULL || share(i))) return;
          it(`${set}/${fx.fn} rejects ${rj.name}`, () => {
            expect(() => stdlib[fx.fn]!(rj.options, gpu).valueAndGrad(inputsOf(rj), { wrt: rj.grad_wrt })).toThrow(LossError);
          });
        });
      }
    }
  });
}
