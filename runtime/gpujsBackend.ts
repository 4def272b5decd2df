// The gpu.js back end: runs the kernel plan of compiler/codegen/gpujs.ts with gpu.js, in one
// of its modes (cpu, webasm, headlessgl, gpu, and in a browser webgl2, webgl, webgpu).
//
// compile() picks the back end (`backendFor`): an unknown mode, or a mode that cannot run here
// (headlessgl without the `gl` package or an X display, WebGL outside a browser), is a
// LossError at once. gpu.js is loaded on first use: synchronously in Node (results are plain
// tensors), through import() in a browser (results are Promises; `await` works on both).
// Per input signature the plan is made at once; its kernels are built at the first call and
// every kernel is run once on zeros, so a transpile error becomes a LossError naming the kernel,
// never a raw gpu.js exception. The kernel class each kernel really ran on is recorded (gpu.js
// falls back to its cpu backend with only a console warning) and shown by explain().
//
// Per call: index tensors are computed and range-checked on the host, kernels run in order
// with outputs that later kernels read kept on the device (gpu.js pipelines), partials are
// finished and scatters added up on the host in float64, results are copied out.

import { LossError, type SourceText } from '../grammar/source.js';
import { diag } from '../grammar/diagnostics.js';
import type { Program } from '../compiler/pipeline.js';
import { printNode } from '../compiler/print.js';
import { planGpu, type BufferRef, type GpuPlan, type KernelStep, type Location, type ReduceOp, type Step } from '../compiler/codegen/gpujs.js';
import { KERNEL_HELPERS, KERNEL_HELPERS_JS } from '../compiler/codegen/gpujsMath.js';
import type { TypedData } from './tensor.js';

export const GPU_MODES = ['cpu', 'webasm', 'headlessgl', 'gpu', 'webgl2', 'webgl', 'webgpu'] as const;
export type GpuMode = (typeof GPU_MODES)[number];

/** Results of a gpu.js run: nothing when it ran synchronously, else a Promise of its end. */
export type GpuRunFn = (inputs: TypedData[], outputs: TypedData[]) => void | Promise<void>;

/** Float32 holds every integer below 2^24 exactly: the largest tensor a kernel can index. */
export const MAX_ELEMENTS = 2 ** 24;

// ---- the parts of gpu.js used here ----------------------------------------------------------

interface KernelShortcut {
  (...args: unknown[]): unknown;
  kernel: { constructor: { name: string }; fallbackReason?: string | null };
  destroy?(): void;
}
interface GpuInstance {
  Kernel: { name: string } | null;
  createKernel(source: string, settings: object): KernelShortcut;
  addFunction(source: string, settings: object): unknown;
}
interface GpuCtor {
  new (settings: { mode: string }): GpuInstance;
  isWebAssemblySupported: boolean;
  isHeadlessGLSupported: boolean;
  isWebGLSupported: boolean;
  isWebGL2Supported: boolean;
  isWebGPUSupported: boolean;
}
interface GpuModule {
  GPU: GpuCtor;
}

type NodeRequire = (id: string) => unknown;

/** Node's require, reached without importing a Node built-in (the library also runs in browsers). */
function nodeRequire(): NodeRequire | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const mod = proc?.getBuiltinModule?.('module') as { createRequire(url: string): NodeRequire } | undefined;
  return mod?.createRequire(import.meta.url);
}

let loaded: GpuModule | undefined;
let loading: Promise<GpuModule> | undefined;

const unavailable = (mode: string, why: string) => new LossError(diag('LD2070', undefined, mode, why));

function asModule(m: unknown): GpuModule {
  const ns = m as { GPU?: GpuCtor; default?: { GPU?: GpuCtor } };
  const GPU = ns.GPU ?? ns.default?.GPU;
  if (!GPU) throw new Error('the gpu.js package has no GPU export');
  return { GPU };
}

/** gpu.js, loaded synchronously where Node's require is reachable; undefined elsewhere. */
function loadSync(mode: string): GpuModule | undefined {
  if (loaded) return loaded;
  const req = nodeRequire();
  if (!req) return undefined;
  try {
    loaded = asModule(req('gpu.js'));
  } catch (e) {
    throw unavailable(mode, `the gpu.js package cannot be loaded (${e instanceof Error ? e.message.split('\n')[0] : String(e)}); install it with npm install gpu.js@2.24.1`);
  }
  return loaded;
}

