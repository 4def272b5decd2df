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
import { planGpu, type CheckStep, type GpuPlan, type KernelStep, type Step } from '../compiler/codegen/gpujs.js';
import { KERNEL_HELPERS, KERNEL_HELPERS_JS } from '../compiler/codegen/gpujsMath.js';
import type { TypedData } from './tensor.js';
import { addHelpers, buildKernels, execState, runState, type ExecBuilt, type ExecGpu, type ExecHooks, type ExecKernelShortcut, type ExecState } from './gpujsExecute.js';

export const GPU_MODES = ['cpu', 'webasm', 'headlessgl', 'gpu', 'webgl2', 'webgl', 'webgpu'] as const;
export type GpuMode = (typeof GPU_MODES)[number];

/** Results of a gpu.js run: nothing when it ran synchronously, else a Promise of its end. */
export type GpuRunFn = (inputs: TypedData[], outputs: TypedData[]) => void | Promise<void>;

/** Float32 holds every integer below 2^24 exactly: the largest tensor a kernel can index. */
export const MAX_ELEMENTS = 2 ** 24;

// ---- the parts of gpu.js used here ----------------------------------------------------------

interface GpuInstance extends ExecGpu {
  Kernel: { name: string } | null;
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
  addHelpers(gpu, KERNEL_HELPERS);
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

type Instance = ExecState<KernelStep, CheckStep>;

const cleanup = new FinalizationRegistry<ExecKernelShortcut[]>((kernels) => {
  for (const k of kernels) {
    try {
      k.destroy?.();
    } catch {
      // The context may be gone already; nothing to free then.
    }
  }
});

export class GpujsBackend {
  private readonly instances = new WeakMap<Program, { plan: GpuPlan; state: Instance }>();
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
    const inst: Instance = execState<KernelStep, CheckStep>(plan);
    this.instances.set(program, { plan, state: inst });
    const hooks = jitHooks(this.mode, source);
    const run: GpuRunFn = (inputs, outputs) => {
      const mod = loaded ?? loadSync(this.mode);
      if (!mod) return loadAsync(this.mode).then(() => run(inputs, outputs));
      const build = (): ExecBuilt => {
        const gpu = (this.gpu ??= device(mod, this.mode));
        const built = buildKernels(gpu, plan, KERNEL_HELPERS_JS, hooks);
        cleanup.register(program, built.onDevice);
        return built;
      };
      return runState(inst, build, inputs, outputs, hooks);
    };
    return run;
  }

  /** The plan and where each kernel ran, for explain(). */
  describe(program: Program): string {
    const inst = this.instances.get(program);
    if (!inst) return '';
    const { plan } = inst;
    const { built } = inst.state;
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

function describeStep(st: Step, plan: GpuPlan, built?: ExecBuilt): string {
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

// ---- running a plan (runtime/gpujsExecute.ts) ------------------------------------------------

/** The executor's error hooks: LossErrors naming the kernel, or the indexing expression and its span. */
function jitHooks(mode: string, source: SourceText): ExecHooks<KernelStep, CheckStep> {
  return {
    indexError(st, x, position) {
      const what = st.site.op === 'gather' ? 'class index' : 'row index';
      const text = printNode(st.site);
      throw new LossError(diag('LD3007', st.site.span, what, x, st.limit, text.length > 60 ? `${text.slice(0, 60)}…` : text, `[${position.join(', ')}]`), source);
    },
    kernelError(k, e, building) {
      throw building ? buildError(k, mode, e, source) : runError(k, mode, e, source);
    },
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
