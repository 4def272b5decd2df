// The reference interpreter (compiler/interpret.ts) as an independent oracle for the fused
// JS code: the same Program — value and gradients after every rewrite — evaluated both ways
// must agree to rounding, NaN for NaN and infinity for infinity, on the PyTorch fixture
// formulas and on random formulas; and the interpreter's own semantics at the edges (empty
// tensors, NaN in reductions, index errors) are those the code generator promises.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LossError, type Tensor } from '../../index.js';
import { Graph } from '../../compiler/ir.js';
import { interpret } from '../../compiler/interpret.js';
import { readFixture, toTensor, type FixtureTensor, type FormulaCase as Case } from '../fixtures/load.js';
import { formulas, sampleInputs } from '../fuzz/gen.js';
import { agree, build, runInterpreter, runJs } from '../fuzz/harness.js';


const { cases } = readFixture<{ cases: Case[] }>('formulas.json');

/** Interpreter and JS on the program of `src` with gradients for every float input. */
function compare(src: string, inputs: Record<string, Tensor>, params: Record<string, number | string | boolean> = {}, gradOutput?: Tensor): string | undefined {
  const names = Object.keys(inputs).filter((k) => !(inputs[k]!.data instanceof Int32Array));
  const { program } = build(src, inputs, { params, wrt: names, gradOutput: gradOutput !== undefined });
  const js = runJs(program, inputs, gradOutput);
  const ref = runInterpreter(program, inputs, gradOutput);
  for (let j = 0; j < js.length; j++) {
    // Within rounding: the code generator may order or compensate sums differently.
    const d = agree(js[j]!, ref[j]!, 1e-9, 1e-12);
    if (d) return `${program.outputs[j]!.label} ${d}`;
  }
  return undefined;
}

describe('interpreter = generated JS', () => {
  it(`on the ${cases.length} PyTorch fixture formulas, value and gradients`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
    for (const c of cases) {
      const inputs = Object.fromEntries(Object.entries(c.inputs).map(([k, t]) => [k, toTensor(t)]));
      const scalar = c.value.shape.length === 0;
      const diff = compare(c.formula, inputs, c.params, scalar ? undefined : toTensor(c.grad_output));
      expect(diff, `${c.name}: ${c.formula}`).toBeUndefined();
    }
  });

  it('on 200 random formulas (NaN, infinities and all), value and gradients', () => {
    fc.assert(
      fc.property(formulas('anything'), fc.integer({ min: 1, max: 1 << 30 }), (src, seed) => {
        const all = sampleInputs(seed);
        const { program } = build(src, all, { wrt: [] });
        const used = new Set(program.inputs.map((n) => n.attrs.name!));
        const inputs = Object.fromEntries(Object.entries(all).filter(([k]) => used.has(k)));
        const diff = compare(src, inputs);
        if (diff) throw new Error(diff);
      }),
      { numRuns: 200, seed: 77 },
    );
  });

  it('on inputs holding NaN and infinities', () => {
    const x = { data: Float64Array.from([NaN, 1, -Infinity, 2, Infinity, -3]), shape: [2, 3] };
    const y = { data: Int32Array.from([2, 0]), shape: [2] };
    for (const src of ['max(x, dim=1)', 'min(x)', 'logsumexp(x, dim=1)', 'softmax(x, dim=1)', 'sum(x * 0)', 'prod(x, dim=0)', 'norm(x, 3, dim=1)', 'pick(log_softmax(x, dim=1), y)', 'mean(relu(x) + abs(x))']) {
      expect(compare(src, { x, y }), src).toBeUndefined();
    }
  });
});

describe('interpreter semantics at the edges', () => {
  const run = (src: string, inputs: Record<string, Tensor>) => runInterpreter(build(src, inputs).program, inputs)[0]!;
  const empty = { x: { data: new Float64Array(0), shape: [0, 3] } };

  it('empty tensors: a sum is 0, a mean NaN, a max -inf, logsumexp -inf (as the JS code)', () => {
    expect(Array.from(run('sum(x)', empty))).toEqual([0]);
    expect(run('mean(x)', empty)[0]).toBeNaN();
    expect(Array.from(run('max(x)', empty))).toEqual([-Infinity]);
    expect(Array.from(run('logsumexp(x, dim=0)', empty))).toEqual([-Infinity, -Infinity, -Infinity]);
    expect(Array.from(run('sum(x, dim=1)', empty))).toEqual([]);
    expect(compare('mean(x) + sum(x)', empty)).toBeUndefined();
  });

  it('NaN propagates through max, min and logsumexp wherever it sits in the slice', () => {
    for (const data of [[NaN, 1, 2], [1, NaN, 2], [1, 2, NaN]]) {
      const x = { x: { data: Float64Array.from(data), shape: [3] } };
      expect(run('max(x)', x)[0]).toBeNaN();
      expect(run('min(x)', x)[0]).toBeNaN();
      expect(run('logsumexp(x)', x)[0]).toBeNaN();
    }
    const inf = { x: { data: Float64Array.from([1, Infinity, 2]), shape: [3] } };
    expect(run('logsumexp(x)', inf)[0]).toBe(Infinity);
  });

  it('reductions fold in row-major order, as the generated loops do (bitwise equal sums)', () => {
    const x = { x: { data: Float64Array.from({ length: 24 }, (_, i) => Math.sin(i) * 10 ** (i % 5)), shape: [2, 3, 4] } };
    for (const src of ['sum(x, dim=[0, 2])', 'sum(x, dim=1, keepdim=true)', 'sum(transpose(x))', 'sum(x @ transpose(x))']) {
      const { program } = build(src, x);
      expect(Array.from(runInterpreter(program, x)[0]!), src).toEqual(Array.from(runJs(program, x)[0]!));
    }
  });

  it('an out-of-range index raises LD3007 at the indexing expression, as the JS code does', () => {
    const inputs = { x: { data: new Float64Array(6), shape: [2, 3] }, y: { data: Int32Array.from([0, 3]), shape: [2] } };
    for (const [src, col] of [['sum(pick(x, y))', 5], ['sum(x[y])', 5]] as const) {
      const { program } = build(src, inputs);
      let err: unknown;
      try {
        runInterpreter(program, inputs);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(LossError);
      expect((err as LossError).code).toBe('LD3007');
      expect((err as LossError).span?.column).toBe(col);
      expect((err as LossError).message).toMatch(/index 3 is out of range \[0, [23]\)/);
      expect(() => runJs(program, inputs)).toThrow(/LD3007/);
    }
  });

  it('evaluates hand-built IR: broadcasting, permute, expand, iota, matmul', () => {
    const g = new Graph();
    const a = g.input('a', [2, 3], 'float');
    const v = g.input('v', [3], 'float');
    const sum = g.map('add', [a, v]);
    const t = g.permute(sum, [1, 0]);
    const e = g.expand(g.reshape(v, [3, 1]), [3, 2]);
    const m = g.matmul(a, g.transpose(a));
    const io = g.iota([2, 3], 1);
    const data = new Map([
      [a, [1, 2, 3, 4, 5, 6]],
      [v, [10, 20, 30]],
    ] as const);
    const vals = interpret([t, e, m, io], data);
    expect(Array.from(vals.get(t)!)).toEqual([11, 14, 22, 25, 33, 36]);
    expect(Array.from(vals.get(e)!)).toEqual([10, 10, 20, 20, 30, 30]);
    expect(Array.from(vals.get(m)!)).toEqual([14, 32, 32, 77]);
    expect(Array.from(vals.get(io)!)).toEqual([0, 1, 2, 0, 1, 2]);
  });
});