function loadAsync(mode: string): Promise<GpuModule> {
  loading ??= import('gpu.js').then(
    (m) => (loaded = asModule(m)),
    (e: unknown) => {
      loading = undefined;
      throw unavailable(mode, `the gpu.js package cannot be loaded (${e instanceof Error ? e.message : String(e)})`);
    },
  );
  return loading;
}

/** Why `mode` cannot run here, or undefined when it can. */
function whyUnavailable(mod: GpuModule, mode: GpuMode): string | undefined {
  const G = mod.GPU;
  const inBrowser = typeof (globalThis as { document?: unknown }).document !== 'undefined';
  switch (mode) {
    case 'cpu':
    case 'gpu':
      return undefined;
    case 'webasm':
      return G.isWebAssemblySupported ? undefined : 'WebAssembly is not available in this runtime';
    case 'headlessgl': {
      if (G.isHeadlessGLSupported) return undefined;
      if (inBrowser) return "headless-gl is for Node; in a browser use 'webgl2' or 'webgl'";
      try {
        nodeRequire()?.('gl');
      } catch {
        return "the optional 'gl' package is not installed or did not build (it needs the packages listed in docs/gpujs.md)";
      }
      const display = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.DISPLAY;
      if (!display) return 'there is no X display for headless-gl: run under xvfb-run -a';
      return `headless-gl could not create a WebGL context on display ${display}`;
    }
    case 'webgl2':
      return G.isWebGL2Supported ? undefined : 'WebGL2 needs a browser';
    case 'webgl':
      return G.isWebGLSupported ? undefined : 'WebGL needs a browser';
    case 'webgpu':
      return G.isWebGPUSupported ? undefined : 'WebGPU needs a browser that has navigator.gpu (Node has no WebGPU adapter here)';
  }
}

// ---- one GPU object per mode, shared by every loss --------------------------------------------

const devices = new Map<GpuMode, GpuInstance>();

function device(mod: GpuModule, mode: GpuMode): GpuInstance {
  let gpu = devices.get(mode);
  if (gpu) return gpu;
  const why = whyUnavailable(mod, mode);
  if (why) throw unavailable(mode, why);
  try {
    gpu = new mod.GPU({ mode });
  } catch (e) {
    throw unavailable(mode, e instanceof Error ? e.message : String(e));
  }
  for (const h of KERNEL_HELPERS) {
    gpu.addFunction(h.source, { argumentTypes: Object.fromEntries(h.params.map((p) => [p, 'Number'])), returnType: 'Number' });
  }
  devices.set(mode, gpu);
  return gpu;
}

/** Every mode with whether it can run here (for benchmarks and tests). Loads gpu.js in Node. */
export function gpujsModes(): { mode: GpuMode; available: boolean; reason?: string }[] {
  let mod: GpuModule | undefined;
  try {
    mod = loadSync('cpu');
  } catch (e) {
    return GPU_MODES.map((mode) => ({ mode, available: false, reason: e instanceof LossError ? e.diagnostics[0]!.message : String(e) }));
  }
  if (!mod) return GPU_MODES.map((mode) => ({ mode, available: false, reason: 'gpu.js loads asynchronously here: compile a loss and await a call' }));
  return GPU_MODES.map((mode) => {
    const reason = whyUnavailable(mod, mode);
    return reason ? { mode, available: false, reason } : { mode, available: true };
  });
}

/**
 * The back end compile() options ask for: undefined for the JS back end, else the gpu.js
 * back end in the chosen mode (default 'gpu': gpu.js's own choice). Raises LossError for an
 * unknown back end or mode, and for a mode that cannot run here when that is known at once.
 */
export function backendFor(backend: unknown, gpuMode: unknown): GpujsBackend | undefined {
  if (backend !== undefined && backend !== 'js' && backend !== 'gpu.js') throw new LossError(diag('LD2045', undefined, String(backend)));
  if (backend !== 'gpu.js') {
    if (gpuMode !== undefined) throw new LossError(diag('LD2072', undefined, String(gpuMode), String(backend ?? 'js')));
    return undefined;
  }
  const mode = gpuMode ?? 'gpu';
  if (typeof mode !== 'string' || !(GPU_MODES as readonly string[]).includes(mode)) {
    throw new LossError(diag('LD2071', undefined, String(mode), GPU_MODES.join(', ')));
  }
  return new GpujsBackend(mode as GpuMode);
}

