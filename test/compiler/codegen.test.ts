// Differential tests of the fused code (schedule.ts + codegen/js.ts) against the unfused
// reference interpreter (compiler/interpret.ts): random shapes with broadcasting, rank 3,
// ties, NaN and ±inf among the inputs; values and gradients must agree (NaN where NaN, ±inf
// exactly, finite values to rounding — fusion reorders nothing but reuses exp(x - max) for
// softmax and reads a picked sum directly). Then the plan itself: the row loops, no full-size
// temporaries, branch-free selections, loop-invariant work hoisted, the float32 dialect.

import { describe, expect, it } from 'vitest';
import { parseSource } from '../../grammar/index.js';
import { Lowerer, type InputSig } from '../../compiler/lower.js';
import { resolveInputs } from '../../compiler/resolve.js';
import { runPipeline, type Program } from '../../compiler/pipeline.js';
import { interpret } from '../../compiler/interpret.js';
import type { Dialect } from '../../compiler/codegen/js.js';
import { rng } from '../helpers.js';

type Sig = Record<string, { shape: number[]; int?: number }>; // int: class count (values in [0, int))

function program(formula: string, sig: Sig, opts: { grad?: boolean; gradOutput?: boolean; dialect?: Dialect } = {}): Program {
  const unit = parseSource(formula, '<test>');
  const names = resolveInputs(unit, unit.body!, []);
  const s: Record<string, InputSig> = {};
  for (const [k, v] of Object.entries(sig)) s[k] = { shape: v.shape, dtype: v.int ? 'int' : 'float' };
  const lowered = new Lowerer().lowerFormula(unit, names, s, {});
  const wrt = opts.grad === false ? undefined : names.filter((n) => !sig[n]!.int);
  return runPipeline(lowered, { wrt, gradOutput: opts.gradOutput, dialect: opts.dialect });
}

/** Runs the generated code; each result comes back as a Float64Array. */
function runFused(p: Program, data: Float64Array[]): Float64Array[] {
  const run = new Function('fail', p.js.source)((site: number, v: number) => {
    throw new Error(`index ${v} out of range at site ${site}`);
  }) as (...a: ArrayLike<number>[]) => void;
  const outs = p.outputs.map((o) => new Float64Array(o.node.shape.reduce((a, b) => a * b, 1)));
  run(...data, ...outs);
  return outs;
}

function runReference(p: Program, data: Float64Array[]): Float64Array[] {
  const inputs = new Map(p.inputs.map((n, i) => [n, data[i]!]));
  const values = interpret(p.outputs.map((o) => o.node), inputs);
  return p.outputs.map((o) => values.get(o.node)!);
}

/** Same NaN, same ±inf, finite values within rounding (relative to the array's scale). */
function expectClose(got: Float64Array, want: Float64Array, what: string, tol = 1e-12): void {
  expect(got.length, what).toBe(want.length);
  let scale = 0;
  for (const w of want) if (Number.isFinite(w)) scale = Math.max(scale, Math.abs(w));
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    const where = `${what}[${i}]: fused ${g}, reference ${w}`;
    if (Number.isNaN(w)) expect(Number.isNaN(g), where).toBe(true);
    else if (!Number.isFinite(w)) expect(g, where).toBe(w);
    else expect(Math.abs(g - w) <= tol * (Math.abs(w) + scale * 1e-3) + 1e-300, where).toBe(true);
  }
}

const SPECIAL = [NaN, Infinity, -Infinity, 0, -0];

/** Random inputs: normal values, a few specials when asked, and ties (a repeated neighbour). */
function inputs(p: Program, sig: Sig, r: () => number, specials: boolean): Float64Array[] {
  return p.inputs.map((n) => {
    const name = n.attrs.name!;
    const size = n.shape.reduce((a, b) => a * b, 1);
    const spec = sig[name];
    const out = new Float64Array(size);
    for (let i = 0; i < size; i++) {
      if (spec?.int) out[i] = Math.floor(r() * spec.int);
      else if (name === '$gradOutput') out[i] = 0.5 + r();
      else {
        const u = r();
        out[i] = specials && u < 0.04 ? SPECIAL[Math.floor(r() * SPECIAL.length)]! : u < 0.15 && i > 0 ? out[i - 1]! : 3 * (r() - 0.5);
      }
    }
    return out;
  });
}

