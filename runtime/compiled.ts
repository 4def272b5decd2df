// CompiledLoss: a parsed, name-checked loss that instantiates itself once per input
// signature (shapes, dtypes, gradient request) and runs the generated code.
// compile() parses and resolves names eagerly, so syntax errors, unknown names and wrong
// arities surface at once; shape errors surface at the first call with the offending shapes
// (shapes are part of the signature). Everything a user can get wrong raises LossError.

import type { LossDef, SourceUnit } from '../grammar/ast.js';
import { LossError, type SourceText } from '../grammar/source.js';
import { diag, withSource } from '../grammar/diagnostics.js';
import { Lowerer, matchDims, type InputSig, type OptionValue } from '../compiler/lower.js';
import { frontEnd, indexInputs, type ParamInfo } from '../compiler/frontend.js';
import { runPipeline, type Program } from '../compiler/pipeline.js';
import type { RewriteEvent } from '../compiler/rewrite/engine.js';
import { printNode } from '../compiler/print.js';
import { normalizeInput, type DTypeName, type Tensor, type TensorLike, type TypedData } from './tensor.js';
import { instantiateJs, type RunFn } from './jsBackend.js';
import { anomalyRun, checkProgram, type CheckReport } from './anomaly.js';
import { backendFor, resultOf, type GpujsBackend } from './gpujsBackend.js';

export type { AnomalySite, CheckReport } from './anomaly.js';

export interface CompileOptions {
  loss?: string;
  params?: Record<string, number | string | boolean>;
  backend?: 'js' | 'gpu.js';
  gpuMode?: 'cpu' | 'webasm' | 'headlessgl' | 'gpu' | 'webgl2' | 'webgl' | 'webgpu';
  stabilize?: boolean;
  detectAnomaly?: boolean;
  /** Name used in error messages (a file name); default "<formula>". */
  sourceName?: string;
}

export interface GradOptions {
  wrt?: string[];
  gradOutput?: TensorLike;
  out?: Record<string, Float32Array | Float64Array>;
}

export interface ValueAndGrad {
  value: Tensor;
  grads: Record<string, Tensor>;
}

export interface CompiledLoss {
  name: string;
  inputs: string[];
  forward(inputs: Record<string, TensorLike>): Tensor;
  valueAndGrad(inputs: Record<string, TensorLike>, opts?: GradOptions): ValueAndGrad;
  explain(inputs?: Record<string, TensorLike>): string;
  /**
   * Evaluates value and gradients with the reference interpreter and reports NaN/Inf without
   * throwing: whether all is finite, the per-sample losses, the bad rows and where the first
   * NaN/Inf appeared (see docs/nan-guide.md).
   */
  check(inputs: Record<string, TensorLike>): CheckReport;
}

interface Instance {
  program: Program;
  run: RunFn;
  valueDtype: DTypeName;
}

type Prepared = { name: string; tensor: Tensor & { dtype: DTypeName } }[];

const MAX_CACHED = 64;

export class Loss implements CompiledLoss {
  readonly name: string;
  readonly inputs: string[];
  private readonly unit: SourceUnit;
  private readonly lossDef?: LossDef;
  private readonly params: ParamInfo[];
  private readonly options: Record<string, OptionValue>;
  private readonly source: SourceText;
  private readonly stabilize: boolean;
  private readonly detectAnomaly: boolean;
  /** The gpu.js back end, when chosen (undefined: plain JS). */
  private readonly gpu?: GpujsBackend;
  private readonly cache = new Map<string, Instance>();
  /** The latest call's signature and instance: a training loop repeats it, and skips the key. */
  private lastCall?: CallSignature;
  private last?: Instance;