/**
 * What forward()/valueAndGrad() return after a run: the result itself, or, where the run is
 * asynchronous (gpu.js loaded through import(), WebGPU), a Promise of it. api.md promises
 * `T | Promise<T>` for the gpu.js back end; in Node every mode runs synchronously.
 */
export function resultOf<T>(done: unknown, result: T): T {
  return done instanceof Promise ? (done.then(() => result) as unknown as T) : result;
}

// ---- the back end ---------------------------------------------------------------------------

interface Built {
  kernels: (KernelShortcut | HostKernel | undefined)[];
  /** Kernel class each device kernel ran on, after the validation run. */
  ranOn: string[];
}

type HostKernel = (args: ArrayLike<number>[], out: Float64Array) => void;

interface Instance {
  plan: GpuPlan;
  built?: Built;
  /** Why building failed: every later call raises the same error instead of building again. */
  failed?: unknown;
  /** Float64 buffers of host-run kernels and host steps, reused by every call. */
  hostKernelOut: (Float64Array | undefined)[];
  hostBufs: Float64Array[];
  /** Float32 copies of float64 arguments of device kernels, by buffer. */
  mirrors: Map<string, Float32Array>;
}

const cleanup = new FinalizationRegistry<KernelShortcut[]>((kernels) => {
  for (const k of kernels) {
    try {
      k.destroy?.();
    } catch {
      // The context may be gone already; nothing to free then.
    }
  }
});

export class GpujsBackend {
  private readonly instances = new WeakMap<Program, Instance>();
  private gpu?: GpuInstance;

  constructor(readonly mode: GpuMode) {
    // In Node the mode's availability is known now; in a browser, at the first call.
    const mod = loadSync(mode);
    if (mod) {
      const why = whyUnavailable(mod, mode);
      if (why) throw unavailable(mode, why);
    }
  }

  /** The `backend:` line of explain(): the mode asked for and the kernel class gpu.js chose. */
  get label(): string {
    const chosen = this.gpu?.Kernel?.name;
    return `gpu.js, mode ${this.mode}${chosen ? ` (${chosen})` : ''}`;
  }

  instantiate(program: Program, source: SourceText): GpuRunFn {
    return this.runPlan(planGpu(program.schedule, program.inputs, program.outputs.map((o) => o.node)), program, source);
  }

  /** A run function for `plan` (made by planGpu, possibly edited by a test), described under `program`. */
  runPlan(plan: GpuPlan, program: Program, source: SourceText): GpuRunFn {
    checkSizes(plan);
    const inst: Instance = {
      plan,
      hostKernelOut: plan.kernels.map((k) => (k.where === 'host' ? new Float64Array(k.size) : undefined)),
      hostBufs: plan.hostSizes.map((n) => new Float64Array(n)),
      mirrors: new Map(),
    };
    this.instances.set(program, inst);
    const run: GpuRunFn = (inputs, outputs) => {
      const mod = loaded ?? loadSync(this.mode);
      if (!mod) return loadAsync(this.mode).then(() => run(inputs, outputs));
      if (inst.failed) throw inst.failed;
      if (!inst.built) {
        const fail = (e: unknown): never => {
          throw (inst.failed = e);
        };
        let done: void | Promise<void>;
        let built: Built;
        try {
          built = this.build(mod, inst, program, source);
          done = execute(inst, built, plan.inputs.map((n) => zeros(n.dtype, n.shape)), undefined, source, this.mode, true);
        } catch (e) {
          return fail(e);
        }
        const ready = (): void => {
          built.ranOn = built.kernels.map((k, i) => (plan.kernels[i]!.where === 'host' ? 'host' : (k as KernelShortcut).kernel.constructor.name));
          inst.built = built;
        };
        const validated = done instanceof Promise ? done.then(ready, fail) : ready();
        return then(validated, () => execute(inst, built, inputs, outputs, source, this.mode, false));
      }
      return execute(inst, inst.built, inputs, outputs, source, this.mode, false);
    };
    return run;
  }

