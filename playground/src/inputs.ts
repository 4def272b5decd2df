// Playground inputs: a small spec language ("x: randn(8, 5)", "y: randint(5, [8])", one input
// per line) that generates seeded tensors, and pasted JSON in the CLI's inputs.json format that
// overrides generated tensors of the same name. DOM-free, so it is unit-tested under Node.
// The generators are a table: adding one is one entry, the parser never changes.

import type { TensorLike } from '../../index.js';
import { mulberry32 } from '../../runtime/random.js';

/** A mistake in the inputs panel; `line` is 1-based within the spec (0 for the JSON text). */
export class InputError extends Error {
  constructor(message: string, readonly line: number) {
    super(line > 0 ? `inputs, line ${line}: ${message}` : `inputs JSON: ${message}`);
    this.name = 'InputError';
  }
}

type Arg = number | number[];
interface Generator {
  /** Shown in messages: how to call it. */
  usage: string;
  make(args: Arg[], rng: () => number): { data: Float64Array | Int32Array; shape: number[] };
}

const dims = (args: Arg[], usage: string): number[] => {
  const flat = args.length === 1 && Array.isArray(args[0]) ? args[0] : args;
  if (!flat.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0)) throw new Error(`dims must be non-negative integers: ${usage}`);
  return flat as number[];
};
const count = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);
const fill = (shape: number[], f: () => number) => ({ data: Float64Array.from({ length: count(shape) }, f), shape });

/** Box–Muller on two uniforms; 1 - u keeps log away from 0. */
const normal = (rng: () => number): number => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());

export const GENERATORS: Record<string, Generator> = {
  randn: { usage: 'randn(8, 5)', make: (a, rng) => fill(dims(a, 'randn(8, 5)'), () => normal(rng)) },
  rand: { usage: 'rand(8, 5)', make: (a, rng) => fill(dims(a, 'rand(8, 5)'), rng) },
  zeros: { usage: 'zeros(8, 5)', make: (a) => fill(dims(a, 'zeros(8, 5)'), () => 0) },
  ones: { usage: 'ones(8, 5)', make: (a) => fill(dims(a, 'ones(8, 5)'), () => 1) },
  randint: {
    usage: 'randint(5, [8])',
    make: (a, rng) => {
      const [high, shape] = a;
      if (a.length !== 2 || typeof high !== 'number' || !Number.isInteger(high) || high < 1 || !Array.isArray(shape)) throw new Error('expected randint(high, [dims]), as randint(5, [8])');
      const s = dims([shape], 'randint(5, [8])');
      return { data: Int32Array.from({ length: count(s) }, () => Math.floor(rng() * high)), shape: s };
    },
  },
  linspace: {
    usage: 'linspace(-3, 3, 50)',
    make: (a) => {
      const [lo, hi, n] = a;
      if (a.length !== 3 || typeof lo !== 'number' || typeof hi !== 'number' || typeof n !== 'number' || !Number.isInteger(n) || n < 2) throw new Error('expected linspace(from, to, n) with n >= 2');
      return { data: Float64Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1)), shape: [n] };
    },
  },
};

const LINE = /^([A-Za-z_][A-Za-z0-9_]*)\s*:\s*(.*)$/;
const CALL = /^([A-Za-z_]+)\s*\((.*)\)$/;

/** `1, [8], -2.5` → [1, [8], -2.5]; JSON does the number grammar for us. */
function parseArgs(text: string): Arg[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(`[${text}]`);
  } catch {
    throw new Error(`cannot read the arguments "${text}": write numbers and [lists] of numbers`);
  }
  const ok = (v: unknown): v is Arg => typeof v === 'number' || (Array.isArray(v) && v.every((x) => typeof x === 'number'));
  if (!Array.isArray(parsed) || !parsed.every(ok)) throw new Error(`arguments must be numbers or [lists] of numbers, not "${text}"`);
  return parsed;
}

/**
 * Tensors from the spec text, in line order, from one RNG seeded with `seed` (so the same text
 * and seed give the same data). Blank lines and `#` comments are skipped. A bare number makes
 * a scalar input.
 */
export function generateInputs(spec: string, seed: number): Record<string, TensorLike> {
  const rng = mulberry32(seed);
  const out: Record<string, TensorLike> = {};
  spec.split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) return;
    const m = LINE.exec(line);
    if (!m) throw new InputError(`expected "name: generator", as "x: randn(8, 5)", not "${line}"`, i + 1);
    const [, name, rhs] = m as unknown as [string, string, string];
    if (name in out) throw new InputError(`input ${name} is given twice`, i + 1);
    if (/^-?[\d.]/.test(rhs) && Number.isFinite(Number(rhs))) {
      out[name] = { data: [Number(rhs)], shape: [] };
      return;
    }
    const c = CALL.exec(rhs);
    const gen = c ? GENERATORS[c[1]!] : undefined;
    if (!c || !gen) throw new InputError(`unknown generator "${rhs}": use ${Object.values(GENERATORS).map((g) => g.usage).join(', ')} or a number`, i + 1);
    try {
      out[name] = gen.make(parseArgs(c[2]!), rng);
    } catch (e) {
      throw new InputError(`${name}: ${(e as Error).message}`, i + 1);
    }
  });
  return out;
}

/**
 * Pasted inputs, `{"x": {"shape": [2, 3], "data": [...], "dtype"?: "int32"}}`. Only the JSON
 * and the object layout are checked here; shapes, sizes and dtypes are the library's to check
 * (it raises LossError naming the input).
 */
export function parseJsonInputs(text: string): Record<string, TensorLike> {
  if (!text.trim()) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new InputError((e as Error).message, 0);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new InputError('expected an object mapping input names to {"shape": [...], "data": [...]}', 0);
  const out: Record<string, TensorLike> = {};
  for (const [name, v] of Object.entries(parsed)) {
    if (typeof v === 'number') out[name] = v;
    else if (typeof v === 'object' && v !== null && 'data' in v && 'shape' in v) out[name] = v as TensorLike;
    else throw new InputError(`${name}: expected {"shape": [...], "data": [...]} or a number`, 0);
  }
  return out;
}

/**
 * The inputs a run uses: generated tensors the loss takes (extra spec lines are ignored, so one
 * spec serves several formulas), then every pasted tensor, which wins over a generated one.
 */
export function collectInputs(lossInputs: readonly string[], spec: string, json: string, seed: number): Record<string, TensorLike> {
  const generated = generateInputs(spec, seed);
  const out: Record<string, TensorLike> = {};
  for (const name of lossInputs) if (name in generated) out[name] = generated[name]!;
  return { ...out, ...parseJsonInputs(json) };
}
