// Property tests over random well-typed formulas (test/fuzz/gen.ts):
//   - 1,000 formulas compile and run (value and gradients) without any error, each in well
//     under a second;
//   - gradients of smooth formulas agree with central finite differences;
//   - the rewritten program (simplified, stabilized) computes what the formula says: the
//     default pipeline against `stabilize: false`, and against the reference interpreter
//     evaluating the IR as lowered, before any rewrite.
// Runs are seeded (FUZZ_SEED overrides the seed, FUZZ_RUNS scales the counts) so a failure
// reproduces; fast-check shrinks it to a small formula first.

import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compile, LossError, type Tensor } from '../../index.js';
import { formulas, inputsFor, sampleInputs } from './gen.js';
import { agree, build, runLowered } from './harness.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20240611);
const SCALE = Number(process.env.FUZZ_RUNS ?? 1);
const runs = (n: number) => Math.max(1, Math.round(n * SCALE));
const LIMIT_MS = 1000;

beforeAll(() => {
  // Warm up: the first compile loads the prelude and the standard library.
  compile('mse_loss(a, b) + mean(d(a, b))').valueAndGrad(inputsFor(['a', 'b'], sampleInputs(0)));
});

describe('random well-typed formulas', () => {
  it('1,000 formulas compile and run, value and gradients, each within a second', () => {
    let count = 0;
    fc.assert(
      fc.property(formulas('anything'), fc.integer({ min: 1, max: 1 << 30 }), (src, seed) => {
        const t0 = performance.now();
        const loss = compile(src);
        const inputs = inputsFor(loss.inputs, sampleInputs(seed));
        const r = loss.valueAndGrad(inputs);
        expect(r.value.data.length).toBe(r.value.shape.reduce((a, b) => a * b, 1));
        for (const name of loss.inputs) {
          if (name === 'y') continue;
          expect(r.grads[name]!.shape).toEqual(inputs[name]!.shape);
        }
        const ms = performance.now() - t0;
        if (ms > LIMIT_MS) throw new Error(`took ${ms.toFixed(0)} ms`);
        count++;
      }),
      { numRuns: runs(1000), seed: SEED },
    );
    expect(count).toBe(runs(1000));
  });

  it('gradients of smooth formulas agree with central finite differences', () => {
    fc.assert(
      fc.property(formulas('smooth'), fc.integer({ min: 1, max: 1 << 30 }), (body, seed) => {
        const loss = compile(`sum(${body})`);
        const inputs = inputsFor(loss.inputs, sampleInputs(seed));
        const { value, grads } = loss.valueAndGrad(inputs);
        const f0 = value.data[0]!;
        // Smooth and bounded by construction, but a product of many factors can still be large.
        fc.pre(Number.isFinite(f0) && Math.abs(f0) < 1e6);
        for (const [name, g] of Object.entries(grads)) {
          const x = inputs[name]!.data as Float64Array;
          for (let i = 0; i < x.length; i++) {
            const orig = x[i]!;
            const h = 1e-6 * Math.max(1, Math.abs(orig));
            x[i] = orig + h;
            const fp = (loss.forward(inputs) as Tensor).data[0]!;
            x[i] = orig - h;
            const fm = (loss.forward(inputs) as Tensor).data[0]!;
            x[i] = orig;
            const fd = (fp - fm) / (2 * h);
            const scale = Math.max(1, Math.abs(fd), Math.abs(f0) * 1e-3);
            if (!(Math.abs(fd - g.data[i]!) <= 2e-5 * scale)) {
              throw new Error(`d/d${name}[${i}]: gradient ${g.data[i]} but finite differences ${fd}`);
            }
          }
        }
      }),
      { numRuns: runs(150), seed: SEED + 1 },
    );
  });

  it('rewriting preserves values: default pipeline = stabilize:false = the IR as lowered', () => {
    fc.assert(
      fc.property(formulas('anything'), fc.integer({ min: 1, max: 1 << 30 }), (src, seed) => {
        const plain = compile(src, { stabilize: false });
        const inputs = inputsFor(plain.inputs, sampleInputs(seed));
        const stable = (compile(src).forward(inputs) as Tensor).data;
        const asWritten = (plain.forward(inputs) as Tensor).data;
        const lowered = runLowered(build(src, inputs), inputs);
        // The interpreter on the unrewritten IR and the JS of the unstabilized program.
        const d1 = agree(asWritten, lowered, 1e-9, 1e-12);
        if (d1) throw new Error(`stabilize:false vs the IR as lowered: ${d1}`);
        // Stabilization may rescue an overflow (finite where the formula as written is not),
        // never the other way round; where both are finite they agree within rounding.
        for (let i = 0; i < stable.length; i++) {
          const s = stable[i]!;
          const w = asWritten[i]!;
          if (Number.isFinite(w) && !Number.isFinite(s)) throw new Error(`[${i}]: stabilized ${s} but as written ${w}`);
          if (Number.isFinite(w) && Number.isFinite(s) && !(Math.abs(s - w) <= 1e-7 * Math.max(1, Math.abs(w)))) {
            throw new Error(`[${i}]: stabilized ${s} but as written ${w}`);
          }
        }
      }),
      { numRuns: runs(250), seed: SEED + 2 },
    );
  });

  it('the generator covers every kind of result and the built-ins it promises', () => {
    const sample = fc.sample(formulas('anything'), { numRuns: 400, seed: SEED });
    for (const f of ['softmax(', 'pick(', '@ w', 'w[y]', 'onehot(', 'let ', 'if ', 'where(', 'mse_loss(', 'cosine_similarity(', 'logsumexp(']) {
      expect(sample.some((s) => s.includes(f)), f).toBe(true);
    }
    const shapes = new Set(
      sample.slice(0, 100).map((s) => {
        const loss = compile(s);
        return (loss.forward(inputsFor(loss.inputs, sampleInputs(1))) as Tensor).shape.join('x');
      }),
    );
    expect([...shapes].sort()).toEqual(['', '3', '3x4', '4']);
    expect(() => compile('sum(a) +')).toThrow(LossError);
  });
});