  constructor(text: string, opts: CompileOptions = {}) {
    if (typeof text !== 'string') throw new LossError(diag('LD2044', undefined, 'the source must be a string'));
    this.source = { text, name: opts.sourceName ?? '<formula>' };
    this.stabilize = opts.stabilize !== false;
    this.detectAnomaly = opts.detectAnomaly === true;
    this.gpu = backendFor(opts.backend, opts.gpuMode);
    try {
      const fe = frontEnd(text, this.source.name, opts.loss, opts.params ?? {});
      this.unit = fe.unit;
      this.lossDef = fe.lossDef;
      this.name = fe.name;
      this.params = fe.params;
      this.options = fe.options;
      this.inputs = this.params.map((p) => p.name);
    } catch (e) {
      throw withSource(e, this.source);
    }
  }

  forward(inputs: Record<string, TensorLike>): Tensor {
    return this.guard(() => {
      const prepared = this.prepare(inputs);
      const inst = this.instance(prepared, undefined, false);
      const value = allocate(inst.valueDtype, inst.program.outputs[0]!.node.shape);
      // The gpu.js back end may finish later (a Promise where gpu.js loads asynchronously).
      return resultOf(inst.run(prepared.map((p) => p.tensor.data), [value.data]), value);
    });
  }

  valueAndGrad(inputs: Record<string, TensorLike>, opts: GradOptions = {}): ValueAndGrad {
    return this.guard(() => {
      const prepared = this.prepare(inputs);
      const floats = prepared.filter((p) => p.tensor.dtype !== 'int32').map((p) => p.name);
      const wrt = opts.wrt ?? floats;
      if (!Array.isArray(wrt)) throw new LossError(diag('LD3009', undefined, String(wrt), floats.join(', ') || 'none'));
      for (const w of wrt) {
        if (!floats.includes(w)) throw new LossError(diag('LD3009', undefined, String(w), floats.join(', ') || 'none'));
      }
      const gradOutput = opts.gradOutput === undefined ? undefined : normalizeInput('gradOutput', opts.gradOutput);
      const inst = this.instance(prepared, wrt, gradOutput !== undefined);
      const valueShape = inst.program.outputs[0]!.node.shape;
      const args: TypedData[] = prepared.map((p) => p.tensor.data);
      if (gradOutput) {
        if (gradOutput.shape.length !== valueShape.length || gradOutput.shape.some((d, i) => d !== valueShape[i])) {
          throw new LossError(diag('LD3010', undefined, `[${gradOutput.shape.join(', ')}]`, `[${valueShape.join(', ')}]`));
        }
        args.push(gradOutput.data);
      }
      const value = allocate(inst.valueDtype, valueShape);
      const grads: Record<string, Tensor> = {};
      const outs: TypedData[] = [value.data];
      for (const w of wrt) {
        const t = prepared.find((p) => p.name === w)!.tensor;
        // Input names are user text: own properties only (`constructor` is not Object's).
        const given = opts.out && Object.hasOwn(opts.out, w) ? opts.out[w] : undefined;
        let g: Tensor;
        if (given !== undefined) {
          const ok = (given instanceof Float32Array || given instanceof Float64Array) && given.length === t.data.length;
          if (!ok) throw new LossError(diag('LD3011', undefined, w, t.data.length, t.dtype));
          // The generated loop reads the inputs while it writes the gradients: no memory in common.
          const clash = prepared.find((p) => overlaps(given, p.tensor.data));
          if (clash) throw new LossError(diag('LD3012', undefined, w, `input '${clash.name}'`));
          if (gradOutput && overlaps(given, gradOutput.data)) throw new LossError(diag('LD3012', undefined, w, 'gradOutput'));
          const twice = outs.findIndex((o, i) => i > 0 && overlaps(given, o));
          if (twice > 0) throw new LossError(diag('LD3012', undefined, w, `the out buffer for '${wrt[twice - 1]}'`));
          g = { data: given, shape: [...t.shape] };
        } else {
          g = allocate(t.dtype, t.shape);
        }
        Object.defineProperty(grads, w, { value: g, enumerable: true, writable: true, configurable: true }); // `__proto__` too
        outs.push(g.data);
      }
      return resultOf(inst.run(args, outs), { value, grads });
    });
  }

