// Accuracy of the stable primitives and of every stability rule's example, in float64, against
// arbitrary-precision truths stored in test/accuracy/truth.json (`npm run accuracy -- --update`
// computes them with oracle.ts). Asserted for every stored point:
//   - no non-finite value or gradient where the truth is finite;
//   - NaN exactly where the formula as written is NaN (no rewrite hides a domain error);
//   - relative error ≤ 1e-12, value and gradient componentwise (plus 4 units of the smallest
//     subnormal, for subnormal truths), except the justified cases of EXCEPTIONS below.
// The oracle itself is checked live on a few closed forms at the end.

import { describe, expect, it } from 'vitest';
import { primitiveCases, ruleCases, type Case } from './cases.js';
import type { TruthPoint } from './harness.js';
import { oracle } from './oracle.js';
import { readStore } from './store.js';
import type { Tensor } from '../../index.js';

const EPS = 2 ** -52;

/**
 * Cases whose error is bounded by the size of their inputs rather than of their result, and why.
 * `scaled`: a value's |error| ≤ 1e-12·|truth| + 8·ε·max(1, |truth|)·M, M the largest input
 *           magnitude; a gradient's is bounded normwise, by (1e-12 + 8·ε·M)·max(|gradient|,
 *           |upstream gradient|): the softmax pullback y·(g - Σ y·g) cancels at the scale of the
 *           upstream g where one class dominates (PyTorch's does too).
 * `range`:  points with entries beyond 1e±150 are skipped (the sum of squares leaves the range).
 */
const EXCEPTIONS: Record<string, { kind: 'scaled' | 'range'; why: string }> = {
  'primitive:logsumexp(x, dim=1)': { kind: 'scaled', why: 'its gradient is exp(x - logsumexp(x)): the subtraction costs an ulp of max|x| in the exponent' },
  'primitive:log_softmax(x, dim=1)': { kind: 'scaled', why: 'x - logsumexp(x): an ulp of the logsumexp (of the size of max|x|) remains' },
  'primitive:softmax(x, dim=1)': { kind: 'scaled', why: 'exp(x - logsumexp(x)): an ulp of max|x| in the exponent' },
  'rule:local_logsoftmax': { kind: 'scaled', why: 'the log_softmax form, as above' },
  'rule:local_softmax_stabilize': { kind: 'scaled', why: 'the softmax form, as above' },
  'rule:local_log_sum_exp': { kind: 'scaled', why: 'the logsumexp gradient, as above' },
  'rule:local_log_add_exp_n': { kind: 'scaled', why: 'nested logaddexp: each level rounds at the size of its operands' },
  'rule:local_log_mean_exp': { kind: 'scaled', why: 'logsumexp(x) - log(n) cancels where the mean of exp(x) is near 1 (|error| ≤ an ulp of log n)' },
  'primitive:norm(x, 2, dim=1)': { kind: 'range', why: 'the sum of squares under- or overflows beyond 1e±154' },
  'rule:sqrt_sum_sqr_to_norm': { kind: 'range', why: 'the sum of squares under- or overflows beyond 1e±154' },
  'rule:sqrt_sum_mul_self_to_norm': { kind: 'range', why: 'the sum of squares under- or overflows beyond 1e±154' },
  'rule:difference_of_squares': { kind: 'range', why: 'a^2 and b^2 of the written form are evaluated where the factors are not' },
};

const store = readStore();
const cases: Case[] = [...primitiveCases(), ...ruleCases()];

const compiled = new Map<string, ReturnType<Case['compile']>>();

function run(c: Case, p: TruthPoint) {
  const loss = compiled.get(c.id) ?? compiled.set(c.id, c.compile(true)).get(c.id)!;
  const tensors = Object.fromEntries(Object.entries(p.inputs).map(([k, t]) => [k, { shape: t.shape, data: Float64Array.from(t.data) }]));
  const shape = (loss.forward(tensors) as Tensor).shape;
  return loss.valueAndGrad(tensors, { gradOutput: { shape, data: Float64Array.from(p.weights) } }) as { value: Tensor; grads: Record<string, Tensor> };
}

