// The gpu.js backend's test suite for one mode, shared by test/runtime/gpujs.<mode>.test.ts
// (one file per mode, so vitest runs the modes in parallel workers).
//
// Which modes run: LOSSC_GPUJS_MODES (default "cpu,webasm,headlessgl"). A mode that is listed
// but cannot run here (headlessgl without the gl build or an X display) is skipped with a
// visible message and a skipped test that names the reason; never silently.
// What runs per mode, every case in every mode: the 40 formulas of test/fixtures/formulas.json,
// value and gradients against PyTorch and against the JS backend; extreme inputs through the
// stabilized forms; every PyTorch fixture case and rejected case of the standard library
// (test/fixtures/{torch,composed,torch-extra}); and the stdlib losses that have no PyTorch
// fixture, against the JS backend. The stdlib cases compare with PyTorch only: the JS backend
// meets the same fixtures far tighter (test/stdlib/torch-parity.test.ts), so agreeing with
// PyTorch is agreeing with it, at half the compile time. The whole matrix takes about a minute
// (LOSSC_GPUJS_FULL, which used to turn it on, is no longer needed).
//
// Tolerance (float32 arithmetic against float64 references): |a - b| <= 1e-4 max(|a|, |b|)
// + 1e-6, the bound, for every value and gradient entry. There is no allowance for
// cancellation. The entries that needed one (1e-5 max|g|: the gradient of a softmax at logit
// scale 16 to 64 in arcface, am_softmax and l2_softmax, where 1 - p is 1e-6, was 1.5 to 21
// times over the bound) lost their bits in two places, both fixed in compiler/codegen/gpujs.ts:
// a logsumexp stored as one float32 (its ulp at 64 is 8e-6; now stored as max + log1p of the
// rest, Location.lo), and p - 1 computed as g exp(d) - g, where float32 holds exp(d) near 1 in
// steps of 6e-8 (1.4% of 1 - p = 2.2e-6; now (c + g) + g expm1(d), Writer.expNearOne). Every
// entry of every case is now within 0.23 of the bound on webasm and headlessgl, 0.12 on cpu
// (the closest: torch-extra/arcface_loss/mean_straight_through_insightface, grad weight[6]).

import { describe, expect, it } from 'vitest';
import { compile, LossError, stdlib, type CompiledLoss, type Tensor } from '../../index.js';
import { gpujsModes, type GpuMode } from '../../runtime/gpujsBackend.js';
import { num, readFixture, stdlibFixtures, toTensor, type FixtureTensor, type FormulaCase, type StdlibCase } from '../fixtures/load.js';

const REQUESTED = (process.env.LOSSC_GPUJS_MODES ?? 'cpu,webasm,headlessgl').split(',').map((m) => m.trim());

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
    const ok = Number.isNaN(w) ? Number.isNaN(got) : !Number.isFinite(w) ? got === w : Math.abs(got - w) <= 1e-4 * Math.max(Math.abs(got), Math.abs(w)) + 1e-6;
    if (!ok) expect.fail(`${what}[${i}]: got ${got}, expected ${w}`);
  });
}

/** Asserts that every device kernel ran on the mode's own kernel class (no silent fallback). */
export function expectRanOn(loss: CompiledLoss, mode: GpuMode, inputs?: Record<string, Tensor>): void {
  if (inputs) loss.valueAndGrad(inputs);
  const report = loss.explain();
  expect(report).toMatch(new RegExp(`^backend: gpu\\.js, mode ${mode} \\(${KERNEL_CLASS[mode]}\\)$`, 'm'));
  const ran = [...report.matchAll(/device, ran on (\w+)/g)].map((m) => m[1]);
  expect(ran.length).toBeGreaterThan(0);
  expect(new Set(ran)).toEqual(new Set([KERNEL_CLASS[mode]]));
}


const inputsOf = (c: { inputs: Record<string, FixtureTensor> }) => Object.fromEntries(Object.entries(c.inputs).map(([k, t]) => [k, toTensor(t)]));