  check(inputs: Record<string, TensorLike>): CheckReport {
    return this.guard(() => {
      const prepared = this.prepare(inputs);
      const floats = prepared.filter((p) => p.tensor.dtype !== 'int32').map((p) => p.name);
      const inst = this.instance(prepared, floats.length ? floats : undefined, false);
      return checkProgram(inst.program, prepared.map((p) => p.tensor.data), inst.valueDtype, this.source);
    });
  }

  explain(inputs?: Record<string, TensorLike>): string {
    return this.guard(() => {
      let inst = this.last;
      if (inputs) {
        const prepared = this.prepare(inputs);
        const floats = prepared.filter((p) => p.tensor.dtype !== 'int32').map((p) => p.name);
        inst = this.instance(prepared, floats, false);
      }
      if (!inst) inst = this.exampleInstance();
      if (!inst) return `${this.header()}\n(could not guess input shapes: pass example inputs to explain)`;
      return `${this.header()}\n${describeProgram(inst.program, this.source)}${this.gpu ? `\n\n${this.gpu.describe(inst.program)}` : ''}`;
    });
  }

  /** Without inputs, explain() guesses small shapes: declared dims, else rank 2, 1 or 0. */
  private exampleInstance(): Instance | undefined {
    const sizes = new Map<string, number>();
    const intNames = this.lossDef ? new Set<string>() : indexInputs(this.unit.body!);
    for (const rank of [2, 1, 0]) {
      const inputs: Record<string, TensorLike> = {};
      for (const p of this.params) {
        const declared = this.lossDef?.tensorParams.find((tp) => tp.name === p.name)?.dims;
        const shape = declared
          ? declared.flatMap((d) => (d.kind === 'fixed' ? [d.size] : d.kind === 'ellipsis' ? [] : [sizes.get(d.name) ?? sizes.set(d.name, sizes.size + 2).get(d.name)!]))
          : Array.from({ length: intNames.has(p.name) ? Math.max(rank - 1, 0) : rank }, (_, i) => i + 2);
        const n = shape.reduce((a, b) => a * b, 1);
        const isInt = p.dtype === 'int' || intNames.has(p.name);
        inputs[p.name] = isInt ? { data: new Int32Array(n), shape } : { data: Float64Array.from({ length: n }, (_, i) => (i % 7) / 7 - 0.4), shape };
      }
      try {
        const prepared = this.prepare(inputs);
        const floats = prepared.filter((q) => q.tensor.dtype !== 'int32').map((q) => q.name);
        return this.instance(prepared, floats, false);
      } catch {
        if (this.lossDef) return undefined;
      }
    }
    return undefined;
  }

  private header(): string {
    const lines = [`loss ${this.name}(${this.inputs.join(', ')})`];
    if (Object.keys(this.options).length) lines.push(`params: ${Object.entries(this.options).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')}`);
    lines.push(`stabilize: ${this.stabilize}`, `backend: ${this.gpu?.label ?? 'js'}`);
    return lines.join('\n');
  }

  private guard<T>(f: () => T): T {
    try {
      return f();
    } catch (e) {
      throw withSource(e, this.source);
    }
  }

