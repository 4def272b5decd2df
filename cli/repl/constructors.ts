// Tensors made in the REPL rather than computed: `randn(3, 5)`, `randint(5, [3])`, `rand`,
// `zeros`, `ones`, `arange`, `linspace`, and literals `[[1.0, 2.0], [3.0, 4.0]]`. They follow
// PyTorch: sizes as separate ints or one list, `randint(high, size)` / `randint(low, high,
// size)`, integer literals and integer `arange` give int32 tensors, anything else float64
// (or `dtype="float32"`). Random numbers come from a seeded generator so a session replays.
// Arguments must be constants; a mistake is a LossError at the offending argument.

import type { Arg, Expr } from '../../grammar/ast.js';
import { diag } from '../../grammar/diagnostics.js';
import { LossError, type Span } from '../../grammar/source.js';
import type { DTypeName, Tensor } from '../../runtime/tensor.js';
import { mulberry32 } from '../../runtime/random.js';

/** Keeps a typo from allocating gigabytes: 16M elements is far beyond an exploration's needs. */
export const MAX_REPL_ELEMENTS = 2 ** 24;

/** mulberry32 uniforms and Box–Muller normals: small, fast, reproducible from one seed. */
export class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  uniform(): number {
    return this.next();
  }
  normal(): number {
    const u = 1 - this.uniform(); // (0, 1]: log(u) is finite
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.uniform());
  }
}

type Const = { value: number | Const[]; isFloat: boolean; span: Span };

interface Call {
  name: string;
  pos: Const[];
  dtype?: DTypeName;
  span: Span;
}

interface Constructor {
  usage: string;
  make(c: Call, rng: Rng): Tensor;
}

const fail = (span: Span, code: 'LD4101' | 'LD4102', ...args: unknown[]): never => {
  throw new LossError(diag(code, span, ...args));
};

/** Sizes given as `f(3, 5)` or `f([3, 5])`. */
function sizes(c: Call, from: number, usage: string): number[] {
  const args = c.pos.slice(from);
  const list = args.length === 1 && Array.isArray(args[0]!.value) ? (args[0]!.value as Const[]) : args;
  return list.map((a) => {
    if (typeof a.value !== 'number' || a.isFloat || !Number.isInteger(a.value) || a.value < 0) fail(a.span, 'LD4101', c.name, `sizes as non-negative integers: ${usage}`);
    return a.value as number;
  });
}

const num = (c: Call, i: number, usage: string): number => {
  const a = c.pos[i];
  if (!a || typeof a.value !== 'number') return fail(a?.span ?? c.span, 'LD4101', c.name, `a number as argument ${i + 1}: ${usage}`);
  return a.value;
};

function filled(c: Call, shape: number[], dtype: DTypeName, f: (i: number) => number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  if (n > MAX_REPL_ELEMENTS) fail(c.span, 'LD4101', c.name, `at most ${MAX_REPL_ELEMENTS} elements, not ${n}`);
  const data = dtype === 'int32' ? new Int32Array(n) : dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = f(i);
  return { data, shape };
}

const floatType = (c: Call): DTypeName => {
  if (c.dtype === 'int32') fail(c.span, 'LD4101', c.name, 'dtype="float32" or dtype="float64"');
  return c.dtype ?? 'float64';
};

const shaped = (usage: string, value: (rng: Rng) => number): Constructor => ({
  usage,
  make: (c, rng) => filled(c, sizes(c, 0, usage), floatType(c), () => value(rng)),
});

/** The REPL's constructors, by name. */
export const CONSTRUCTORS: Record<string, Constructor> = {
  randn: shaped('randn(3, 5) or randn([3, 5]): standard normal samples', (r) => r.normal()),
  rand: shaped('rand(3, 5): uniform samples in [0, 1)', (r) => r.uniform()),
  zeros: shaped('zeros(3, 5)', () => 0),
  ones: shaped('ones(3, 5)', () => 1),
  randint: {
    usage: 'randint(high, [sizes]) or randint(low, high, [sizes]): integers in [low, high)',
    make(c, rng) {
      const u = this.usage;
      // As torch.randint, the size is always a list: the numbers before it are the bounds.
      const size = c.pos[c.pos.length - 1];
      if (!size || !Array.isArray(size.value) || c.pos.length < 2 || c.pos.length > 3) return fail(size?.span ?? c.span, 'LD4101', c.name, u);
      const twoBounds = c.pos.length === 3;
      const low = twoBounds ? num(c, 0, u) : 0;
      const high = num(c, twoBounds ? 1 : 0, u);
      if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) fail(c.span, 'LD4101', c.name, `integer bounds with low < high: ${u}`);
      return filled(c, sizes(c, c.pos.length - 1, u), c.dtype ?? 'int32', () => low + Math.floor(rng.uniform() * (high - low)));
    },
  },
  arange: {
    usage: 'arange(end) or arange(start, end, step): int32 when all are integers',
    make(c) {
      const u = this.usage;
      if (c.pos.length < 1 || c.pos.length > 3) fail(c.span, 'LD4101', c.name, `one to three numbers: ${u}`);
      const [start, end, step] = c.pos.length === 1 ? [0, num(c, 0, u), 1] : [num(c, 0, u), num(c, 1, u), c.pos.length === 3 ? num(c, 2, u) : 1];
      if (step === 0 || !Number.isFinite(start) || !Number.isFinite(end)) fail(c.span, 'LD4101', c.name, `finite bounds and a non-zero step: ${u}`);
      const n = Math.max(0, Math.ceil((end - start) / step));
      const ints = c.pos.every((a) => !a.isFloat && Number.isInteger(a.value));
      return filled(c, [n], c.dtype ?? (ints ? 'int32' : 'float64'), (i) => start + i * step);
    },
  },
  linspace: {
    usage: 'linspace(start, end, steps): evenly spaced, both ends included',
    make(c) {
      const u = this.usage;
      if (c.pos.length !== 3) fail(c.span, 'LD4101', c.name, `three arguments: ${u}`);
      const [a, b] = [num(c, 0, u), num(c, 1, u)];
      const n = num(c, 2, u);
      if (!Number.isInteger(n) || n < 0) fail(c.pos[2]!.span, 'LD4101', c.name, `a non-negative integer number of steps: ${u}`);
      return filled(c, [n], floatType(c), (i) => (n === 1 ? a : a + ((b - a) * i) / (n - 1)));
    },
  },
};