  private build(mod: GpuModule, inst: Instance, program: Program, source: SourceText): Built {
    const gpu = (this.gpu ??= device(mod, this.mode));
    const onDevice: KernelShortcut[] = [];
    const kernels = inst.plan.kernels.map((k) => {
      try {
        if (k.where === 'host') return hostKernel(k);
        const kern = gpu.createKernel(k.source, {
          output: [k.size],
          precision: 'single',
          tactic: 'precision',
          optimizeFloatMemory: true,
          pipeline: k.pipeline,
        });
        onDevice.push(kern);
        return kern;
      } catch (e) {
        throw buildError(k, this.mode, e, source);
      }
    });
    cleanup.register(program, onDevice);
    return { kernels, ranOn: [] };
  }

  /** The plan and where each kernel ran, for explain(). */
  describe(program: Program): string {
    const inst = this.instances.get(program);
    if (!inst) return '';
    const { plan, built } = inst;
    const out = ['== gpu.js kernels ==', `mode ${this.mode}${built ? '' : '; kernels are built at the first call'}`];
    for (const st of plan.steps) out.push(describeStep(st, plan, built));
    for (const k of plan.kernels) out.push('', `// ${k.name}`, k.source);
    return out.join('\n');
  }
}

function checkSizes(plan: GpuPlan): void {
  const sizes = [...plan.inputs.map((n) => n.shape.reduce((a, b) => a * b, 1)), ...plan.kernels.map((k) => k.size), ...plan.hostSizes];
  const big = Math.max(0, ...sizes);
  if (big >= MAX_ELEMENTS) throw new LossError(diag('LD2074', undefined, big, MAX_ELEMENTS));
}

function describeStep(st: Step, plan: GpuPlan, built?: Built): string {
  switch (st.kind) {
    case 'kernel': {
      const i = plan.kernels.indexOf(st);
      const where = st.where === 'host' ? 'host, float64' : built ? `device, ran on ${built.ranOn[i]}` : 'device';
      const keep = st.pipeline ? (st.readback ? '; kept on the device and read back' : '; kept on the device') : '';
      return `${st.name} (${where}; ${st.size} threads${keep}): ${st.segments.map((s) => s.what).join('; ')}`;
    }
    case 'finish':
      return `finish ${st.node.op}#${st.node.id} on the host (float64): ${st.rows} row(s) × ${st.blocks} partial(s)`;
    case 'scatter':
      return `scatter index_add#${st.node.id} on the host (float64): ${st.values.size / Math.max(st.rowSize, 1)} row(s) of ${st.rowSize}`;
    case 'check':
      return `check ${st.site.op}#${st.site.id} indices in [0, ${st.limit})`;
  }
}

// ---- running a plan -------------------------------------------------------------------------

/** Sequences work that may or may not be asynchronous (webgpu kernels, texture reads). */
function then<T, U>(v: T | Promise<T>, f: (x: T) => U | Promise<U>): U | Promise<U> {
  return v instanceof Promise ? v.then(f) : f(v);
}

function zeros(dtype: 'float' | 'int', shape: readonly number[]): TypedData {
  const n = shape.reduce((a, b) => a * b, 1);
  return dtype === 'int' ? new Int32Array(n) : new Float32Array(n);
}

function hostKernel(k: KernelStep): HostKernel {
  const fn = new Function(`"use strict";\n${KERNEL_HELPERS_JS}\nreturn ${k.source};`)() as (...args: unknown[]) => number;
  const ctx = { thread: { x: 0, y: 0, z: 0 }, output: { x: k.size, y: 1, z: 1 }, constants: {} };
  return (args, out) => {
    for (let t = 0; t < out.length; t++) {
      ctx.thread.x = t;
      out[t] = fn.apply(ctx, args);
    }
  };
}

function buildError(k: KernelStep, mode: string, e: unknown, source?: SourceText): LossError {
  if (e instanceof LossError) return e;
  const msg = e instanceof Error ? e.message.split('\n')[0]! : String(e);
  return new LossError(diag('LD2073', k.segments[0]?.node.span, k.name, k.segments.map((s) => s.what).join('; '), mode, msg), source);
}

function runError(k: KernelStep, mode: string, e: unknown, source: SourceText): LossError {
  if (e instanceof LossError) return e;
  const msg = e instanceof Error ? e.message.split('\n')[0]! : String(e);
  return new LossError(diag('LD3070', k.segments[0]?.node.span, k.name, mode, msg), source);
}

