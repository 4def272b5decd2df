// The REPL's `:` commands as a table: name, usage, one line of help, and what it does with
// the rest of the input. Each command receives the whole input and where its arguments
// start, so the expression it evaluates keeps its columns and errors point at the right spot.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { diag } from '../../grammar/diagnostics.js';
import { LossError, spanAt, type Diagnostic } from '../../grammar/source.js';
import { parseSource } from '../../grammar/index.js';
import { compile } from '../../index.js';
import { explainReport, explainSection } from '../explain.js';
import { sampleCurves, PLOT_VARIABLE } from '../chart/sample.js';
import { Rng } from './constructors.js';
import { formatTensor, labelled } from './format.js';
import { renderTextPlot, textPlotSamples } from './plot-text.js';
import { Assembled, ReplError } from './segments.js';
import { guard, guardAsync, localError, QUIT, type Prepared, type Session } from './session.js';

export interface Command {
  name: string;
  aliases?: string[];
  usage: string;
  help: string;
  run(s: Session, input: string, at: number): Promise<string | typeof QUIT> | string | typeof QUIT;
}

const usageError = (input: string, at: number, usage: string): ReplError => localError(input, diag('LD4105', spanAt(input, at, Math.max(at + 1, input.trimEnd().length)), usage));

/** A formula to compile (not a tensor the REPL makes itself). */
function formula(s: Session, input: string, at: number, end: number, usage: string): Extract<Prepared, { kind: 'loss' }> {
  const p = s.prepare(input, at, end, usage);
  if (p.kind === 'tensor') throw usageError(input, at, `${usage} (a formula over the bindings, not a constant tensor)`);
  return p;
}

/** `… wrt x, y` at the end of the input: the names and where the expression ends. */
function splitWrt(input: string, at: number): { end: number; names: { name: string; start: number }[] } {
  const m = /\swrt((?:\s*,?\s*[A-Za-z_][A-Za-z0-9_]*)*)\s*$/.exec(input.slice(at));
  if (!m) return { end: input.length, names: [] };
  const listStart = at + m.index + 4;
  const names = [...m[1]!.matchAll(/[A-Za-z_][A-Za-z0-9_]*/g)].map((n) => ({ name: n[0], start: listStart + n.index! }));
  return { end: at + m.index, names };
}

async function grad(s: Session, input: string, at: number): Promise<string> {
  const usage = ':grad <expr> [wrt x, y]';
  const { end, names } = splitWrt(input, at);
  const p = formula(s, input, at, end, usage);
  for (const n of names) {
    if (!p.loss.inputs.includes(n.name)) {
      throw localError(input, diag('LD4107', spanAt(input, n.start, n.start + n.name.length), n.name, ` (the formula's inputs: ${p.loss.inputs.join(', ') || 'none'})`));
    }
  }
  const inputs = s.inputsFor(p);
  const r = await guardAsync(p.assembled, async () => await p.loss.valueAndGrad(inputs, names.length ? { wrt: names.map((n) => n.name) } : {}));
  const out: string[] = [];
  if (r.value.shape.length) out.push(`(the value has shape [${r.value.shape.join(', ')}]: these are the gradients of its sum)`);
  out.push(labelled('value = ', formatTensor(r.value, s.print)));
  for (const [name, g] of Object.entries(r.grads)) out.push(labelled(`grad ${name} = `, formatTensor(g, s.print)));
  if (!Object.keys(r.grads).length) out.push('(no float input to differentiate)');
  return out.join('\n');
}

/** explain() on the bindings, or on guessed example shapes when some input is unbound. */
async function report(s: Session, input: string, at: number, usage: string): Promise<string> {
  const p = formula(s, input, at, input.length, usage);
  const missing = s.unbound(p);
  const text = await guardAsync(p.assembled, async () => await explainReport(p.loss, missing.length ? undefined : s.inputsFor(p)));
  const note = missing.length ? `(no binding for ${missing.join(', ')}: explained for example shapes)\n` : '';
  return note + p.assembled.relocatePositions(text);
}

