// One REPL session: its state (tensor bindings, `def`s typed so far, loaded .loss files, the
// random generator, compile and print options) and `run(input)`, which evaluates one complete
// input and returns the text to show. No terminal I/O here, so tests drive it directly.
//
// An input is one of:
//   :command …                      (cli/repl/commands.ts)
//   name = <expr>                   bind a tensor (silent, as in Python)
//   def …  /  loss …                define for the rest of the session (silent)
//   <expr>                          evaluate and print
// Expressions are REPL constructors or literals (constructors.ts), or formulas compiled with
// compile() over everything defined so far (segments.ts) and run on the bindings and on the
// tensors written inside them (embed.ts).
// Every mistake comes back as { ok: false } with the LossError report: never a stack trace.

import type { Expr, SourceUnit } from '../../grammar/ast.js';
import { diag } from '../../grammar/diagnostics.js';
import { parseSource } from '../../grammar/index.js';
import { formatDiagnostic, LossError, spanAt } from '../../grammar/source.js';
import { BUILTINS, CONSTANTS } from '../../compiler/builtins.js';
import { libraryNames } from '../../compiler/library.js';
import { preludeDefs } from '../../compiler/lower.js';
import { compile } from '../../index.js';
import type { CompileOptions, CompiledLoss } from '../../runtime/compiled.js';
import type { Tensor } from '../../runtime/tensor.js';
import { COMMANDS, commandNames } from './commands.js';
import { construct, isConstruction, Rng } from './constructors.js';
import { DEFAULT_PRINT, formatTensor, type PrintOptions } from './format.js';
import { embedTensors } from './embed.js';
import { Assembled, blankOutside, ReplError, type Piece } from './segments.js';

export interface SessionOptions {
  /** Seed of randn/rand/randint; default 0, so a session replays. */
  seed?: number;
  /** ANSI colors in :plot. */
  color?: boolean;
  /** Columns available to :plot. */
  columns?: number;
  /** Base directory of :load paths. */
  cwd?: string;
}

export interface Reply {
  output: string;
  ok: boolean;
  quit?: boolean;
}

export interface LoadedFile {
  text: string;
  names: string[];
}

/** A parsed expression of an input, ready to run: made by the REPL, or compiled. */
export type Prepared =
  | { kind: 'tensor'; tensor: Tensor }
  | { kind: 'loss'; loss: CompiledLoss; body: Expr; assembled: Assembled; local: Assembled; embedded: Map<string, Tensor> };

export const KEYWORDS = ['def', 'loss', 'let', 'if', 'then', 'else', 'true', 'false'];
const BINDING = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(?!=)/;

export class Session {
  readonly bindings = new Map<string, Tensor>();
  /** Source text of each `def`/`loss` typed in the session, by name, in definition order. */
  defs = new Map<string, string>();
  readonly files = new Map<string, LoadedFile>();
  compileOptions: Pick<CompileOptions, 'backend' | 'gpuMode' | 'detectAnomaly'> = { backend: 'js' };
  print: PrintOptions = { ...DEFAULT_PRINT };
  rng: Rng;
  readonly color: boolean;
  readonly columns: number;
  readonly cwd: string;

  constructor(o: SessionOptions = {}) {
    this.rng = new Rng(o.seed ?? 0);
    this.color = o.color ?? false;
    this.columns = Math.max(40, Math.min(o.columns ?? 72, 120));
    this.cwd = o.cwd ?? process.cwd();
  }

  async run(input: string): Promise<Reply> {
    try {
      const output = await this.dispatch(input);
      if (output === QUIT) return { output: '', ok: true, quit: true };
      return { output, ok: true };
    } catch (e) {
      if (e instanceof ReplError || e instanceof LossError) return { output: e.message, ok: false };
      // A defect of lossc itself: say so plainly, keep the session alive.
      return { output: formatDiagnostic(diag('LD9999', undefined, e instanceof Error ? e.message : String(e))), ok: false };
    }
  }