/** A formula over symbolic shapes: each letter is drawn from a few sizes per trial. */
interface Case {
  formula: string;
  shapes: Record<string, string>; // e.g. { x: 'NC', t: 'N' }
  ints?: Record<string, string>; // int inputs: their class-count letter
  gradOutput?: boolean;
}

const CASES: Case[] = [
  { formula: '-mean(pick(log_softmax(x, dim=1), t, dim=1))', shapes: { x: 'NC', t: 'N' }, ints: { t: 'C' } },
  { formula: 'logsumexp(x, dim=1) - pick(x, t, dim=1)', shapes: { x: 'NC', t: 'N' }, ints: { t: 'C' }, gradOutput: true },
  { formula: 'sum(softmax(x, dim=-1) * y)', shapes: { x: 'ABC', y: 'C' } },
  { formula: 'sum(logsumexp(x, dim=1))', shapes: { x: 'ABC' } },
  { formula: 'sum(logsumexp(x, dim=[1, 2]) * w)', shapes: { x: 'ABC', w: 'A' } },
  { formula: 'mean(max(0, 1 + norm(a - p + 1e-6, 2, dim=-1) - norm(a - n + 1e-6, 2, dim=-1)))', shapes: { a: 'ND', p: 'ND', n: 'ND' } },
  { formula: 'sum((x - mean(x, dim=0, keepdim=true)) ^ 2)', shapes: { x: 'NC' } },
  { formula: 'mean(softplus(x) - x * y)', shapes: { x: 'NC', y: 'C' } },
  { formula: 'sum(max(x, y) + min(x, 0) + sign(x) * abs(y) + relu(x))', shapes: { x: 'NC', y: 'NC' } },
  { formula: 'sum(where(x > y, exp(x), log1p(abs(y))) + where(x <= 0, 1, -2))', shapes: { x: 'NC', y: 'C' } },
  { formula: 'sum(max(x, dim=-1) * y)', shapes: { x: 'NC', y: 'N' } },
  { formula: 'mean(logsigmoid(x) + logsigmoid(-x) + sigmoid(x) * sigmoid(-x))', shapes: { x: 'ABC' } },
  { formula: 'sum(xlogy(t, t) - t * x) / 4', shapes: { x: 'NC', t: 'NC' } },
  { formula: 'sum(norm(x, 3, dim=1) + prod(y, dim=1) + min(x, dim=1))', shapes: { x: 'NC', y: 'NC' } },
  { formula: 'sum((a @ b) ^ 2)', shapes: { a: 'NC', b: 'CD' } },
  { formula: 'sum(w[idx] * x)', shapes: { w: 'CD', idx: 'N', x: 'ND' }, ints: { idx: 'C' } },
  { formula: 'mean(x / sum(exp(x), dim=1, keepdim=true))', shapes: { x: 'NC' } },
  { formula: 'sum(sum(x, dim=1) * sum(x ^ 2, dim=1))', shapes: { x: 'NC' } },
  { formula: 'sum(sum(x, dim=2) * max(x, dim=2))', shapes: { x: 'ABC' } },
  { formula: 'mean(max(0, -y * (a - b) + 0.5))', shapes: { a: 'N', b: 'N', y: 'N' } },
  // logsumexp of an argument already shifted by its row max (the stabilizer's form).
  { formula: 'sum(logsumexp(x - detach(max(x, dim=1, keepdim=true)), dim=1) * y)', shapes: { x: 'NC', y: 'N' } },
  {
    formula: 'sum(x - logsumexp(x - detach(where(max(x, dim=-1, keepdim=true) - max(x, dim=-1, keepdim=true) == 0, max(x, dim=-1, keepdim=true), 0)), dim=-1, keepdim=true))',
    shapes: { x: 'ABC' },
  },
  // Row statistics read at another row (a column broadcast, a data index): not the row loop's.
  { formula: 'sum(x * unsqueeze(sum(x, dim=1), 0))', shapes: { x: 'NN' } },
  { formula: 'sum(x * unsqueeze(logsumexp(x, dim=1)[idx], 1))', shapes: { x: 'NC', idx: 'N' }, ints: { idx: 'N' } },
  { formula: 'sum(exp(x - logsumexp(x, dim=1, keepdim=true)) * x) + sum(pick(x, t, dim=1))', shapes: { x: 'NC', t: 'N' }, ints: { t: 'C' } },
];

