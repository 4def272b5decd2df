// The gpu.js renderer without gpu.js: its op table covers the IR, its helpers are accurate
// (run here as plain JavaScript, in float64), every kernel text keeps to the subset all gpu.js
// backends translate, and the plan puts work where the design says (row statistics stay on the
// device, long rows split into blocks finished on the host, scalar epilogues on the host,
// index checks before the first read at an index).

import { describe, expect, it } from 'vitest';
import { parseSource } from '../../../grammar/index.js';
import { Lowerer, type InputSig } from '../../../compiler/lower.js';
import { resolveInputs } from '../../../compiler/resolve.js';
import { runPipeline } from '../../../compiler/pipeline.js';
import { OPS, opInfo, type OpName } from '../../../compiler/ops.js';
import * as M from '../../../compiler/mathlib.js';
import { BLOCK, planGpu, type GpuPlan, type KernelStep } from '../../../compiler/codegen/gpujs.js';
import { KERNEL_HELPERS, KERNEL_HELPERS_JS, KERNEL_OPS, kernelNum } from '../../../compiler/codegen/gpujsMath.js';
import { readFixture } from '../../fixtures/load.js';

function planOf(formula: string, sig: Record<string, InputSig>, grad = true, params: Record<string, number | string | boolean> = {}): GpuPlan {
  const unit = parseSource(formula, '<formula>');
  const names = resolveInputs(unit, unit.body!, Object.keys(params));
  const lowered = new Lowerer().lowerFormula(unit, names, sig, params);
  const wrt = grad ? names.filter((n) => sig[n]!.dtype === 'float') : undefined;
  const p = runPipeline(lowered, { wrt });
  return planGpu(p.schedule, p.inputs, p.outputs.map((o) => o.node));
}

const f = (...shape: number[]): InputSig => ({ shape, dtype: 'float' });
const i = (...shape: number[]): InputSig => ({ shape, dtype: 'int' });

const helpers = new Function(`"use strict";\n${KERNEL_HELPERS_JS}\nreturn { ${KERNEL_HELPERS.map((h) => h.name).join(', ')} };`)() as Record<string, (...xs: number[]) => number>;
const h = (name: string) => helpers[name]!;

/** Relative error; infinities must match exactly. */
const relErr = (got: number, want: number) => {
  if (!Number.isFinite(want)) return got === want ? 0 : Infinity;
  return want === 0 ? Math.abs(got) : Math.abs(got - want) / Math.abs(want);
};

describe('kernel-language op table', () => {
  it('gives every elementwise op of the IR a kernel form', () => {
    for (const op of Object.keys(OPS) as OpName[]) {
      if (opInfo(op).kind !== 'elementwise') continue;
      expect(KERNEL_OPS, op).toHaveProperty(op);
    }
  });

  it('computes what the op table says, for sample operands (helpers included)', () => {
    const samples = [-2.5, -1, -0.3, 0, 0.5, 1, 2, 7.25];
    const run = new Function(`"use strict";\n${KERNEL_HELPERS_JS}\nreturn (op, a, b, c) => op(a, b, c);`)() as (op: (...xs: number[]) => number, ...xs: number[]) => number;
    for (const [op, toText] of Object.entries(KERNEL_OPS)) {
      const info = opInfo(op as OpName);
      const arity = info.eval!.length;
      const names = ['a', 'b', 'c'].slice(0, arity);
      const fn = new Function('a', 'b', 'c', `"use strict";\n${KERNEL_HELPERS_JS}\nreturn ${toText(...names)};`) as (...xs: number[]) => number;
      for (const a of samples) {
        for (const b of arity > 1 ? samples : [0]) {
          const want = info.eval!(a, b, 1.5);
          const got = run(fn, a, b, 1.5);
          if (Number.isNaN(want)) expect(got, `${op}(${a}, ${b})`).toBeNaN();
          else expect(relErr(got, want), `${op}(${a}, ${b}): ${got} vs ${want}`).toBeLessThan(1e-12);
        }
      }
    }
  });

  it('writes numbers the GLSL translation accepts: no NaN or -0 literal', () => {
    expect(kernelNum(1e-7)).toBe('1e-7');
    expect(kernelNum(-2)).toBe('(-2)');
    expect(kernelNum(-0)).toBe('0');
    expect(kernelNum(-Infinity)).toBe('(-Infinity)');
    expect(kernelNum(NaN)).toBe('(0 / 0)');
  });
});