/** The suite for one mode: every formula and every stdlib fixture case. */
export function gpujsSuite(mode: GpuMode, opts: { forward?: boolean } = {}): void {
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

    it('keeps x - logsumexp and 1 - softmax to the bit where |logsumexp| is large (a logsumexp is stored as max + log1p of the rest)', () => {
      // Row maxima 64 and 1000.5: float32 spaces numbers there by 8e-6 and 6e-5, so one stored
      // float32 logsumexp would leave nothing of log_softmax at the maximum (-1e-6 and -2e-5).
      const z = { data: new Float32Array([64, 50, 51, 1000.5, 990, 989.25]), shape: [2, 3] };
      const w = { data: new Float32Array([1, 0.5, -1, 2, 0, 1]), shape: [2, 3] };
      const f = 'log_softmax(z, dim=1) * w';
      const go = { gradOutput: { data: new Float32Array([1, -2, 0.5, 3, 1, -1]), shape: [2, 3] } };
      const r = compile(f, gpu).valueAndGrad({ z, w }, go);
      const js = compile(f).valueAndGrad({ z, w }, go);
      expectClose(r.value, js.value.data, 'value');
      expect(Math.abs(r.value.data[0]! / js.value.data[0]! - 1)).toBeLessThan(1e-5);
      expect(Math.abs(r.value.data[3]! / js.value.data[3]! - 1)).toBeLessThan(1e-5);
      expectClose(r.grads.z!, js.grads.z!.data, 'grad z');
      expectClose(r.grads.w!, js.grads.w!.data, 'grad w');
      // Cross-entropy at the target is p - 1, with 1 - p = 3.1e-6 and 4.1e-5 here: float32
      // holds p near 1 in steps of 6e-8, so it is computed as g expm1(d), not g exp(d) - g.
      const ce = '-sum(pick(log_softmax(z, dim=1), y, dim=1))';
      const y = { data: new Int32Array([0, 0]), shape: [2] };
      const rc = compile(ce, gpu).valueAndGrad({ z, y }, { wrt: ['z'] });
      const jc = compile(ce).valueAndGrad({ z, y }, { wrt: ['z'] });
      expect(Math.abs(rc.value.data[0]! / jc.value.data[0]! - 1)).toBeLessThan(1e-5);
      for (const i of [0, 3]) expect(Math.abs(rc.grads.z!.data[i]! / jc.grads.z!.data[i]! - 1), `grad z[${i}]`).toBeLessThan(1e-5);
      // The same through block partials finished on the host (a row of 3000): logsumexp - max
      // is log1p of the rest, 3e-14, below the float64 ulp of 80 (so the reference is direct).
      const C = 3000;
      const long = { data: new Float32Array(C).map((_, i) => (i === 2100 ? 80 : 40 + Math.sin(i))), shape: [1, C] };
      const got = compile('logsumexp(x, dim=1) - max(x, dim=1)', gpu).forward({ x: long }).data[0]!;
      const want = Math.log1p(long.data.reduce((a, x, i) => (i === 2100 ? a : a + Math.exp(x - 80)), 0));
      expect(Math.abs(got / want - 1)).toBeLessThan(1e-5);
    });

    it('adds a constant where the formula adds it (the shader compiler may not reassociate it)', () => {
      // pairwise_distance(a, p) at a == p is the norm of eps = 1e-6 alone, and its gradient the
      // direction of that eps vector: triplet_margin_loss's exact-tie fixture. Mesa compiled
      // (a - p) + 1e-6 as a + (1e-6 - p): 9.5e-7 .. 1.013e-6 where a is about 1.
      const a = { data: new Float32Array([1.0645090480962955, -0.8824386660987037, 1.3411503788797787, 0.5, -3.25, 0.015]), shape: [6] };
      const r = compile('(a - p) + 1e-6', gpu).forward({ a, p: a });
      expect(Array.from(r.data)).toEqual(new Array(6).fill(Math.fround(1e-6)));
      const g = compile('sum(pairwise_distance(a, p))', gpu).valueAndGrad({ a: { data: a.data, shape: [1, 6] }, p: { data: a.data, shape: [1, 6] } });
      expectClose(g.grads.a!, new Array(6).fill(1 / Math.sqrt(6)), 'grad of d(a, p) at a == p');
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
    const lossFor = (fn: string, options: StdlibCase['options']) => {
      const key = `${fn} ${JSON.stringify(options)}`;
      let l = compiled.get(key);
      if (!l) compiled.set(key, (l = stdlib[fn]!(options, gpu)));
      return l;
    };
    for (const { set, fx } of stdlibFixtures()) {
      for (const c of fx.cases) {
        if (c.float64_only) continue;
        const id = `${set}/${fx.fn}/${c.name}`;
        it(id, () => {
          const inputs = inputsOf(c);
          const scalar = c.output.shape.length === 0;
          const opts = { wrt: c.grad_wrt, ...(scalar ? {} : { gradOutput: toTensor(c.grad_output) }) };
          const r = lossFor(fx.fn, c.options).valueAndGrad(inputs, opts);
          expectClose(r.value, c.output.data, 'value vs PyTorch');
          for (const k of c.grad_wrt) expectClose(r.grads[k]!, c.grads[k]!.data, `grad ${k} vs PyTorch`);
        });
      }
      for (const rj of fx.rejected ?? []) {
        it(`${set}/${fx.fn} rejects ${rj.name}`, () => {
          expect(() => stdlib[fx.fn]!(rj.options, gpu).valueAndGrad(inputsOf(rj), { wrt: rj.grad_wrt })).toThrow(LossError);
        });
      }
    }

    // Every stdlib loss runs here: those without a PyTorch fixture against the JS backend.
    const withFixture = new Set(stdlibFixtures().map(({ fx }) => fx.fn));
    const without = Object.keys(stdlib).filter((fn) => !withFixture.has(fn)).sort();
    it('the stdlib losses without a PyTorch fixture are the ones tested below', () => expect(without).toEqual(['l2_regularization']));
    it('l2_regularization against the JS backend and (weight_decay / 2) sum(theta^2)', () => {
      const theta = { data: new Float64Array(3 * 700).map((_, i) => Math.sin(i * 0.61) * 3), shape: [3, 700] };
      const r = stdlib.l2_regularization!({ weight_decay: 0.1 }, gpu).valueAndGrad({ input: theta });
      const js = stdlib.l2_regularization!({ weight_decay: 0.1 }).valueAndGrad({ input: theta });
      const f32 = Float32Array.from(theta.data);
      expectClose(r.value, [0.05 * f32.reduce((a, x) => a + x * x, 0)], 'value');
      expectClose(r.value, js.value.data, 'value vs JS');
      expectClose(r.grads.input!, Array.from(f32, (x) => 0.1 * x), 'grad');
      expectClose(r.grads.input!, js.grads.input!.data, 'grad vs JS');
      expectRanOn(stdlib.l2_regularization!({ weight_decay: 0.1 }, gpu), mode, { input: theta });
    });
  });
}