/** A number, a negated number, or a (nested) list of them; `callee` names the call it is an argument of. */
function constant(e: Expr, callee?: string): Const {
  if (e.kind === 'num') return { value: e.value, isFloat: /[.eE]/.test(e.text), span: e.span };
  if (e.kind === 'unary' && e.op === '-') {
    const inner = constant(e.operand, callee);
    if (typeof inner.value === 'number') return { ...inner, value: -inner.value, span: e.span };
  }
  if (e.kind === 'list') return { value: e.items.map((i) => constant(i, callee)), isFloat: false, span: e.span };
  if (callee === undefined) return fail(e.span, 'LD4102', 'expected a number or a list here (compute with formulas after binding the literal)');
  return fail(e.span, 'LD4101', callee, 'constant numbers or lists of numbers here');
}

/** Whether the REPL makes this expression itself (a constructor call or a literal). */
export function isConstruction(e: Expr, shadowed: (name: string) => boolean): boolean {
  if (e.kind === 'call') return Object.hasOwn(CONSTRUCTORS, e.callee) && !shadowed(e.callee);
  return literalLike(e);
}

const literalLike = (e: Expr): boolean =>
  e.kind === 'list' || e.kind === 'num' || (e.kind === 'unary' && e.op === '-' && literalLike(e.operand) && e.operand.kind !== 'list');

export function construct(e: Expr, rng: Rng): Tensor {
  if (e.kind !== 'call') return literal(e);
  const ctor = CONSTRUCTORS[e.callee]!;
  const c: Call = { name: e.callee, pos: [], span: e.span };
  for (const a of e.args) namedOrPositional(c, a, ctor.usage);
  return ctor.make(c, rng);
}

function namedOrPositional(c: Call, a: Arg, usage: string): void {
  if (a.name === undefined) {
    c.pos.push(constant(a.value, c.name));
    return;
  }
  const v = a.value;
  const ok = a.name === 'dtype' && v.kind === 'str' && ['float32', 'float64', 'int32'].includes(v.value);
  if (!ok) fail(a.span, 'LD4101', c.name, `positional numbers and at most dtype="float32" | "float64" | "int32": ${usage}`);
  c.dtype = (v as { value: DTypeName }).value;
}

/** `[[1.0, 2.0], [3.0, 4.0]]` → float64 [2, 2]; `[2, 0]` → int32 [2]; `-1.5` → a float64 scalar. */
function literal(e: Expr): Tensor {
  const root = constant(e);
  const shape: number[] = [];
  for (let c: Const = root; Array.isArray(c.value); c = c.value[0]!) {
    shape.push(c.value.length);
    if (!c.value.length) break;
  }
  const flat: number[] = [];
  let isFloat = false;
  const walk = (c: Const, depth: number): void => {
    if (typeof c.value === 'number') {
      if (depth !== shape.length) fail(c.span, 'LD4102', `expected a list of ${shape[depth]} here, as in the first row`);
      flat.push(c.value);
      isFloat ||= c.isFloat || !Number.isInteger(c.value) || Math.abs(c.value) >= 2 ** 31;
      return;
    }
    if (depth >= shape.length || c.value.length !== shape[depth]) {
      fail(c.span, 'LD4102', depth >= shape.length ? 'expected a number here, as in the first row' : `expected ${shape[depth]} entries here, as in the first row, but found ${c.value.length}`);
    }
    for (const x of c.value) walk(x, depth + 1);
  };
  walk(root, 0);
  return { data: isFloat ? Float64Array.from(flat) : Int32Array.from(flat), shape };
}