function check(c: Case, p: TruthPoint, got: number, truth: number | undefined, what: string, norm?: number): string | undefined {
  if (truth === undefined) return undefined;
  if (Number.isNaN(truth)) return Number.isNaN(got) || what !== 'value' ? undefined : `${what} is ${got} where the formula as written is NaN`;
  if (Number.isFinite(truth) && !Number.isFinite(got)) return `${what} is ${got}, truth ${truth}`;
  if (!Number.isFinite(truth)) return got === truth ? undefined : `${what} is ${got}, truth ${truth}`;
  const ex = EXCEPTIONS[c.id];
  const mags = Object.values(p.inputs).flatMap((t) => (t.int ? [] : t.data.map(Math.abs)));
  if (ex?.kind === 'range' && mags.some((m) => m > 1e150 || (m > 0 && m < 1e-150))) return undefined;
  const M = Math.max(1, ...mags);
  // A subnormal truth has fewer significant bits: a few units of the smallest subnormal are allowed.
  const tol =
    4 * 2 ** -1074 +
    (ex?.kind !== 'scaled' ? 1e-12 * Math.abs(truth) : norm === undefined ? 1e-12 * Math.abs(truth) + 8 * EPS * Math.max(1, Math.abs(truth)) * M : (1e-12 + 8 * EPS * M) * norm);
  return Math.abs(got - truth) <= tol ? undefined : `${what} is ${got}, truth ${truth} (relative error ${(Math.abs(got - truth) / Math.abs(truth)).toExponential(2)})`;
}

describe('the truth store covers the catalogue', () => {
  for (const c of cases) {
    it(`${c.id} has stored points for ${JSON.stringify(c.label)}`, () => {
      const s = store.get(c.id);
      expect(s, `no stored truths for ${c.id}: run npm run accuracy -- --update`).toBeDefined();
      expect(s!.label, `the example of ${c.id} changed: run npm run accuracy -- --update`).toBe(c.label);
      expect(s!.points.length).toBeGreaterThan(0);
    });
  }
});

describe('float64 accuracy against arbitrary-precision truths', () => {
  for (const c of cases) {
    const s = store.get(c.id);
    if (!s || s.label !== c.label) continue;
    it(`${c.id}: ${c.label}${EXCEPTIONS[c.id] ? ` (${EXCEPTIONS[c.id]!.kind}: ${EXCEPTIONS[c.id]!.why})` : ''}`, () => {
      const problems: string[] = [];
      for (const p of s.points) {
        const r = run(c, p);
        const where = `${p.stratum} ${JSON.stringify(Object.fromEntries(Object.entries(p.inputs).map(([k, t]) => [k, t.data])))}`;
        p.truth.value.forEach((t, i) => {
          const e = check(c, p, r.value.data[i]!, t, `value[${i}]`);
          if (e) problems.push(`${where}: ${e}`);
        });
        for (const [k, ts] of Object.entries(p.truth.grads)) {
          const norm = Math.max(0, ...p.weights.map(Math.abs), ...ts.filter((t): t is number => t !== undefined && Number.isFinite(t)).map(Math.abs));
          ts.forEach((t, i) => {
            const e = check(c, p, r.grads[k]!.data[i]!, t, `grad ${k}[${i}]`, norm);
            if (e) problems.push(`${where}: ${e}`);
          });
        }
      }
      expect(problems).toEqual([]);
    });
  }
});

describe('the oracle', () => {
  const at = (formula: string, xs: number[], grads = false) => {
    const c = primitiveCases().find((q) => q.label === formula) ?? ruleCases().find((q) => q.label === formula)!;
    // Cases are lowered for inputs of shape [1, 3].
    return oracle(c.lower(), { [c.inputs[0]!.name]: { shape: [1, 3], data: [...xs, 0.5, 0.5].slice(0, 3) } }, 'float64', { grads });
  };
  it('finds log(1 + exp(-700)) = exp(-700) where 1 + x rounds to 1 below ~330 digits', () => {
    const r = at('log1p(exp(x))', [-700]);
    expect(Math.abs(r.value[0]! / Math.exp(-700) - 1)).toBeLessThan(3e-16);
    expect(r.digits).toBeGreaterThanOrEqual(32);
  });
  it('differentiates sigmoid at 712.5: e^-712.5 is a subnormal, not 0', () => {
    const r = at('sigmoid(x)', [712.5], true);
    expect(r.grads.x![0]).toBeGreaterThan(0);
    expect(Math.abs(r.grads.x![0]! / Math.exp(-712.5) - 1)).toBeLessThan(1e-12);
  });
  it('says NaN where the formula is undefined, and a number at the edge of its domain', () => {
    const r = at('log1mexp(x)', [1, -1e-300]);
    expect(r.value[0]).toBeNaN();
    expect(Math.abs(r.value[1]! / Math.log(1e-300) - 1)).toBeLessThan(3e-16);
  });
});