  private async dispatch(input: string): Promise<string | typeof QUIT> {
    const trimmed = input.trim();
    if (!trimmed || /^#[^\n]*$/.test(trimmed)) return '';
    if (trimmed.startsWith(':')) {
      const m = /^(\s*):([A-Za-z?]*)\s*/.exec(input)!;
      const cmd = COMMANDS.find((c) => c.name === m[2] || c.aliases?.includes(m[2]!));
      if (!cmd) {
        const span = spanAt(input, m[1]!.length, m[0].trimEnd().length);
        throw localError(input, diag('LD4104', span, m[2], ` (commands: ${commandNames().join(' ')})`));
      }
      return await cmd.run(this, input, m[0].length);
    }
    const b = BINDING.exec(input);
    if (b) {
      await this.bind(b[1]!, input, b[0].length);
      return '';
    }
    return await this.statement(input);
  }

  /** `name = <expr>`: the name must not hide a function, the value is kept as given. */
  private async bind(name: string, input: string, rhsStart: number): Promise<void> {
    const what = this.functionKind(name);
    const at = input.indexOf(name);
    if (what) throw localError(input, diag('LD4103', spanAt(input, at, at + name.length), name, `${what}: pick another name for the tensor`));
    const tensor = await this.value(input, rhsStart, input.length);
    this.bindings.set(name, tensor);
  }

  /** Definitions are kept; a trailing expression is evaluated and printed. */
  private async statement(input: string): Promise<string> {
    const unit = parseLocal(input, input);
    if (unit.defs.length || unit.losses.length) this.define(input, unit);
    if (!unit.body) return '';
    const start = unit.defs.length || unit.losses.length ? unit.body.span.start : 0;
    return formatTensor(await this.value(input, start, input.length), this.print);
  }

  private define(input: string, unit: SourceUnit): void {
    const next = new Map(this.defs);
    for (const d of [...unit.defs, ...unit.losses]) {
      if (this.bindings.has(d.name)) throw localError(input, diag('LD4103', d.nameSpan, d.name, 'a tensor binding: pick another name for the function'));
      next.delete(d.name);
      next.set(d.name, input.slice(d.span.start, d.span.end));
    }
    // Compiling the definitions with a trivial formula checks their names now, not at first use.
    const a = new Assembled([...this.filePieces(), ...defPieces(next), { name: '<repl>', text: '0' }]);
    guard(a, () => compile(a.text, { sourceName: '<formula>' }));
    // A loss body is checked only when that loss is the one compiled.
    for (const l of unit.losses) guard(a, () => compile(a.text, { loss: l.name, sourceName: '<formula>' }));
    this.defs = next;
  }

  /** Evaluates the expression in input[start, end) on the bindings. */
  async value(input: string, start: number, end: number): Promise<Tensor> {
    const p = this.prepare(input, start, end);
    if (p.kind === 'tensor') return p.tensor;
    const inputs = this.inputsFor(p);
    return await guardAsync(p.assembled, async () => await p.loss.forward(inputs));
  }

  /** Parses input[start, end) as one expression; REPL constructions are made at once, formulas compiled. */
  prepare(input: string, start: number, end: number, usage?: string): Prepared {
    const user: Piece = { name: '<repl>', text: blankOutside(input, start, end), display: input };
    const local = new Assembled([user]);
    const unit = guard(local, () => parseSource(user.text, '<repl>'));
    if (!unit.body || unit.defs.length || unit.losses.length) {
      throw local.reportDiagnostic(diag('LD4105', spanAt(input, start, Math.max(start + 1, end)), usage ?? 'an expression here'));
    }
    const body = unit.body;
    // A bare binding prints as it is (an int32 tensor stays int32).
    if (body.kind === 'name' && this.bindings.has(body.name)) return { kind: 'tensor', tensor: this.bindings.get(body.name)! };
    const shadowed = (n: string) => this.defs.has(n) || this.loadedNames().has(n);
    if (isConstruction(body, shadowed)) return { kind: 'tensor', tensor: guard(local, () => construct(body, this.rng)) };
    const embedded = guard(local, () => embedTensors(user.text, body, { rng: this.rng, shadowed, taken: (n) => this.bindings.has(n) }));
    const assembled = new Assembled([...this.filePieces(), ...defPieces(this.defs), { ...user, text: embedded.text }]);
    const loss = guard(assembled, () => compile(assembled.text, { ...this.compileOptions, sourceName: '<formula>' }));
    return { kind: 'loss', loss, body, assembled, local, embedded: embedded.tensors };
  }

  /** The bindings a compiled formula reads; any other free name (but `free`) is an error at its first use. */
  inputsFor(p: Extract<Prepared, { kind: 'loss' }>, free: string[] = []): Record<string, Tensor> {
    const missing = this.unbound(p, free);
    if (missing.length) throw p.local.reportDiagnostic(this.unknownName(p.body, missing[0]!));
    return Object.fromEntries(p.loss.inputs.filter((n) => !free.includes(n)).map((n) => [n, p.embedded.get(n) ?? this.bindings.get(n)!]));
  }

  unbound(p: Extract<Prepared, { kind: 'loss' }>, free: string[] = []): string[] {
    return p.loss.inputs.filter((n) => !this.bindings.has(n) && !p.embedded.has(n) && !free.includes(n));
  }

  private unknownName(body: Expr, name: string) {
    const names = [...this.bindings.keys()];
    // A one-letter name is as close to every other one-letter name: list the bindings instead.
    const near = name.length > 1 ? names.find((b) => editDistance(b, name) <= Math.max(1, Math.floor(name.length / 3))) : undefined;
    const hint = !names.length
      ? `: bind it first, as in ${name} = randn(3)`
      : near
        ? ` (did you mean '${near}'?)`
        : ` (bindings: ${names.join(', ')})`;
    return diag('LD4107', findName(body, name)?.span, name, hint);
  }

  /** What a name already is, when it cannot also be a tensor binding. */
  functionKind(name: string): string | undefined {
    if (KEYWORDS.includes(name)) return 'a keyword';
    if (Object.hasOwn(BUILTINS, name)) return 'a built-in function';
    if (Object.hasOwn(CONSTANTS, name)) return 'a built-in constant';
    if (preludeDefs().some((d) => d.name === name)) return 'a prelude function';
    if (this.defs.has(name) || this.loadedNames().has(name)) return 'a function of this session';
    if (libraryNames().includes(name)) return 'a standard-library loss';
    return undefined;
  }

  loadedNames(): Set<string> {
    return new Set([...this.files.values()].flatMap((f) => f.names));
  }

  filePieces(): Piece[] {
    return [...this.files].map(([name, f]) => ({ name, text: f.text }));
  }
}

/** What a command returns to end the session. */
export const QUIT = Symbol('quit');

/** Named as typed: `def f` or `loss l`, so a report inside one says which. */
const defPieces = (defs: Map<string, string>): Piece[] => [...defs].map(([name, text]) => ({ name: `${text.startsWith('loss') ? 'loss' : 'def'} ${name}`, text }));

/** A diagnostic about the input itself (offsets in the input). */
export const localError = (input: string, d: ReturnType<typeof diag>): ReplError => new Assembled([{ name: '<repl>', text: input }]).reportDiagnostic(d);

export const parseLocal = (text: string, display: string): SourceUnit => guard(new Assembled([{ name: '<repl>', text, display }]), () => parseSource(text, '<repl>'));

export function guard<T>(a: Assembled, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof LossError) throw new ReplError(a.report(e));
    throw e;
  }
}

export async function guardAsync<T>(a: Assembled, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof LossError) throw new ReplError(a.report(e));
    throw e;
  }
}

/** The first use of `name` in an expression (for the caret under an unknown name). */
export function findName(e: Expr, name: string): Expr | undefined {
  if (e.kind === 'name') return e.name === name ? e : undefined;
  const kids: Expr[] =
    e.kind === 'unary' ? [e.operand]
    : e.kind === 'binary' ? [e.left, e.right]
    : e.kind === 'call' ? e.args.map((a) => a.value)
    : e.kind === 'index' ? [e.target, e.index]
    : e.kind === 'if' ? [e.cond, e.then, e.else]
    : e.kind === 'let' ? [...e.bindings.map((b) => b.value), e.body]
    : e.kind === 'list' ? e.items
    : [];
  for (const k of kids) {
    const f = findName(k, name);
    if (f) return f;
  }
  return undefined;
}

export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}