  /** Checks names, dtypes and declared dims; returns the present inputs in declaration order. */
  private prepare(inputs: Record<string, TensorLike>): Prepared {
    if (typeof inputs !== 'object' || inputs === null) throw new LossError(diag('LD3008', undefined, 'inputs', 'expected an object mapping input names to tensors'));
    for (const k of Object.keys(inputs)) {
      if (!this.params.some((p) => p.name === k)) throw new LossError(diag('LD3002', undefined, k, this.inputs.join(', ') || 'none'));
    }
    const out: Prepared = [];
    const dims = new Map<string, [number, string]>();
    for (const p of this.params) {
      const v = Object.prototype.hasOwnProperty.call(inputs, p.name) ? inputs[p.name] : undefined;
      if (v === undefined) {
        if (p.optional) continue;
        throw new LossError(diag('LD3001', undefined, p.name));
      }
      const t = normalizeInput(p.name, v, p.dtype);
      if (p.dtype === 'int' && t.dtype !== 'int32') throw new LossError(diag('LD3003', undefined, p.name, 'int32 (class indices: an Int32Array, or dtype "int32")', t.dtype));
      if (p.dtype === 'float' && t.dtype === 'int32') throw new LossError(diag('LD3003', undefined, p.name, 'float32 or float64', t.dtype));
      const declared = this.lossDef?.tensorParams.find((tp) => tp.name === p.name)?.dims;
      if (declared) {
        const m = matchDims(declared, t.shape);
        if (!m.ok) throw new LossError(diag('LD3006', undefined, p.name, m.reason));
        for (const [dim, size] of m.bound) {
          const prev = dims.get(dim);
          if (prev && prev[0] !== size) throw new LossError(diag('LD3005', undefined, p.name, dim, size, prev[1], prev[0]));
          if (!prev) dims.set(dim, [size, p.name]);
        }
      }
      out.push({ name: p.name, tensor: t });
    }
    return out;
  }

  private instance(prepared: Prepared, wrt: string[] | undefined, gradOutput: boolean): Instance {
    const lc = this.lastCall;
    if (lc && sameCall(lc, prepared, wrt, gradOutput)) {
      this.last = lc.inst;
      return lc.inst;
    }
    // Input names are identifiers and dtypes fixed words, so this key is unambiguous.
    let key = `${gradOutput ? 'g' : '-'}|${wrt ? wrt.join(',') : '*'}`;
    for (const p of prepared) key += `|${p.name}:${p.tensor.dtype}:${p.tensor.shape.join(',')}`;
    let inst = this.cache.get(key);
    if (!inst) {
      const sig: Record<string, InputSig> = {};
      for (const p of prepared) sig[p.name] = { shape: p.tensor.shape, dtype: p.tensor.dtype === 'int32' ? 'int' : 'float' };
      const lowerer = new Lowerer();
      const lowered = this.lossDef
        ? lowerer.lowerLoss(this.unit, this.lossDef, sig, this.options)
        : lowerer.lowerFormula(this.unit, this.inputs, sig, this.options);
      if (lowered.root.dtype !== 'float' && wrt) {
        // An integer-valued result has no gradient; treat it as float so the shapes line up.
      }
      const floatTypes = prepared.filter((p) => p.tensor.dtype !== 'int32').map((p) => p.tensor.dtype);
      const valueDtype: DTypeName = floatTypes.length && floatTypes.every((d) => d === 'float32') ? 'float32' : 'float64';
      // Float32 results let the code generator use float32-accurate exp/log (codegen/fastmath.ts).
      const program = runPipeline(lowered, { wrt, gradOutput, stabilize: this.stabilize, dialect: valueDtype === 'float32' ? 'float32' : 'float64' });
      // Anomaly mode runs the guarded reference interpreter instead of the generated code.
      const run = this.detectAnomaly ? anomalyRun(program, this.source) : this.gpu ? this.gpu.instantiate(program, this.source) : instantiateJs(program, this.source);
      inst = { program, run, valueDtype };
      if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(key, inst);
    }
    this.lastCall = {
      names: prepared.map((p) => p.name),
      dtypes: prepared.map((p) => p.tensor.dtype),
      shapes: prepared.map((p) => [...p.tensor.shape]),
      wrt: wrt && [...wrt],
      gradOutput,
      inst,
    };
    this.last = inst;
    return inst;
  }
}

interface CallSignature {
  names: string[];
  dtypes: DTypeName[];
  shapes: number[][];
  wrt?: string[];
  gradOutput: boolean;
  inst: Instance;
}