/**
 * Runs every step. `validating`: the build-time run on zeros, where index checks are skipped
 * (the kernels clamp every index read) and any failure names the kernel that could not run.
 */
function execute(inst: Instance, built: Built, inputs: TypedData[], outputs: TypedData[] | undefined, source: SourceText, mode: string, validating: boolean): void | Promise<void> {
  const { plan } = inst;
  const results: unknown[] = new Array(plan.kernels.length);
  const hostViews: (ArrayLike<number> | undefined)[] = new Array(plan.kernels.length);

  const arg = (ref: BufferRef): unknown =>
    ref.kind === 'input' ? inputs[ref.index] : ref.kind === 'host' ? inst.hostBufs[ref.index] : results[ref.index];
  /** Device kernels always get float32 (or int32) arrays: the types the build-time run used. */
  const deviceArg = (ref: BufferRef): unknown => {
    const a = arg(ref);
    if (!(a instanceof Float64Array)) return a;
    const key = `${ref.kind}${ref.index}`;
    let m = inst.mirrors.get(key);
    if (!m) inst.mirrors.set(key, (m = new Float32Array(a.length)));
    m.set(a);
    return m;
  };

  /** A buffer's values on the host, reading a device result back once per call. */
  const view = (ref: BufferRef): ArrayLike<number> | Promise<ArrayLike<number>> => {
    if (ref.kind !== 'kernel') return arg(ref) as ArrayLike<number>;
    const cached = hostViews[ref.index];
    if (cached) return cached;
    const r = results[ref.index] as { toArray?: () => unknown } | ArrayLike<number>;
    const read = 'toArray' in r && typeof r.toArray === 'function' ? (r.toArray() as ArrayLike<number> | Promise<ArrayLike<number>>) : (r as ArrayLike<number>);
    return then(read, (a) => (hostViews[ref.index] = a));
  };
  const views = (refs: BufferRef[]): ArrayLike<number>[] | Promise<ArrayLike<number>[]> => {
    const vs = refs.map(view);
    return vs.some((v) => v instanceof Promise) ? Promise.all(vs) : (vs as ArrayLike<number>[]);
  };

  const step = (st: Step): void | Promise<void> => {
    switch (st.kind) {
      case 'check':
        if (validating) return;
        return then(view(st.values.buffer), (v) => checkIndices(st, v, st.values.offset, source));
      case 'kernel': {
        const i = plan.kernels.indexOf(st);
        const k = built.kernels[i]!;
        const fail = (e: unknown) => {
          throw validating ? buildError(st, mode, e, source) : runError(st, mode, e, source);
        };
        if (st.where === 'host') {
          return then(views(st.params), (args) => {
            const out = inst.hostKernelOut[i]!;
            try {
              (k as HostKernel)(args, out);
            } catch (e) {
              fail(e);
            }
            results[i] = out;
            hostViews[i] = out;
          });
        }
        try {
          const r = (k as KernelShortcut)(...st.params.map(deviceArg));
          if (r instanceof Promise) return r.then((x) => void (results[i] = x), fail);
          results[i] = r;
        } catch (e) {
          fail(e);
        }
        return;
      }
      case 'finish':
        return then(view(st.from.buffer), (v) => finish(st.op, st.p, v, st.from, st.rows, st.blocks, inst.hostBufs[st.into]!));
      case 'scatter':
        return then(views([st.values.buffer, st.index.buffer]), ([v, ix]) => {
          const out = inst.hostBufs[st.into]!;
          out.fill(0);
          const rows = st.index.size;
          const w = st.rowSize;
          for (let r = 0; r < rows; r++) {
            const base = ix![st.index.offset + r]! * w;
            const src = st.values.offset + r * w;
            for (let c = 0; c < w; c++) out[base + c]! += v![src + c]!;
          }
        });
    }
  };

  const copyResults = (): void | Promise<void> => {
    if (!outputs) return;
    const refs = plan.results.map((r) => (r.kind === 'stored' ? r.at.buffer : undefined));
    const reads = refs.map((ref) => (ref ? view(ref) : undefined));
    const finishCopy = (vals: (ArrayLike<number> | undefined)[]) => {
      plan.results.forEach((r, j) => {
        const out = outputs[j]!;
        if (r.kind === 'const') return out.fill(r.value);
        const v = vals[j]!;
        const { offset, lo, size } = r.at;
        if (lo === undefined) for (let i = 0; i < size; i++) out[i] = v[offset + i]!;
        else for (let i = 0; i < size; i++) out[i] = v[offset + i]! + v[lo + i]!;
      });
    };
    return reads.some((x) => x instanceof Promise) ? Promise.all(reads).then(finishCopy) : finishCopy(reads as (ArrayLike<number> | undefined)[]);
  };

  const from = (i: number): void | Promise<void> => {
    for (; i < plan.steps.length; i++) {
      const r = step(plan.steps[i]!);
      if (r instanceof Promise) {
        const next = i + 1;
        return r.then(() => from(next));
      }
    }
    return copyResults();
  };
  return from(0);
}

