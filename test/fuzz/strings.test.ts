// Hostile and broken text: random strings, random mutations of valid formulas and
// pathologically large formulas must each end in a result or a LossError — never another
// exception, never a stack overflow escaping, never more than a second (no exponential time).

import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compile, LossError, type Tensor } from '../../index.js';
import { parseSource } from '../../grammar/index.js';
import { resolveInputs } from '../../compiler/resolve.js';
import { Lowerer } from '../../compiler/lower.js';
import { printProgram } from '../../compiler/print.js';
import { formulas, sampleInputs } from './gen.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20240611);
const SCALE = Number(process.env.FUZZ_RUNS ?? 1);
const runs = (n: number) => Math.max(1, Math.round(n * SCALE));

/** Every name gets a float [3, 4] tensor, except the generator's y and v. */
function inputsFor(names: readonly string[]): Record<string, Tensor> {
  const all = sampleInputs(7);
  return Object.fromEntries(names.map((n) => [n, all[n] ?? all.a!]));
}

type Outcome = { ok: true; value: Tensor } | { ok: false; error: LossError };

/** Compiles and runs `src`; anything thrown but a LossError fails the test. */
function attempt(src: string, limitMs = 1000): Outcome {
  const t0 = performance.now();
  let out: Outcome;
  try {
    const loss = compile(src);
    const inputs = inputsFor(loss.inputs);
    loss.valueAndGrad(inputs);
    out = { ok: true, value: loss.forward(inputs) as Tensor };
  } catch (e) {
    if (!(e instanceof LossError)) throw new Error(`${src.slice(0, 200)}\n→ ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    expect(e.diagnostics.length).toBeGreaterThan(0);
    expect(e.message).toMatch(/LD\d{4}/);
    out = { ok: false, error: e };
  }
  const ms = performance.now() - t0;
  if (ms > limitMs) throw new Error(`${src.slice(0, 200)}\n→ took ${ms.toFixed(0)} ms`);
  return out;
}

const ALPHABET = [...'abxyvw()[]{},;:=+-*/^@<>!&|.#"\'\\ \n\t0123456789eE_', 'let ', 'if ', 'then ', 'else ', 'def ', 'loss ', 'sum(', 'log(', 'pick(', 'dim=', 'inf', '...', '\u2028', 'é', '𝑥', '\0'];

/** One edit of a string: delete, insert or replace a slice, or duplicate one. */
const mutation = fc.tuple(fc.nat(), fc.nat({ max: 6 }), fc.constantFrom('delete', 'insert', 'replace', 'duplicate'), fc.constantFrom(...ALPHABET));
function mutate(src: string, edits: [number, number, string, string][]): string {
  let s = src;
  for (const [at, len, kind, text] of edits) {
    const i = s.length ? at % (s.length + 1) : 0;
    if (kind === 'delete') s = s.slice(0, i) + s.slice(i + len);
    else if (kind === 'insert') s = s.slice(0, i) + text + s.slice(i);
    else if (kind === 'replace') s = s.slice(0, i) + text + s.slice(i + len);
    else s = s.slice(0, i) + s.slice(i, i + len).repeat(2) + s.slice(i + len);
  }
  return s;
}

beforeAll(() => {
  attempt('mean(d(a, b)) + mse_loss(a, b)', 30000);
});

describe('random text', () => {
  it('random strings over the grammar alphabet: a result or LossError within a second', () => {
    const text = fc.array(fc.constantFrom(...ALPHABET), { maxLength: 40 }).map((xs) => xs.join(''));
    fc.assert(fc.property(text, (s) => void attempt(s)), { numRuns: runs(1000), seed: SEED });
  });

  it('arbitrary unicode strings: a result or LossError', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (s) => void attempt(s)), { numRuns: runs(150), seed: SEED + 1 });
  });

  it('random mutations of valid formulas: a result or LossError within a second', () => {
    let errors = 0;
    let results = 0;
    fc.assert(
      fc.property(formulas('anything'), fc.array(mutation, { minLength: 1, maxLength: 4 }), (src, edits) => {
        const r = attempt(mutate(src, edits as [number, number, string, string][]));
        if (r.ok) results++;
        else errors++;
      }),
      { numRuns: runs(500), seed: SEED + 2 },
    );
    // Both outcomes occur: the mutations are neither all harmless nor all fatal.
    expect(results).toBeGreaterThan(0);
    expect(errors).toBeGreaterThan(0);
  });
});

describe('pathologically large formulas', () => {

  it('20,000 nested parentheses: refused with LD1005 at once', () => {
    const src = `${'('.repeat(20000)}x${')'.repeat(20000)}`;
    const r = attempt(src);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('LD1005');
  });

  it('50,000 unary minuses: refused with LD1005, with or without spaces', () => {
    for (const src of [`${'-'.repeat(50000)}x`, `${'- '.repeat(50000)}x`, `${'!'.repeat(50000)}x`]) {
      const r = attempt(src);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('LD1005');
    }
  });

  it('a 20,000-term sum: names resolve and it lowers without overflow; compiled, a result or LD2046', () => {
    const terms = 20000;
    const src = Array.from({ length: terms }, (_, i) => `x${i % 50} * ${i % 7}`).join(' + ');
    const unit = parseSource(src);
    const names = resolveInputs(unit, unit.body!, []);
    expect(names.length).toBe(50);
    expect(names.slice(0, 3)).toEqual(['x0', 'x1', 'x2']);
    const sig = Object.fromEntries(names.map((n) => [n, { shape: [3], dtype: 'float' as const }]));
    const lowered = new Lowerer().lowerFormula(unit, names, sig, {});
    expect(lowered.root.shape).toEqual([3]);
    expect(printProgram([['value', lowered.root]]).split('\n').length).toBeGreaterThan(terms / 60);
    // End to end: later passes may still refuse it, but only as LD2046 ("too large").
    const inputs = Object.fromEntries(names.map((n) => [n, { data: [0.5, -1, 2], shape: [3] }]));
    const t0 = performance.now();
    try {
      const value = compile(src).forward(inputs) as Tensor;
      const k = Array.from({ length: terms }, (_, i) => i % 7).reduce((a, b) => a + b, 0);
      expect(value.data[0]).toBeCloseTo(0.5 * k, 6);
    } catch (e) {
      expect(e).toBeInstanceOf(LossError);
      expect((e as LossError).code).toBe('LD2046');
    }
    expect(performance.now() - t0).toBeLessThan(20000);
  });

  it('a long chain of lets and a wide call', () => {
    const lets = `${Array.from({ length: 2000 }, (_, i) => `let t${i + 1} = t${i} + 1`).join('\n')}\nsum(t2000)`.replace('t0 + 1', 'x + 1');
    const r = attempt(lets, 10000);
    if (r.ok) expect(r.value.data[0]).toBeCloseTo(1.5 + 2000 * 3, 6);
    else expect(r.error.code).toBe('LD2046');
    const wide = attempt(`max(${Array.from({ length: 300 }, () => 'x').join(', ')})`);
    expect(wide.ok).toBe(false);
  });
});
