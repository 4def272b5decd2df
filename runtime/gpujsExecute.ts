// The gpu.js plan executor: runs a kernel plan (compiler/codegen/gpujs.ts) with gpu.js kernels
// and finishes it on the host. Self-contained — it imports nothing — because its text is also
// embedded, as written here (TypeScript) and transpiled (JavaScript), into the modules that
// `lossc compile --backend gpu.js` writes (scripts/embed-runtime.mjs → gpujsExecute.generated.ts).
// Errors are raised through the caller's hooks, so the JIT reports them as LossErrors with
// source positions and an exported module with its own messages.
//
// Per call: index tensors are range-checked on the host, kernels run in order with outputs that
// later kernels read kept on the device (gpu.js pipelines), partials are finished and scatters
// added up on the host in float64, results are copied out. The first call builds the kernels
// and runs every one on zeros, so a kernel that cannot be built or run fails at once.

export type ExecBufferRef = { kind: 'input' | 'kernel' | 'host'; index: number };

/** Where a value's row-major data starts in a buffer (a split value: hi at offset, lo at `lo`). */
export interface ExecLocation {
  buffer: ExecBufferRef;
  offset: number;
  size: number;
  lo?: number;
}

export interface ExecKernelStep {
  kind: 'kernel';
  name: string;
  /** Kernel-language text, starting with `function`. */
  source: string;
  params: ExecBufferRef[];
  size: number;
  where: 'device' | 'host';
  pipeline: boolean;
}

export type ExecReduceOp = 'sum' | 'prod' | 'amax' | 'amin' | 'norm' | 'logsumexp';

export interface ExecFinishStep {
  kind: 'finish';
  op: ExecReduceOp;
  p?: number;
  from: ExecLocation;
  rows: number;
  blocks: number;
  into: number;
}

export interface ExecScatterStep {
  kind: 'scatter';
  values: ExecLocation;
  index: ExecLocation;
  rowSize: number;
  into: number;
}

export interface ExecCheckStep {
  kind: 'check';
  limit: number;
  values: ExecLocation;
  shape: readonly number[];
  trailing: number;
}

export type ExecStep = ExecKernelStep | ExecFinishStep | ExecScatterStep | ExecCheckStep;

export type ExecResult = { kind: 'stored'; at: ExecLocation } | { kind: 'const'; value: number; size: number };

export interface ExecPlan<K extends ExecKernelStep = ExecKernelStep, C extends ExecCheckStep = ExecCheckStep> {
  inputs: readonly { dtype: 'float' | 'int'; shape: readonly number[] }[];
  steps: readonly (K | C | ExecFinishStep | ExecScatterStep)[];
  /** The kernel steps (the same objects as in `steps`), by buffer index. */
  kernels: readonly K[];
  hostSizes: readonly number[];
  results: readonly ExecResult[];
}

export type ExecArray = Float32Array | Float64Array | Int32Array;

/** The parts of gpu.js used here. */
export interface ExecKernelShortcut {
  (...args: unknown[]): unknown;
  kernel: { constructor: { name: string }; fallbackReason?: string | null };
  destroy?(): void;
}
export interface ExecGpu {
  createKernel(source: string, settings: object): ExecKernelShortcut;
  addFunction(source: string, settings: object): unknown;
}

/** A kernel run on the host, in float64, from the same text. */
export type ExecHostKernel = (args: ArrayLike<number>[], out: Float64Array) => void;

export interface ExecHelper {
  name: string;
  params: string[];
  source: string;
}

export interface ExecBuilt {
  kernels: (ExecKernelShortcut | ExecHostKernel)[];
  /** Kernel class each kernel ran on ('host' for host kernels), after the validation run. */
  ranOn: string[];
  /** Device kernels, to destroy with the plan. */
  onDevice: ExecKernelShortcut[];
}

export interface ExecHooks<K extends ExecKernelStep, C extends ExecCheckStep> {
  /** A value of an index tensor out of [0, limit), at `position` of the indexing expression. */
  indexError(step: C, value: number, position: number[]): never;
  /** A kernel that could not be built (or run on zeros while validating), or failed running. */
  kernelError(step: K, error: unknown, building: boolean): never;
}

/** The state of one plan: buffers reused by every call, and its kernels once built. */
export interface ExecState<K extends ExecKernelStep, C extends ExecCheckStep> {
  plan: ExecPlan<K, C>;
  built?: ExecBuilt;
  /** Why building failed: every later call raises the same error instead of building again. */
  failed?: unknown;
  hostKernelOut: (Float64Array | undefined)[];
  hostBufs: Float64Array[];
  /** Float32 copies of float64 arguments of device kernels, by buffer. */
  mirrors: Map<string, Float32Array>;
}

export function execState<K extends ExecKernelStep, C extends ExecCheckStep>(plan: ExecPlan<K, C>): ExecState<K, C> {
  return {
    plan,
    hostKernelOut: plan.kernels.map((k) => (k.where === 'host' ? new Float64Array(k.size) : undefined)),
    hostBufs: plan.hostSizes.map((n) => new Float64Array(n)),
    mirrors: new Map(),
  };
}