describe('kernel helpers (float64, on the host)', () => {
  it('log1p and expm1 keep full accuracy near 0, where GLSL cancels', () => {
    for (const x of [1e-30, -1e-12, 1e-7, -3e-5, 0.001, -0.2, 0.4999, -0.4999, 0.5, 3, -0.9, 1e5]) {
      expect(relErr(h('lcLog1p')(x), Math.log1p(x)), `log1p(${x})`).toBeLessThan(1e-10);
      expect(relErr(h('lcExpm1')(x), Math.expm1(x)), `expm1(${x})`).toBeLessThan(1e-10);
    }
    expect(h('lcLog1p')(-1)).toBe(-Infinity);
  });

  it('tanh neither overflows nor cancels', () => {
    for (const x of [0, 1e-9, -1e-4, 0.3, -2, 20, -400, 1e6]) expect(relErr(h('lcTanh')(x), Math.tanh(x)), `tanh(${x})`).toBeLessThan(1e-12);
    expect(h('lcTanh')(NaN)).toBeNaN();
  });

  it("pow follows Math.pow's cases, which GLSL's pow leaves undefined", () => {
    for (const [x, y] of [[-2, 3], [-2, 2], [-8, 1 / 3], [0, -1], [0, 2], [0, 0], [-0.5, -3], [2.5, 0.5], [3, -2], [NaN, 0], [NaN, 2], [2, NaN]] as const) {
      const want = Math.pow(x, y);
      const got = h('lcPow')(x, y);
      if (Number.isNaN(want)) expect(got, `pow(${x}, ${y})`).toBeNaN();
      else expect(relErr(got, want), `pow(${x}, ${y})`).toBeLessThan(1e-14);
    }
  });

  it('round is half to even (torch.round), sign keeps 0 and NaN', () => {
    for (const x of [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 2.4999, -7.51, 1e20, 3]) expect(h('lcRound')(x) === M.round(x), `round(${x})`).toBe(true);
    expect([h('lcSign')(-3), h('lcSign')(0), h('lcSign')(2)]).toEqual([-1, 0, 1]);
    expect(h('lcSign')(NaN)).toBeNaN();
  });

  it('asin and acos through atan2 are accurate up to the ends of [-1, 1]', () => {
    for (const x of [-1, -0.999999, -0.5, 0, 1e-8, 0.7, 0.9999, 1]) {
      expect(Math.abs(h('lcAsin')(x) - Math.asin(x)), `asin(${x})`).toBeLessThan(1e-15 + 1e-14 * Math.abs(Math.asin(x)));
      expect(Math.abs(h('lcAcos')(x) - Math.acos(x)), `acos(${x})`).toBeLessThan(1e-15 + 1e-14 * Math.abs(Math.acos(x)));
    }
    expect(h('lcAsin')(1.5)).toBeNaN();
    expect(h('lcAcos')(-1.5)).toBeNaN();
  });

  it('stable primitives agree with mathlib over the whole range, infinities included', () => {
    for (const x of [-800, -40, -1, -1e-9, 0, 1e-9, 1, 40, 800]) {
      expect(relErr(h('lcSoftplus')(x), M.softplus(x)), `softplus(${x})`).toBeLessThan(1e-12);
      expect(relErr(h('lcLogsigmoid')(x), M.logsigmoid(x)), `logsigmoid(${x})`).toBeLessThan(1e-12);
      expect(relErr(h('lcSigmoid')(x), M.sigmoid(x)), `sigmoid(${x})`).toBeLessThan(1e-12);
      if (x < 0) expect(relErr(h('lcLog1mexp')(x), M.log1mexp(x)), `log1mexp(${x})`).toBeLessThan(1e-10);
    }
    expect(h('lcLogaddexp')(Infinity, 3)).toBe(Infinity);
    expect(h('lcLogaddexp')(-Infinity, -Infinity)).toBe(-Infinity);
    expect(relErr(h('lcLogaddexp')(1000, 1000), M.logaddexp(1000, 1000))).toBeLessThan(1e-15);
    expect(h('lcXlogy')(0, 0)).toBe(0);
    expect(h('lcXlogy')(0, NaN)).toBeNaN();
  });

  it('lists every helper after the helpers it calls', () => {
    for (const helper of KERNEL_HELPERS) for (const dep of helper.uses) expect(KERNEL_HELPERS.findIndex((x) => x.name === dep)).toBeLessThan(KERNEL_HELPERS.indexOf(helper));
  });
});