async function plot(s: Session, input: string, at: number): Promise<string> {
  const usage = ':plot <expr of t> [from to] [--grad]';
  let text = input;
  const flag = /(^|\s)--grad(?=\s|$)/.exec(input.slice(at));
  const withGrad = flag !== null;
  if (flag) text = input.slice(0, at + flag.index) + ' '.repeat(flag[0].length) + input.slice(at + flag.index + flag[0].length);
  let end = text.trimEnd().length;
  let from = -5;
  let to = 5;
  const range = /\s(-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s+(-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*$/.exec(text.slice(at));
  if (range) {
    from = Number(range[1]);
    to = Number(range[2]);
    end = at + range.index;
    if (!(from < to)) throw localError(input, diag('LD4105', spanAt(input, end + 1, text.trimEnd().length), `${usage}: the range needs from < to`));
  }
  const p = formula(s, text, at, end, usage);
  const others = s.inputsFor(p, [PLOT_VARIABLE]);
  const label = input.slice(at, end).trim();
  const opts = { width: s.columns, height: 14, color: s.color, title: label };
  const curves = await guardAsync(p.assembled, () => sampleCurves(p.loss, { from, to, samples: textPlotSamples(opts), grad: withGrad, label, others }));
  return renderTextPlot(curves, opts);
}

function load(s: Session, input: string, at: number): string {
  const path = input.slice(at).trim().replace(/^"(.*)"$/, '$1');
  if (!path) throw usageError(input, at, ':load file.loss');
  let text: string;
  try {
    text = readFileSync(resolve(s.cwd, path), 'utf8');
  } catch (e) {
    throw new LossError(diag('LD4002', undefined, path, (e as Error).message));
  }
  const unit = parseSource(text, path);
  if (unit.body || (!unit.defs.length && !unit.losses.length)) {
    throw new LossError(diag('LD4105', unit.body?.span, ':load file.loss, a file of def and loss definitions (no formula at the end)'), { text, name: path });
  }
  const clashes: Diagnostic[] = [...unit.defs, ...unit.losses].filter((d) => s.bindings.has(d.name)).map((d) => diag('LD4103', d.nameSpan, d.name, 'a tensor binding of this session'));
  if (clashes.length) throw new LossError(clashes, { text, name: path });
  // Each loss compiled once: unknown names and bad calls are reported now, against the file.
  for (const l of unit.losses) compile(text, { loss: l.name, sourceName: path });
  const a = new Assembled([{ name: path, text }, { name: '<repl>', text: '0' }]);
  guard(a, () => compile(a.text, { sourceName: '<formula>' }));
  s.files.delete(path);
  s.files.set(path, { text, names: [...unit.defs, ...unit.losses].map((d) => d.name) });
  const losses = unit.losses.map((l) => `${l.name}(${l.tensorParams.map((t) => t.name).join(', ')})`);
  const defs = unit.defs.map((d) => `${d.name}(${d.params.map((q) => q.name).join(', ')})`);
  return `loaded ${path}: ${[losses.length ? `loss ${losses.join(', ')}` : '', defs.length ? `def ${defs.join(', ')}` : ''].filter(Boolean).join('; ')}`;
}

async function backend(s: Session, input: string, at: number): Promise<string> {
  const [name, mode, extra] = input.slice(at).trim().split(/\s+/).filter(Boolean);
  const current = () => `backend: ${s.compileOptions.backend}${s.compileOptions.gpuMode ? ` (${s.compileOptions.gpuMode})` : ''}`;
  if (!name) return current();
  if ((name !== 'js' && name !== 'gpu.js') || extra || (name === 'js' && mode)) throw usageError(input, at, ':backend js | gpu.js [cpu | webasm | headlessgl | gpu]');
  const opts = { backend: name, gpuMode: mode } as Session['compileOptions'];
  try {
    // A first compile and run shows whether this build and machine have the backend.
    await compile('x * 2', opts).forward({ x: { data: [1, 2], shape: [2] } });
  } catch (e) {
    if (!(e instanceof LossError)) throw e;
    throw new LossError(diag('LD4109', undefined, `${name} backend`, `${e.diagnostics[0]?.message ?? e.message} (keeping ${s.compileOptions.backend})`));
  }
  s.compileOptions = { ...s.compileOptions, backend: opts.backend, gpuMode: opts.gpuMode };
  return current();
}

async function check(s: Session, input: string, at: number): Promise<string> {
  const arg = input.slice(at).trim();
  if (arg && arg !== 'on' && arg !== 'off') throw usageError(input, at, ':check [on | off]');
  const on = arg ? arg === 'on' : !s.compileOptions.detectAnomaly;
  if (on) {
    // Anomaly mode is a compile option; a log of a negative number must be reported by it.
    let reported = false;
    try {
      await compile('log(x)', { ...s.compileOptions, detectAnomaly: true }).forward({ x: -1 });
    } catch (e) {
      if (!(e instanceof LossError)) throw e;
      reported = true;
    }
    if (!reported) throw new LossError(diag('LD4109', undefined, 'anomaly check', 'this build of the compiler does not implement detectAnomaly yet'));
  }
  s.compileOptions = { ...s.compileOptions, detectAnomaly: on };
  return `anomaly check: ${on ? 'on (a NaN or infinity names the op that made it)' : 'off'}`;
}

function vars(s: Session): string {
  const out: string[] = [];
  for (const [name, t] of s.bindings) out.push(`${name}: ${t.data.constructor.name.replace('Array', '').toLowerCase()} [${t.shape.join(', ')}]`);
  for (const text of s.defs.values()) out.push(text);
  for (const [path, f] of s.files) out.push(`${path}: ${f.names.join(', ')}`);
  return out.length ? out.join('\n') : '(nothing defined yet)';
}

function setNumber(input: string, at: number, usage: string, ok: (n: number) => boolean): number {
  const n = Number(input.slice(at).trim());
  if (!input.slice(at).trim() || !Number.isInteger(n) || !ok(n)) throw usageError(input, at, usage);
  return n;
}

function help(): string {
  return [
    'Bind tensors, then evaluate formulas over them:',
    '  x = randn(3, 5)              also rand, zeros, ones, arange, linspace, randint(5, [3])',
    '  y = [[1.0, 2.0], [3.0, 4.0]] literals: integers give int32, anything else float64',
    '  def f(a) = a * tanh(softplus(a))   kept for the session',
    '  mean(f(x))                   any formula, built-in or stdlib loss: mse_loss(a, b, reduction="sum")',
    '  x * [1.0, 0.0, -1.0]         tensors can be written inside formulas too',
    'An open ( or [ or a trailing operator continues the input on the next line.',
    '',
    ...COMMANDS.map((c) => `  ${c.usage.padEnd(38)} ${c.help}`),
  ].join('\n');
}

export const COMMANDS: Command[] = [
  { name: 'grad', usage: ':grad <expr> [wrt x, y]', help: 'value and gradients (all float inputs by default)', run: grad },
  { name: 'explain', usage: ':explain <expr>', help: 'rewrites, IR, gradient formulas, kernels, generated code', run: (s, i, a) => report(s, i, a, ':explain <expr>') },
  {
    name: 'code',
    usage: ':code <expr>',
    help: 'the generated code (value and gradient)',
    run: async (s, i, a) => {
      const r = await report(s, i, a, ':code <expr>');
      return explainSection(r, 'generated') ?? r;
    },
  },
  { name: 'plot', usage: ':plot <expr of t> [from to] [--grad]', help: 'plot f(t) (and f\'(t)) in the terminal, t in [-5, 5] by default', run: plot },
  { name: 'load', usage: ':load file.loss', help: "make a file's losses and defs callable", run: load },
  { name: 'backend', usage: ':backend [js | gpu.js [mode]]', help: 'show or choose the backend', run: backend },
  { name: 'check', usage: ':check [on | off]', help: 'anomaly mode: report the op that makes a NaN or infinity', run: check },
  { name: 'vars', usage: ':vars', help: 'bindings, definitions and loaded files', run: (s) => vars(s) },
  {
    name: 'seed',
    usage: ':seed N',
    help: 'restart the random generator (the session starts with seed 0)',
    run: (s, i, a) => {
      s.rng = new Rng(setNumber(i, a, ':seed N (an integer)', () => true));
      return '';
    },
  },
  {
    name: 'precision',
    usage: ':precision N',
    help: 'digits after the point when printing (default 4)',
    run: (s, i, a) => {
      s.print = { ...s.print, precision: setNumber(i, a, ':precision N (0 to 16)', (n) => n >= 0 && n <= 16) };
      return '';
    },
  },
  { name: 'help', aliases: ['h', '?'], usage: ':help', help: 'this list', run: () => help() },
  { name: 'quit', aliases: ['q', 'exit'], usage: ':quit', help: 'leave (also Ctrl-D)', run: () => QUIT },
];

export const commandNames = (): string[] => COMMANDS.map((c) => `:${c.name}`);