/** Declares the kernel helpers (all-number functions) on a GPU object. */
export function addHelpers(gpu: ExecGpu, helpers: readonly ExecHelper[]): void {
  for (const h of helpers) {
    const argumentTypes: { [p: string]: string } = {};
    for (const p of h.params) argumentTypes[p] = 'Number';
    gpu.addFunction(h.source, { argumentTypes, returnType: 'Number' });
  }
}

/** Sequences work that may or may not be asynchronous (webgpu kernels, texture reads). */
export function execThen<T, U>(v: T | Promise<T>, f: (x: T) => U | Promise<U>): U | Promise<U> {
  return v instanceof Promise ? v.then(f) : f(v);
}

/** A host kernel: the kernel text as a JavaScript function, with the helpers in scope. */
export function hostKernel(k: ExecKernelStep, helpersJs: string): ExecHostKernel {
  const fn = new Function(`"use strict";\n${helpersJs}\nreturn ${k.source};`)() as (...args: unknown[]) => number;
  const ctx = { thread: { x: 0, y: 0, z: 0 }, output: { x: k.size, y: 1, z: 1 }, constants: {} };
  return (args, out) => {
    for (let t = 0; t < out.length; t++) {
      ctx.thread.x = t;
      out[t] = fn.apply(ctx, args);
    }
  };
}

/** Builds every kernel of a plan (device kernels through gpu.js, host kernels in JS). */
export function buildKernels<K extends ExecKernelStep, C extends ExecCheckStep>(gpu: ExecGpu, plan: ExecPlan<K, C>, helpersJs: string, hooks: ExecHooks<K, C>): ExecBuilt {
  const onDevice: ExecKernelShortcut[] = [];
  const kernels = plan.kernels.map((k) => {
    try {
      if (k.where === 'host') return hostKernel(k, helpersJs);
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
      return hooks.kernelError(k, e, true);
    }
  });
  return { kernels, ranOn: [], onDevice };
}

function zeros(dtype: 'float' | 'int', shape: readonly number[]): ExecArray {
  const n = shape.reduce((a, b) => a * b, 1);
  return dtype === 'int' ? new Int32Array(n) : new Float32Array(n);
}

/**
 * Runs a plan: at the first call builds its kernels (`build`) and runs them on zeros, recording
 * where each ran; then runs it on `inputs`, writing `outputs`. A build failure is kept and
 * raised again by every later call.
 */
export function runState<K extends ExecKernelStep, C extends ExecCheckStep>(state: ExecState<K, C>, build: () => ExecBuilt, inputs: ExecArray[], outputs: ExecArray[], hooks: ExecHooks<K, C>): void | Promise<void> {
  if (state.failed) throw state.failed;
  if (state.built) return execute(state, state.built, inputs, outputs, hooks, false);
  const { plan } = state;
  const fail = (e: unknown): never => {
    throw (state.failed = e);
  };
  let done: void | Promise<void>;
  let built: ExecBuilt;
  try {
    built = build();
    done = execute(
      state,
      built,
      plan.inputs.map((n) => zeros(n.dtype, n.shape)),
      undefined,
      hooks,
      true,
    );
  } catch (e) {
    return fail(e);
  }
  const ready = (): void => {
    built.ranOn = built.kernels.map((k, i) => (plan.kernels[i]!.where === 'host' ? 'host' : (k as ExecKernelShortcut).kernel.constructor.name));
    state.built = built;
  };
  const validated = done instanceof Promise ? done.then(ready, fail) : ready();
  return execThen(validated, () => execute(state, built, inputs, outputs, hooks, false));
}

/**
 * Runs every step. `validating`: the build-time run on zeros, where index checks are skipped
 * (the kernels clamp every index read) and any failure names the kernel that could not run.
 */