/** The constructs gpujs-notes.md §4 lists as breaking at least one gpu.js backend. */
function expectPortable(k: KernelStep): void {
  const src = k.source;
  expect(src.startsWith(`function ${k.name}(`), k.name).toBe(true);
  expect(src, k.name).not.toMatch(/\bcontinue\b/);
  expect(src, k.name).not.toMatch(/\blet\s+\w+\s*;/);
  expect(src, k.name).not.toMatch(/[$`]|\bNaN\b|\*\*/);
  expect(src, k.name).not.toMatch(/=\s*\{/);
  expect(src, k.name).not.toMatch(/\w+\s*=\s*\w+\s*=[^=]/);
  for (const m of src.matchAll(/Math\.(max|min)\(/g)) {
    // Two arguments: count top-level commas up to the matching parenthesis.
    let depth = 0;
    let commas = 0;
    for (let j = m.index! + m[0].length; j < src.length; j++) {
      const c = src[j];
      if (c === '(') depth++;
      else if (c === ')' && depth-- === 0) break;
      else if (c === ',' && depth === 0) commas++;
    }
    expect(commas, `${k.name}: ${m[0]}`).toBe(1);
  }
  // Valid JavaScript (the host runs the same text).
  expect(() => new Function(`${KERNEL_HELPERS_JS}\nreturn ${src};`)).not.toThrow();
}

describe('kernel texts', () => {
  it('keep to the portable subset for all 40 fixture formulas, value and gradient', () => {
    const { cases } = readFixture<{ cases: { formula: string; params: Record<string, number | string | boolean>; inputs: Record<string, { shape: number[]; dtype: string }> }[] }>('formulas.json');
    for (const c of cases) {
      const sig = Object.fromEntries(Object.entries(c.inputs).map(([k, t]) => [k, { shape: t.shape, dtype: t.dtype === 'int64' ? 'int' : 'float' } as InputSig]));
      const plan = planOf(c.formula, sig, c.inputs && true, c.params);
      for (const k of plan.kernels) expectPortable(k);
    }
  });
});

describe('plans', () => {
  it('cross-entropy: row logsumexp stays on the device, the total is finished on the host, the mean runs there too', () => {
    const plan = planOf('mean(logsumexp(x, dim=1) - pick(x, y, dim=1))', { x: f(8, 10), y: i(8) });
    const lse = plan.kernels.find((k) => k.segments.some((s) => s.node.op === 'logsumexp'))!;
    expect(lse.where).toBe('device');
    expect(lse.pipeline).toBe(true);
    expect(lse.readback).toBe(false);
    expect(lse.size).toBe(16); // split: 8 row maxima, then 8 log1p of the rest (gpujs.ts, Location.lo)
    const finishes = plan.steps.filter((s) => s.kind === 'finish');
    expect(finishes.map((s) => s.node.op)).toEqual(['sum']);
    const mean = plan.kernels[plan.kernels.length - 2]!;
    expect(plan.kernels.filter((k) => k.where === 'host').map((k) => k.name)).toContain(mean.name);
    // The class index is checked before the first kernel that reads x at it.
    const check = plan.steps.findIndex((s) => s.kind === 'check');
    const firstPick = plan.steps.findIndex((s) => s.kind === 'kernel' && s.where === 'device' && /Math\.min\(Math\.max\(/.test(s.source));
    expect(check).toBeGreaterThanOrEqual(0);
    expect(check).toBeLessThan(firstPick);
  });

  it('splits rows longer than one block into partials finished on the host', () => {
    const C = 3 * BLOCK + 5;
    const plan = planOf('sum(logsumexp(x, dim=1)) + sum(x ^ 2)', { x: f(3, C) }, false);
    const fin = plan.steps.filter((s) => s.kind === 'finish');
    const lse = fin.find((s) => s.node.op === 'logsumexp')!;
    expect(lse).toMatchObject({ rows: 3, blocks: 4 });
    const total = fin.find((s) => s.node.op === 'sum' && s.node.shape.length === 0 && s.from.size > 1)!;
    expect(total).toMatchObject({ rows: 1, blocks: Math.ceil((3 * C) / BLOCK) });
    for (const k of plan.kernels) {
      for (const m of k.source.matchAll(/< (\d+); j\d+\+\+/g)) expect(Number(m[1])).toBeLessThanOrEqual(BLOCK);
    }
  });

  it('lays out a group as segments of one flat output, value and gradients in one kernel', () => {
    const plan = planOf('sum((x - y) ^ 2)', { x: f(4, 5), y: f(4, 5) });
    const k = plan.kernels[0]!;
    expect(k.segments.map((s) => [s.offset, s.size])).toEqual([[0, 1], [1, 20], [21, 20]]);
    expect(k.size).toBe(41);
    expect(plan.results.map((r) => r.kind)).toEqual(['stored', 'stored', 'stored']);
  });

  it('scatters on the host (index_add), after checking the row indices', () => {
    const plan = planOf('sum(c[y] * f)', { c: f(5, 3), y: i(4), f: f(4, 3) });
    const kinds = plan.steps.map((s) => s.kind);
    expect(kinds).toContain('scatter');
    expect(kinds.indexOf('check')).toBeLessThan(kinds.indexOf('scatter'));
  });
});