const SIZES = [1, 2, 3, 5, 8];

describe('fused code agrees with the reference interpreter', () => {
  const r = rng(7);
  for (const c of CASES) {
    it(c.formula, () => {
      for (let trial = 0; trial < 4; trial++) {
        const dims: Record<string, number> = {};
        const size = (l: string) => (dims[l] ??= SIZES[Math.floor(r() * SIZES.length)]!);
        const sig: Sig = {};
        for (const [name, letters] of Object.entries(c.shapes)) {
          const shape = [...letters].map(size);
          sig[name] = c.ints?.[name] ? { shape, int: size(c.ints[name]!) } : { shape };
        }
        const p = program(c.formula, sig, { gradOutput: c.gradOutput });
        for (const specials of [false, true]) {
          const data = inputs(p, sig, r, specials);
          const fused = runFused(p, data);
          const ref = runReference(p, data);
          p.outputs.forEach((o, i) => expectClose(fused[i]!, ref[i]!, `${o.label} (${JSON.stringify(dims)}, specials ${specials})`));
        }
      }
    });
  }
});

describe('the float32 dialect', () => {
  it('computes what the float64 dialect computes, to far below float32 resolution', () => {
    const r = rng(11);
    for (const c of CASES) {
      const sig: Sig = {};
      for (const [name, letters] of Object.entries(c.shapes)) {
        const shape = [...letters].map(() => 4);
        sig[name] = c.ints?.[name] ? { shape, int: 4 } : { shape };
      }
      const p64 = program(c.formula, sig, { gradOutput: c.gradOutput });
      const p32 = program(c.formula, sig, { gradOutput: c.gradOutput, dialect: 'float32' });
      const data = inputs(p64, sig, r, true);
      const a = runFused(p64, data);
      const b = runFused(p32, data);
      p64.outputs.forEach((o, i) => expectClose(b[i]!, a[i]!, `${c.formula}: ${o.label}`, 1e-13));
    }
  });

  it('uses the table-driven exp/log only for float32 programs', () => {
    const sig: Sig = { x: { shape: [4, 6] }, y: { shape: [4, 6] } };
    const f = 'mean(softplus(x) - x * y) + sum(logsumexp(x, dim=1))';
    const js32 = runBody(program(f, sig, { dialect: 'float32' }));
    expect(js32).toMatch(/\$EXP_HI\[/);
    expect(js32).toMatch(/\$LOG_LOGC\[/);
    expect(js32).not.toMatch(/Math\.exp\(/);
    const js64 = program(f, sig).js.source;
    expect(js64).not.toMatch(/\$(EXP|LOG)_|\$f(exp|log|log1p)\b/);
    expect(js64).toMatch(/Math\.exp\(/);
  });
});

/** The body of the generated run() (the part after the prelude). */
const runBody = (p: Program) => p.js.source.slice(p.js.source.indexOf('return function run'));
/** Innermost loop bodies: lines between a `for` and its matching `}` that contain no other `for`. */
function innermostLoops(src: string): string[] {
  const lines = src.split('\n');
  const out: string[] = [];
  lines.forEach((l, i) => {
    if (!/^\s*for \(/.test(l)) return;
    const indent = l.match(/^\s*/)![0].length;
    const body: string[] = [];
    for (let j = i + 1; j < lines.length; j++) {
      const m = lines[j]!;
      if (m.match(/^\s*/)![0].length <= indent && m.trim() === '}') break;
      body.push(m);
    }
    if (!body.some((b) => /^\s*for \(/.test(b))) out.push(body.join('\n'));
  });
  return out;
}

describe('the loop plan', () => {
  const ce = () => program('-mean(pick(log_softmax(x, dim=1), t, dim=1))', { x: { shape: [64, 100] }, t: { shape: [64], int: 100 } });

  it('softmax cross-entropy is one row loop: max, sum of exp, gradient; no full-size temporary', () => {
    const p = ce();
    const rowNests = p.schedule.nests.filter((n) => n.outer.length > 0);
    expect(rowNests).toHaveLength(1);
    const passes = rowNests[0]!.steps.filter((s) => s.inner.length > 0);
    expect(passes.map((s) => s.inner)).toEqual([[100], [100], [100]]);
    // Scratch: one row of exp(x - max) (100 values), nothing of size 64 × 100.
    expect(p.js.source).not.toMatch(/new Float64Array\(6400\)/);
    expect(p.js.source).toMatch(/new Float64Array\(100\)/);
    // exp is evaluated once per element: in the sum pass only.
    expect(runBody(p).match(/Math\.exp\(/g)).toHaveLength(1);
  });

  it('a logsumexp of x shifted by its row max takes no pass for its own max', () => {
    const p = program('sum(logsumexp(x - detach(max(x, dim=1, keepdim=true)), dim=1) * y)', { x: { shape: [16, 10] }, y: { shape: [16] } });
    const nest = p.schedule.nests.find((n) => n.outer.length > 0)!;
    // max(x), then the sum of exp, then the gradient.
    expect(nest.steps.filter((s) => s.inner.length > 0)).toHaveLength(3);
  });

  it("reads pick's gradient sum at the index instead of looping over the row", () => {
    const p = ce();
    const picked = p.schedule.nests.flatMap((n) => n.steps.flatMap((s) => s.items)).filter((i) => i.kernel.pick);
    expect(picked).toHaveLength(1);
    expect(picked[0]!.kernel.node.op).toBe('sum');
  });

  it('triplet margin: distances and gradient in one row loop, row coefficients hoisted out of the inner loop', () => {
    const f = 'mean(max(0, 1 + norm(a - p + 1e-6, 2, dim=-1) - norm(a - n + 1e-6, 2, dim=-1)))';
    const sig: Sig = { a: { shape: [32, 16] }, p: { shape: [32, 16] }, n: { shape: [32, 16] } };
    for (const dialect of ['float64', 'float32'] as const) {
      const p = program(f, sig, { dialect });
      expect(p.schedule.nests.filter((n) => n.outer.length > 0)).toHaveLength(1);
      const inner = innermostLoops(runBody(p));
      expect(inner.length).toBeGreaterThanOrEqual(2);
      for (const body of inner) {
        expect(body).not.toMatch(/Math\.sqrt/);
        // float32: a division by a row value is a multiplication by its reciprocal, taken once per row.
        if (dialect === 'float32') expect(body).not.toMatch(/ \/ /);
      }
    }
  });

  it('selections decided by the data are branch-free in the loops', () => {
    const p = program('mean(max(0, -y * (a - b))) + mean(abs(a - b)) + sum(where(a > b, a, b))', {
      a: { shape: [1000] },
      b: { shape: [1000] },
      y: { shape: [1000] },
    });
    for (const body of innermostLoops(runBody(p))) {
      expect(body).not.toMatch(/Math\.(max|min|sign)\(/);
      // The only conditional left is the NaN test guarding the exact form (never taken on real data).
      expect(body.replace(/\b(\w+) === \1 \?/g, '')).not.toMatch(/\?/);
    }
  });

  it('allocates scratch once per instantiation, never in run()', () => {
    const p = ce();
    expect(runBody(p)).not.toMatch(/new (Float64|Float32|Int32)Array/);
  });
});