/** Whether a call has the signature of an earlier one (same inputs, dtypes, shapes and gradient request). */
function sameCall(c: CallSignature, prepared: Prepared, wrt: string[] | undefined, gradOutput: boolean): boolean {
  if (c.gradOutput !== gradOutput || c.names.length !== prepared.length) return false;
  if (wrt === undefined ? c.wrt !== undefined : c.wrt === undefined || !sameStrings(c.wrt, wrt)) return false;
  for (let i = 0; i < prepared.length; i++) {
    const t = prepared[i]!.tensor;
    if (c.names[i] !== prepared[i]!.name || c.dtypes[i] !== t.dtype) return false;
    const s = c.shapes[i]!;
    if (s.length !== t.shape.length) return false;
    for (let d = 0; d < s.length; d++) if (s[d] !== t.shape[d]) return false;
  }
  return true;
}

/** Whether two typed arrays share any bytes. */
const overlaps = (a: TypedData, b: TypedData) =>
  a.buffer === b.buffer && a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;

const sameStrings = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

function allocate(dtype: DTypeName, shape: readonly number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = dtype === 'float32' ? new Float32Array(n) : dtype === 'int32' ? new Int32Array(n) : new Float64Array(n);
  return { data, shape: [...shape] };
}

/**
 * The explain() report: inputs; the stability rewrites, each with its rule, table, source
 * position, the user's text there, and the program before and after in the loss language
 * (forward first, then those made on the gradient program); the routine simplifications as
 * counts per rule (they are many and say little); each phase's program; loops; generated JS.
 */
export function describeProgram(p: Program, source: SourceText): string {
  const out: string[] = [];
  out.push(`inputs: ${p.inputs.map((n) => `${n.attrs.name} ${n.dtype} [${n.shape.join(', ')}]`).join(', ') || 'none'}`);
  const where = (r: RewriteEvent): string => {
    if (!r.span) return '';
    const at = `${source.name === '<formula>' ? '' : `${source.name}:`}${r.span.line}:${r.span.column}`;
    const text = source.text.slice(r.span.start, r.span.end).replace(/\s+/g, ' ');
    return text ? ` at ${at}, "${clip(text, 80)}"` : ` at ${at}`;
  };
  const stability = (gradient: boolean) => p.rewrites.filter((r) => r.kind === 'stability' && r.phase.endsWith('gradient') === gradient);
  for (const [title, events] of [['stability rewrites', stability(false)], ['stability rewrites of the gradient', stability(true)]] as const) {
    if (title.endsWith('gradient') && !events.length) continue;
    out.push('', `== ${title} ==`);
    if (!events.length) out.push('(none)');
    for (const r of events) {
      out.push(`${r.rule} [${r.table}]${where(r)}:`, `    ${clip(printNode(r.before))}`, ` => ${clip(printNode(r.after))}`);
    }
  }
  const routine = new Map<string, number>();
  for (const r of p.rewrites) if (r.kind === 'routine') routine.set(r.rule, (routine.get(r.rule) ?? 0) + 1);
  out.push('', '== routine simplifications ==');
  out.push(routine.size ? [...routine].map(([rule, n]) => (n > 1 ? `${rule} ×${n}` : rule)).join(', ') : '(none)');
  for (const ph of p.phases) out.push('', `== ${ph.name} ==`, ph.text);
  out.push('', '== kernels ==');
  p.schedule.groups.forEach((g, i) => {
    out.push(`loop ${i + 1} over [${g.loopShape.join(', ')}]${g.reduced.length && g.reduced.length < g.loopShape.length ? ` reducing dims [${g.reduced.join(', ')}]` : ''}: ${g.kernels.map((k) => `${k.kind} ${k.node.op} -> [${k.node.shape.join(', ')}]`).join(', ')}`);
  });
  out.push('', '== generated JS ==', p.js.source.slice(p.js.source.indexOf('return function run')));
  return out.join('\n');
}

const clip = (s: string, max = 400) => (s.length > max ? `${s.slice(0, max)} …` : s);