function checkIndices(st: Extract<Step, { kind: 'check' }>, v: ArrayLike<number>, offset: number, source: SourceText): void {
  const n = st.shape.reduce((a, b) => a * b, 1);
  for (let i = 0; i < n; i++) {
    const x = v[offset + i]!;
    if (x >= 0 && x < st.limit) continue;
    const position: number[] = [];
    let rem = i;
    for (let d = st.shape.length - 1; d >= 0; d--) {
      position.unshift(rem % st.shape[d]!);
      rem = Math.floor(rem / st.shape[d]!);
    }
    for (let d = 0; d < st.trailing; d++) position.push(0);
    const what = st.site.op === 'gather' ? 'class index' : 'row index';
    const text = printNode(st.site);
    throw new LossError(diag('LD3007', st.site.span, what, x, st.limit, text.length > 60 ? `${text.slice(0, 60)}…` : text, `[${position.join(', ')}]`), source);
  }
}

/** Host combination of partials, in float64. */
const COMBINE: Record<ReduceOp, { identity: number; add: (acc: number, v: number) => number }> = {
  sum: { identity: 0, add: (a, v) => a + v },
  norm: { identity: 0, add: (a, v) => a + v },
  prod: { identity: 1, add: (a, v) => a * v },
  amax: { identity: -Infinity, add: (a, v) => (a !== a || v > a || v !== v ? (a !== a ? a : v) : a) },
  amin: { identity: Infinity, add: (a, v) => (a !== a || v < a || v !== v ? (a !== a ? a : v) : a) },
  logsumexp: { identity: -Infinity, add: () => NaN }, // finished by its own rule in finish()
};

function finish(op: ReduceOp, p: number | undefined, v: ArrayLike<number>, from: Location, rows: number, blocks: number, out: Float64Array): void {
  const c = COMBINE[op];
  const offset = from.offset;
  for (let r = 0; r < rows; r++) {
    const base = offset + r * blocks;
    if (op === 'logsumexp') {
      // Partials are split (Location.lo): block maxima, then log1p of the rest of each block's
      // shifted sum. The result is split too: the row max at [r], the rest at [rows + r].
      const lo = from.lo! + r * blocks;
      let m = -Infinity;
      let at = -1;
      for (let b = 0; b < blocks; b++) {
        const x = v[base + b]!;
        if (x > m || x !== x) {
          m = x;
          at = b;
        }
        if (m !== m) break;
      }
      out[r] = m;
      if (!Number.isFinite(m)) out[rows + r] = 0;
      else if (blocks === 1) out[rows + r] = v[lo]!;
      else {
        // The block holding the max adds exp(lo) = 1 + expm1(lo): sum the rest, then log1p.
        let rest = 0;
        for (let b = 0; b < blocks; b++) rest += b === at ? Math.expm1(v[lo + b]!) : Math.exp(v[base + b]! - m + v[lo + b]!);
        out[rows + r] = Math.log1p(rest);
      }
      continue;
    }
    if (blocks <= 1) {
      // One block is final already (a norm took its root in the kernel).
      out[r] = blocks === 0 ? c.identity : v[base]!;
      continue;
    }
    let acc = c.identity;
    for (let b = 0; b < blocks; b++) acc = c.add(acc, v[base + b]!);
    if (op === 'norm') acc = p === 2 ? Math.sqrt(acc) : p === 1 ? acc : Math.pow(acc, 1 / p!);
    out[r] = acc;
  }
}
