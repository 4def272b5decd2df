// Custom formulas against PyTorch autograd (test/fixtures/formulas.json, made by
// scripts/fixtures/formulas.py): values and gradients to 1e-9 relative in float64, and to
// float32 precision with float32 inputs.

import { describe, expect, it } from 'vitest';
import { compile, type Tensor } from '../../index.js';
import { num, readFixture, toTensor, type FixtureTensor, type FormulaCase as Case } from '../fixtures/load.js';


const { cases } = readFixture<{ cases: Case[] }>('formulas.json');

function expectClose(actual: Tensor, expected: FixtureTensor, rel: number, abs: number, what: string) {
  expect(actual.shape, `${what} shape`).toEqual(expected.shape);
  expected.data.forEach((e, i) => {
    const want = num(e);
    const got = actual.data[i]!;
    const tol = rel * Math.max(Math.abs(want), Math.abs(got)) + abs;
    if (!(Math.abs(got - want) <= tol)) expect.fail(`${what}[${i}]: got ${got}, expected ${want}`);
  });
}

describe('custom formulas match PyTorch autograd', () => {
  it('has at least 30 formulas', () => expect(cases.length).toBeGreaterThanOrEqual(30));
  for (const c of cases) {
    it(`${c.name}: ${c.formula.split('\n').join(' ⏎ ')}`, () => {
      const loss = compile(c.formula, { params: c.params });
      const inputs = Object.fromEntries(Object.entries(c.inputs).map(([k, t]) => [k, toTensor(t)]));
      const scalar = c.value.shape.length === 0;
      const r = loss.valueAndGrad(inputs, scalar ? {} : { gradOutput: toTensor(c.grad_output) });
      expectClose(r.value, c.value, 1e-9, 1e-13, 'value');
      for (const [k, g] of Object.entries(c.grads)) expectClose(r.grads[k]!, g, 1e-9, 1e-12, `grad ${k}`);
      expect(loss.forward(inputs).data).toEqual(r.value.data);
    });
  }
  for (const c of cases) {
    it(`${c.name} with float32 inputs`, () => {
      const loss = compile(c.formula, { params: c.params });
      const inputs = Object.fromEntries(Object.entries(c.inputs).map(([k, t]) => [k, toTensor(t, true)]));
      const scalar = c.value.shape.length === 0;
      const r = loss.valueAndGrad(inputs, scalar ? {} : { gradOutput: toTensor(c.grad_output, true) });
      expect(r.value.data).toBeInstanceOf(Float32Array);
      // float32 inputs are rounded copies of the float64 ones: compare at float32 resolution.
      expectClose(r.value, c.value, 2e-4, 1e-5, 'value');
      for (const [k, g] of Object.entries(c.grads)) {
        expect(r.grads[k]!.data).toBeInstanceOf(Float32Array);
        expectClose(r.grads[k]!, g, 2e-3, 1e-4, `grad ${k}`);
      }
    });
  }
});