export function execute<K extends ExecKernelStep, C extends ExecCheckStep>(
  state: ExecState<K, C>,
  built: ExecBuilt,
  inputs: ExecArray[],
  outputs: ExecArray[] | undefined,
  hooks: ExecHooks<K, C>,
  validating: boolean,
): void | Promise<void> {
  const { plan } = state;
  const results: unknown[] = new Array(plan.kernels.length);
  const hostViews: (ArrayLike<number> | undefined)[] = new Array(plan.kernels.length);

  const arg = (ref: ExecBufferRef): unknown => (ref.kind === 'input' ? inputs[ref.index] : ref.kind === 'host' ? state.hostBufs[ref.index] : results[ref.index]);
  /** Device kernels always get float32 (or int32) arrays: the types the build-time run used. */
  const deviceArg = (ref: ExecBufferRef): unknown => {
    const a = arg(ref);
    if (!(a instanceof Float64Array)) return a;
    const key = `${ref.kind}${ref.index}`;
    let m = state.mirrors.get(key);
    if (!m) state.mirrors.set(key, (m = new Float32Array(a.length)));
    m.set(a);
    return m;
  };

  /** A buffer's values on the host, reading a device result back once per call. */
  const view = (ref: ExecBufferRef): ArrayLike<number> | Promise<ArrayLike<number>> => {
    if (ref.kind !== 'kernel') return arg(ref) as ArrayLike<number>;
    const cached = hostViews[ref.index];
    if (cached) return cached;
    const r = results[ref.index] as { toArray?: () => unknown } | ArrayLike<number>;
    const read = 'toArray' in r && typeof r.toArray === 'function' ? (r.toArray() as ArrayLike<number> | Promise<ArrayLike<number>>) : (r as ArrayLike<number>);
    return execThen(read, (a) => (hostViews[ref.index] = a));
  };
  const views = (refs: ExecBufferRef[]): ArrayLike<number>[] | Promise<ArrayLike<number>[]> => {
    const vs = refs.map(view);
    return vs.some((v) => v instanceof Promise) ? Promise.all(vs) : (vs as ArrayLike<number>[]);
  };

  const step = (st: K | C | ExecFinishStep | ExecScatterStep): void | Promise<void> => {
    switch (st.kind) {
      case 'check': {
        if (validating) return;
        const check = st as C;
        return execThen(view(check.values.buffer), (v) => checkIndices(check, v, hooks));
      }
      case 'kernel': {
        const ks = st as K;
        const i = plan.kernels.indexOf(ks);
        const k = built.kernels[i]!;
        const fail = (e: unknown): never => hooks.kernelError(ks, e, validating);
        if (ks.where === 'host') {
          return execThen(views(ks.params), (args) => {
            const out = state.hostKernelOut[i]!;
            try {
              (k as ExecHostKernel)(args, out);
            } catch (e) {
              fail(e);
            }
            results[i] = out;
            hostViews[i] = out;
          });
        }
        try {
          const r = (k as ExecKernelShortcut)(...ks.params.map(deviceArg));
          if (r instanceof Promise) return r.then((x) => void (results[i] = x), fail);
          results[i] = r;
        } catch (e) {
          fail(e);
        }
        return;
      }
      case 'finish': {
        const f = st as ExecFinishStep;
        return execThen(view(f.from.buffer), (v) => finish(f.op, f.p, v, f.from, f.rows, f.blocks, state.hostBufs[f.into]!));
      }
      case 'scatter': {
        const s = st as ExecScatterStep;
        return execThen(views([s.values.buffer, s.index.buffer]), ([v, ix]) => {
          const out = state.hostBufs[s.into]!;
          out.fill(0);
          const rows = s.index.size;
          const w = s.rowSize;
          for (let r = 0; r < rows; r++) {
            const base = ix![s.index.offset + r]! * w;
            const src = s.values.offset + r * w;
            for (let c = 0; c < w; c++) out[base + c]! += v![src + c]!;
          }
        });
      }
    }
  };

  const copyResults = (): void | Promise<void> => {
    if (!outputs) return;
    const reads = plan.results.map((r) => (r.kind === 'stored' ? view(r.at.buffer) : undefined));
    const finishCopy = (vals: (ArrayLike<number> | undefined)[]) => {
      plan.results.forEach((r, j) => {
        const out = outputs[j]!;
        if (r.kind === 'const') return void out.fill(r.value);
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

/** Raises the hook's error at the first index outside [0, limit), with its position. */
export function checkIndices<K extends ExecKernelStep, C extends ExecCheckStep>(st: C, v: ArrayLike<number>, hooks: ExecHooks<K, C>): void {
  const n = st.shape.reduce((a, b) => a * b, 1);
  const offset = st.values.offset;
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
    hooks.indexError(st, x, position);
  }
}

/** Host combination of partials, in float64. */
const COMBINE: { [op: string]: { identity: number; add: (acc: number, v: number) => number } } = {
  sum: { identity: 0, add: (a, v) => a + v },
  norm: { identity: 0, add: (a, v) => a + v },
  prod: { identity: 1, add: (a, v) => a * v },
  amax: { identity: -Infinity, add: (a, v) => (a !== a || v > a || v !== v ? (a !== a ? a : v) : a) },
  amin: { identity: Infinity, add: (a, v) => (a !== a || v < a || v !== v ? (a !== a ? a : v) : a) },
  logsumexp: { identity: -Infinity, add: () => NaN }, // finished by its own rule in finish()
};

export function finish(op: ExecReduceOp, p: number | undefined, v: ArrayLike<number>, from: ExecLocation, rows: number, blocks: number, out: Float64Array): void {
  const c = COMBINE[op]!;
  const offset = from.offset;
  for (let r = 0; r < rows; r++) {
    const base = offset + r * blocks;
    if (op === 'logsumexp') {
      // Partials are split (lo): block maxima, then log1p of the rest of each block's shifted
      // sum. The result is split too: the row max at [r], the rest at [rows + r].
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
