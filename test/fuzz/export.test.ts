// Export of random well-typed formulas (test/fuzz/gen.ts): every formula either exports — and
// the module (JavaScript target, imported from a file) gives compile()'s values and gradients,
// at the generator's sizes and at other sizes — or is refused with a LossError that says why
// (a literal size meeting a named dim, a comparison of sizes: LD20xx). The refusals stay few.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { compile, LossError, type Tensor } from '../../index.js';
import { renderExport, type InputShapeSpec } from '../../compiler/export/index.js';
import { disagreement, randint, randn, rng } from '../helpers.js';
import { formulas } from './gen.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20240611) + 7;
const RUNS = Math.max(1, Math.round(60 * Number(process.env.FUZZ_RUNS ?? 1)));

/** The generator's inputs with named dims: a, b [N, D]; v [D]; s []; w [D, D]; y [N] int. */
const SHAPES: Record<string, InputShapeSpec> = {
  a: { dims: ['N', 'D'] },
  b: { dims: ['N', 'D'] },
  v: { dims: ['D'] },
  s: { dims: [] },
  w: { dims: ['D', 'D'] },
  y: { dims: ['N'], dtype: 'int' },
};

function inputs(names: readonly string[], n: number, d: number, seed: number): Record<string, Tensor> {
  const r = rng(seed);
  const all: Record<string, Tensor> = { a: randn([n, d], r), b: randn([n, d], r), v: randn([d], r), s: randn([], r), w: randn([d, d], r, 0.5), y: randint([n], Math.min(d, 4), r) };
  return Object.fromEntries(names.map((k) => [k, all[k]!]));
}

const same = (a: ArrayLike<number>, b: ArrayLike<number>) => disagreement(a, b, 1e-12) < 0;

const dir = mkdtempSync(join(tmpdir(), 'lossc-fuzz-export-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('random formulas, exported', () => {
  it(`${RUNS} formulas export and agree with compile(), or are refused with a reason`, async () => {
    const samples = fc.sample(fc.tuple(formulas('anything', 3), fc.integer({ min: 1, max: 1 << 30 })), { numRuns: RUNS, seed: SEED });
    let exported = 0;
    const refused: string[] = [];
    for (const [k, [src, seed]] of samples.entries()) {
      const loss = compile(src);
      const shapes = Object.fromEntries(loss.inputs.map((n) => [n, SHAPES[n]!]));
      let text: string;
      try {
        text = renderExport(src, { shapes, target: 'js' });
      } catch (e) {
        expect(e, src).toBeInstanceOf(LossError);
        expect((e as LossError).code, src).toMatch(/^LD20\d\d$/);
        refused.push(`${(e as LossError).code} ${src}`);
        continue;
      }
      const file = join(dir, `f${k}.mjs`);
      writeFileSync(file, text);
      const mod = (await import(pathToFileURL(file).href)) as { valueAndGrad(i: unknown): { value: Tensor; grads: Record<string, Tensor> } };
      for (const [n, d] of [[3, 4], [5, 2], [1, 7]] as const) {
        const x = inputs(loss.inputs, n, d, seed);
        let want: { value: Tensor; grads: Record<string, Tensor> } | undefined;
        let wantError: string | undefined;
        try {
          want = loss.valueAndGrad(x);
        } catch (e) {
          wantError = (e as LossError).code;
        }
        let got: { value: Tensor; grads: Record<string, Tensor> } | undefined;
        let gotError: string | undefined;
        try {
          got = mod.valueAndGrad(x);
        } catch (e) {
          gotError = (e as { code: string }).code;
        }
        // A size the formula cannot take (compile() refuses [1, 7] where it needs two rows) is
        // refused by both; otherwise both compute, and agree.
        if (wantError !== undefined || gotError !== undefined) {
          expect([src, n, d, gotError !== undefined]).toEqual([src, n, d, wantError !== undefined]);
          continue;
        }
        expect(got!.value.shape, src).toEqual(want!.value.shape);
        expect(same(want!.value.data, got!.value.data), `${src} value at N=${n}, D=${d}`).toBe(true);
        for (const g of Object.keys(want!.grads)) expect(same(want!.grads[g]!.data, got!.grads[g]!.data), `${src} grad ${g} at N=${n}, D=${d}`).toBe(true);
      }
      exported++;
    }
    // Refusals are the formulas that spell a size as a number (onehot(y, 4)) or compare sizes.
    expect(exported, refused.join('\n')).toBeGreaterThanOrEqual(Math.ceil(RUNS * 0.6));
  }, 300_000);
});
