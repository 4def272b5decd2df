// Compile-time export for the gpu.js back end (`lossc compile --backend gpu.js`): the loss as a
// standalone module that imports only gpu.js and runs the kernel plans the JIT's gpu.js back end
// runs (compiler/codegen/gpujs.ts), with the JIT's executor (runtime/gpujsExecute.ts) embedded
// as text.
//
// A gpu.js plan bakes its sizes into kernel texts, offsets and block counts, so this export is
// for fixed sizes: every dim must be a number (`--shape input=64,10 target=64:int`, or fixed
// dims in the declaration). Each plan is compiled exactly as compile(src, { backend: 'gpu.js' })
// compiles it — new Lowerer() → runPipeline(lowered, { wrt, gradOutput, dialect }) → planGpu —
// for the value and every gradient request (export/program.ts gradientSets), in the float64
// and the float32 dialect, and for a non-scalar value with and without an upstream gradient.
// Identical plans are written once. The module validates inputs with the JS export's code
// (module.ts VALIDATION), so codes and messages are the same; shapes must equal the baked ones.

import { LossError } from '../../grammar/source.js';
import { diag } from '../../grammar/diagnostics.js';
import { frontEnd, type FrontEnd } from '../frontend.js';
import { Lowerer, type InputSig } from '../lower.js';
import { runPipeline, type Program } from '../pipeline.js';
import { printNode } from '../print.js';
import type { Dialect } from '../codegen/js.js';
import { planGpu, type GpuPlan } from '../codegen/gpujs.js';
// The module rebuilds the host kernels' helper text (KERNEL_HELPERS_JS) from HELPERS, as
// gpujsMath.ts builds it (checked by test/compiler/export/gpujs.test.ts).
import { KERNEL_HELPERS } from '../codegen/gpujsMath.js';
import type { RewriteEvent } from '../rewrite/engine.js';
import type { Node } from '../ir.js';
import { MAX_ELEMENTS } from '../../runtime/gpujsBackend.js';
import { GPUJS_EXECUTE_JS, GPUJS_EXECUTE_TS } from '../../runtime/gpujsExecute.generated.js';
import { candidateSignatures, type ExportSignature, type InputShapeSpec } from './signature.js';
import { gradientSets, type ValueCheck } from './program.js';
import { CHECK_VALUES, VALIDATION, headerLines, identityLines, inputDataLines, typeLines, type ModuleMeta, type Target } from './module.js';

/** A plan as data: kernel steps by index, index checks by site, no IR nodes. */
export interface PlanData {
  inputs: { dtype: 'float' | 'int'; shape: number[] }[];
  kernels: { kind: 'kernel'; name: string; what: string; source: string; params: GpuPlan['kernels'][number]['params']; size: number; where: 'device' | 'host'; pipeline: boolean }[];
  steps: unknown[];
  hostSizes: number[];
  results: GpuPlan['results'];
}

export interface GpuVariant {
  dialect: Dialect;
  wrt: string[];
  gradOutput: boolean;
  /** Index into `plans`. */
  plan: number;
}

export interface GpuExportedProgram {
  signature: ExportSignature;
  valueShape: number[];
  floatInputs: string[];
  variants: GpuVariant[];
  /** Distinct plans, as JSON texts. */
  plans: string[];
  /** Index checks: [what, where] (a class or row index; the expression and its position). */
  sites: [string, string][];
  checks: (ValueCheck & { plan: number })[];
  rewrites: RewriteEvent[];
}

export interface GpuExportOptions {
  shapes?: Record<string, InputShapeSpec>;
  stabilize?: boolean;
  checks?: ValueCheck[];
  sourceName: string;
}

/** The fixed signature: the first candidate, refused (LD2080) unless every dim is a number. */
function fixedSignature(fe: FrontEnd, shapes: Record<string, InputShapeSpec>): ExportSignature {
  const sig = candidateSignatures(fe, shapes)[0]!;
  const open = sig.inputs.filter((i) => i.dims.some((d) => typeof d !== 'number'));
  if (open.length) {
    const example = open.map((i) => `${i.name}=${i.dims.map((d, k) => (typeof d === 'number' ? d : [64, 10, 8, 4][k] ?? 4)).join(',')}${i.dtype === 'int' ? ':int' : ''}`).join(' ');
    throw new LossError(
      diag('LD2080', undefined, `the gpu.js backend exports fixed sizes: give every dim a number, e.g. --shape ${example} (${open.map((i) => `${i.name} is [${i.dims.join(', ')}]`).join(', ')})`),
    );
  }
  return sig;
}

function lowerFixed(fe: FrontEnd, sig: ExportSignature) {
  const inputSig: Record<string, InputSig> = {};
  for (const i of sig.inputs) inputSig[i.name] = { shape: i.dims as number[], dtype: i.dtype };
  const lowerer = new Lowerer();
  const names = sig.inputs.map((i) => i.name);
  return fe.lossDef ? lowerer.lowerLoss(fe.unit, fe.lossDef, inputSig, fe.options) : lowerer.lowerFormula(fe.unit, names, inputSig, fe.options);
}

function planOf(program: Program): GpuPlan {
  const plan = planGpu(program.schedule, program.inputs, program.outputs.map((o) => o.node));
  const sizes = [...plan.inputs.map((n) => n.shape.reduce((a, b) => a * b, 1)), ...plan.kernels.map((k) => k.size), ...plan.hostSizes];
  const big = Math.max(0, ...sizes);
  if (big >= MAX_ELEMENTS) throw new LossError(diag('LD2074', undefined, big, MAX_ELEMENTS));
  return plan;
}

/** Collects plans as data, written once each; index-check sites are numbered across plans. */
class PlanTable {
  readonly plans: string[] = [];
  readonly sites: [string, string][] = [];
  private readonly siteKeys = new Map<string, number>();

  constructor(private readonly sourceName: string) {}

  add(plan: GpuPlan): number {
    const data: PlanData = {
      inputs: plan.inputs.map((n) => ({ dtype: n.dtype === 'int' ? 'int' : 'float', shape: [...n.shape] })),
      kernels: plan.kernels.map((k) => ({
        kind: 'kernel',
        name: k.name,
        what: k.segments.map((s) => s.what).join('; '),
        source: k.source,
        params: k.params,
        size: k.size,
        where: k.where,
        pipeline: k.pipeline,
      })),
      steps: plan.steps.map((st) => {
        switch (st.kind) {
          case 'kernel':
            return { kind: 'kernel', kernel: plan.kernels.indexOf(st) };
          case 'finish':
            return { kind: 'finish', op: st.op, ...(st.p !== undefined ? { p: st.p } : {}), from: st.from, rows: st.rows, blocks: st.blocks, into: st.into };
          case 'scatter':
            return { kind: 'scatter', values: st.values, index: st.index, rowSize: st.rowSize, into: st.into };
          case 'check':
            return { kind: 'check', limit: st.limit, values: st.values, shape: [...st.shape], trailing: st.trailing, site: this.site(st.site) };
        }
      }),
      hostSizes: plan.hostSizes,
      results: plan.results,
    };
    const text = literal(data);
    const at = this.plans.indexOf(text);
    if (at >= 0) return at;
    this.plans.push(text);
    return this.plans.length - 1;
  }

  /** The JIT's LD3007 wording: which index, the expression (clipped) and where it is. */
  private site(node: Node): number {
    const what = node.op === 'gather' ? 'class index' : 'row index';
    const text = printNode(node);
    const at = node.span ? ` (${this.sourceName}:${node.span.line}:${node.span.column})` : '';
    const site: [string, string] = [what, `${text.length > 60 ? `${text.slice(0, 60)}…` : text}${at}`];
    const key = JSON.stringify(site);
    let i = this.siteKeys.get(key);
    if (i === undefined) {
      i = this.sites.length;
      this.sites.push(site);
      this.siteKeys.set(key, i);
    }
    return i;
  }
}

export function exportGpuProgram(fe: FrontEnd, opts: GpuExportOptions): GpuExportedProgram {
  const sig = fixedSignature(fe, opts.shapes ?? {});
  const stabilize = opts.stabilize !== false;
  const floatInputs = sig.inputs.filter((i) => i.dtype === 'float').map((i) => i.name);
  const table = new PlanTable(opts.sourceName);
  const variants: GpuVariant[] = [];
  const rewrites: RewriteEvent[] = [];
  let valueShape: number[] = [];
  for (const dialect of ['float64', 'float32'] as const) {
    const fwd = runPipeline(lowerFixed(fe, sig), { stabilize, dialect });
    valueShape = [...fwd.outputs[0]!.node.shape];
    if (dialect === 'float64') rewrites.push(...fwd.rewrites);
    variants.push({ dialect, wrt: [], gradOutput: false, plan: table.add(planOf(fwd)) });
    for (const wrt of gradientSets(floatInputs)) {
      for (const gradOutput of valueShape.length ? [false, true] : [false]) {
        const bwd = runPipeline(lowerFixed(fe, sig), { stabilize, dialect, wrt, gradOutput });
        if (dialect === 'float64' && !gradOutput) rewrites.push(...bwd.rewrites);
        variants.push({ dialect, wrt, gradOutput, plan: table.add(planOf(bwd)) });
      }
    }
  }
  const checks = (opts.checks ?? []).map((c) => {
    const input = sig.inputs.find((i) => i.name === c.input);
    if (!input) throw new Error(`internal: value check of unknown input ${c.input}`);
    const cfe = frontEnd(c.holds, '<value check>', undefined, {});
    const program = runPipeline(lowerFixed(cfe, { inputs: [{ name: c.input, dtype: 'float', dims: input.dims }], dimNames: [] }), { stabilize: true, dialect: 'float64' });
    return { ...c, plan: table.add(planOf(program)) };
  });
  return { signature: sig, valueShape, floatInputs, variants, plans: table.plans, sites: table.sites, checks, rewrites };
}

// ---- the module text -------------------------------------------------------------------------

const json = (v: unknown) => JSON.stringify(v);

/** JSON, but numbers JSON cannot write (NaN, ±Infinity, -0) as JavaScript expressions. */
export function literal(v: unknown): string {
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : Object.is(v, -0) ? '-0' : String(v);
  if (Array.isArray(v)) return `[${v.map(literal).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.entries(v)
      .filter(([, x]) => x !== undefined)
      .map(([k, x]) => `${JSON.stringify(k)}:${literal(x)}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

export const GPUJS_MODES = ['gpu', 'cpu', 'webasm', 'headlessgl', 'webgl2', 'webgl', 'webgpu'] as const;
export type GpuMode = (typeof GPUJS_MODES)[number];

/** What a gpu.js module declares beyond the JS export's (renderDeclarations). */
export const GPU_DECLARATIONS: readonly string[] = [
  `export type GpuMode = ${GPUJS_MODES.map((m) => JSON.stringify(m)).join(' | ')};`,
  '/** Chooses the gpu.js mode of every later call (kernels are built once per mode). */',
  'export declare function setMode(mode: GpuMode): void;',
  'export declare function getMode(): GpuMode;',
];

export function renderGpuModule(p: GpuExportedProgram, meta: ModuleMeta, target: Target, gpuMode: GpuMode = 'gpu'): string {
  const ts = target === 'ts';
  const T = (text: string) => (ts ? text : '');
  const sig = p.signature;
  const floats = p.floatInputs;
  const valueDocs = p.valueShape.map(String);
  const out: string[] = [];
  out.push(
    ...headerLines(meta, sig, valueDocs, p.rewrites, ts, [
      '// Backend: gpu.js (kernels in float32; partial reductions finished on the host in float64).',
      '// Sizes are fixed: every input must have exactly the shape above. The gpu.js mode is',
      `// setMode(mode)'s (default ${json(gpuMode)}${gpuMode === 'gpu' ? ": gpu.js's own choice, its cpu kernels where no GPU runs" : ''}).`,
      '// Float32 inputs give float32 results, others float64, as compile(src, { backend: "gpu.js" }).',
    ]),
  );
  out.push(`import { GPU } from 'gpu.js';`, '');
  if (ts) out.push(...typeLines(sig, floats, valueDocs));
  out.push(...identityLines(meta, sig, valueDocs, ts));
  out.push(...inputDataLines(meta, sig, floats, ts));
  out.push(VALIDATION(ts, CHECK_VALUES(ts, 'runSync(c.plan, [data], [ok]);')), '');

  // ---- the executor (runtime/gpujsExecute.ts) and the plans ---------------------------------
  out.push('// ---- the gpu.js plan executor (lossc runtime/gpujsExecute.ts) ----', '', ts ? GPUJS_EXECUTE_TS : GPUJS_EXECUTE_JS, '', '// ---- plans ----', '');
  out.push(
    '/** Kernel helper functions, declared on every GPU object; the same text runs host kernels. */',
    `const HELPERS${T(': ExecHelper[]')} = ${json(KERNEL_HELPERS.map((h) => ({ name: h.name, params: h.params, source: h.source })))};`,
    "const HELPERS_JS = HELPERS.map((h) => h.source).join('\\n');",
    '',
    ...(ts
      ? [
          'type KernelData = ExecKernelStep & { what: string };',
          'type CheckData = ExecCheckStep & { site: number };',
          "type StepData = { kind: 'kernel'; kernel: number } | ExecFinishStep | ExecScatterStep | CheckData;",
          'interface PlanData { inputs: { dtype: "float" | "int"; shape: number[] }[]; kernels: KernelData[]; steps: StepData[]; hostSizes: number[]; results: ExecResult[] }',
          'type Plan = ExecPlan<KernelData, CheckData>;',
          '',
        ]
      : []),
    '/** Index checks: which index, and the expression with its position in the source. */',
    `const SITES${T(': [string, string][]')} = ${json(p.sites)};`,
    '',
    `const PLANS${T(': PlanData[]')} = [`,
    ...p.plans.map((t) => `  ${t},`),
    '];',
    '',
    '/** Conditions on input values, checked (in gpu.js cpu mode) before the loss runs, as PyTorch checks them. */',
    `const CHECKS${T(': { input: number; message: string; plan: number }[]')} = ${json(p.checks.map((c) => ({ input: sig.inputs.findIndex((i) => i.name === c.input), message: c.message, plan: c.plan })))};`,
    '',
  );

  const variant = (dialect: Dialect, wrt: readonly string[], gradOutput: boolean) => p.variants.find((v) => v.dialect === dialect && v.gradOutput === gradOutput && v.wrt.join(',') === wrt.join(','))!.plan;
  const pair = (wrt: readonly string[], gradOutput: boolean) => `[${variant('float64', wrt, gradOutput)}, ${variant('float32', wrt, gradOutput)}]`;
  const gradSets = [...new Set(p.variants.filter((v) => v.wrt.length).map((v) => v.wrt.join(',')))];
  const seeded = p.valueShape.length > 0;
  out.push(
    `/** Plans by [float64, float32] inputs: the value; each gradient request${seeded ? ', without and with gradOutput' : ''}. */`,
    `const VALUE_PLANS${T(': [number, number]')} = ${pair([], false)};`,
    `const GRAD_PLANS${T(': Map<string, [number, number]>')} = new Map([`,
    ...gradSets.map((w) => `  [${json(w)}, ${pair(w.split(','), false)}],`),
    ']);',
    ...(seeded
      ? [`const SEEDED_PLANS${T(': Map<string, [number, number]>')} = new Map([`, ...gradSets.map((w) => `  [${json(w)}, ${pair(w.split(','), true)}],`), ']);']
      : []),
    `const VALUE_SHAPE${T(': number[]')} = ${json(p.valueShape)};`,
    '',
    GPU_RUNTIME(ts, gpuMode),
    '',
    '/** The loss value. In a browser, where gpu.js may run asynchronously, a Promise of it (`await` works on both). */',
    `export function forward(given${T(': Inputs')})${T(': Tensor')} {`,
    '  const { arrays, float32 } = prepare(given);',
    '  const value = allocate(float32, VALUE_SHAPE.slice());',
    '  return resultOf(runPlan(VALUE_PLANS[float32 ? 1 : 0], arrays, [value.data]), value);',
    '}',
    '',
    '/** The loss value and its gradients with respect to `opts.wrt` (default: every float input); a Promise where gpu.js runs asynchronously. */',
    `export function valueAndGrad(given${T(': Inputs')}, opts${T(': GradOptions')} = {})${T(': ValueAndGrad')} {`,
    '  const { arrays, sizes, float32 } = prepare(given);',
    '  const value = allocate(float32, VALUE_SHAPE.slice());',
    '  const requested = gradRequest(opts);',
    `  const grads${T(': { [name: string]: Tensor }')} = {};`,
    '  const seed = gradOutputOf(opts, value.shape);',
    '  if (requested.length === 0) return resultOf(runPlan(VALUE_PLANS[float32 ? 1 : 0], arrays, [value.data]), { value, grads });',
    '  const wanted = FLOAT_INPUTS.filter((n) => requested.indexOf(n) >= 0);',
    '  const computed = GRAD_PLANS.has(wanted.join(",")) ? wanted : FLOAT_INPUTS;',
    '  const outs = gradientBuffers(opts, arrays, sizes, seed, wanted, computed, grads);',
    ...(seeded
      ? [
          '  const plans = seed === undefined ? GRAD_PLANS : SEEDED_PLANS;',
          '  const args = seed === undefined ? arrays : [...arrays, seed.data];',
          '  return resultOf(runPlan(plans.get(computed.join(","))' + T('!') + '[float32 ? 1 : 0], args, [value.data, ...outs]), { value, grads });',
        ]
      : [
          '  const done = runPlan(GRAD_PLANS.get(computed.join(","))' + T('!') + '[float32 ? 1 : 0], arrays, [value.data, ...outs]);',
          '  // A scalar value: the gradients are linear in the upstream gradient.',
          '  const scale = () => {',
          '    if (seed !== undefined && seed.data[0] !== 1) for (const o of outs) for (let i = 0; i < o.length; i++) o[i] *= seed.data[0]' + T('!') + ';',
          '  };',
          '  return resultOf(done instanceof Promise ? done.then(scale) : scale(), { value, grads });',
        ]),
    '}',
    '',
  );
  return out.join('\n');
}

/** gpu.js modes, devices, plan states, and running a plan with the module's errors. */
function GPU_RUNTIME(ts: boolean, defaultMode: GpuMode): string {
  const T = (text: string) => (ts ? text : '');
  return `/** gpu.js modes: 'gpu' (gpu.js's choice), 'cpu', 'webasm', 'headlessgl' (Node, with the gl package and a display), and in browsers 'webgl2', 'webgl', 'webgpu'. */
${T(`export type GpuMode = ${GPUJS_MODES.map((m) => json(m)).join(' | ')};`)}
const MODES${T(': readonly string[]')} = ${json(GPUJS_MODES)};
let mode${T(': GpuMode')} = ${json(defaultMode)};

/** Chooses the gpu.js mode of the next calls (kernels are built once per mode, at its first call). */
export function setMode(m${T(': GpuMode')})${T(': void')} {
  if (MODES.indexOf(m) < 0) throw new LossError('LD2071', \`Unknown gpu.js mode '\${String(m)}': expected one of \${MODES.join(', ')}\`);
  mode = m;
}

/** The gpu.js mode calls run in. */
export function getMode()${T(': GpuMode')} {
  return mode;
}

const devices${T(': { [mode: string]: ExecGpu }')} = {};

function device(m${T(': GpuMode')})${T(': ExecGpu')} {
  const have = devices[m];
  if (have !== undefined) return have;
  let gpu${T(': ExecGpu')};
  try {
    gpu = new GPU({ mode: m })${T(' as unknown as ExecGpu')};
  } catch (e) {
    throw new LossError('LD2070', \`gpu.js mode '\${m}' cannot run here: \${e instanceof Error ? e.message : String(e)}\`);
  }
  addHelpers(gpu, HELPERS);
  devices[m] = gpu;
  return gpu;
}

const HOOKS${T(': ExecHooks<KernelData, CheckData>')} = {
  indexError(st${T(': CheckData')}, value${T(': number')}, position${T(': number[]')})${T(': never')} {
    const [what, where] = SITES[st.site]${T('!')};
    throw new LossError('LD3007', \`\${what} \${value} is out of range [0, \${st.limit}) in \${where} at position \${describe(position)}\`);
  },
  kernelError(k${T(': KernelData')}, e${T(': unknown')}, building${T(': boolean')})${T(': never')} {
    if (e instanceof LossError) throw e;
    const msg = e instanceof Error ? String(e.message).split('\\n')[0] : String(e);
    if (building) throw new LossError('LD2073', \`gpu.js could not build kernel \${k.name} (\${k.what}) in mode \${mode}: \${msg}\`);
    throw new LossError('LD3070', \`gpu.js kernel \${k.name} failed in mode \${mode}: \${msg}\`);
  },
};

const plans${T(': (Plan | undefined)[]')} = [];
function plan(i${T(': number')})${T(': Plan')} {
  let p = plans[i];
  if (p === undefined) {
    const d = PLANS[i]${T('!')};
    const steps = d.steps.map((s) => (s.kind === 'kernel' ? d.kernels[s.kernel]${T('!')} : s));
    p = plans[i] = { inputs: d.inputs, kernels: d.kernels, steps, hostSizes: d.hostSizes, results: d.results };
  }
  return p;
}

const states${T(': { [key: string]: ExecState<KernelData, CheckData> }')} = {};

/** Runs plan i in mode m: builds its kernels at the first call in that mode. */
function runPlan(i${T(': number')}, inputs${T(': AnyArray[]')}, outputs${T(': AnyArray[]')}, m${T(': GpuMode')} = mode)${T(': void | Promise<void>')} {
  const key = \`\${m}:\${i}\`;
  let state = states[key];
  if (state === undefined) state = states[key] = execState(plan(i));
  const st = state;
  return runState(st, () => buildKernels(device(m), st.plan, HELPERS_JS, HOOKS), inputs, outputs, HOOKS);
}

/** A value check, run in gpu.js cpu mode (always synchronous). */
function runSync(i${T(': number')}, inputs${T(': AnyArray[]')}, outputs${T(': AnyArray[]')})${T(': void')} {
  const done = runPlan(i, inputs, outputs, 'cpu');
  if (done instanceof Promise) throw new Error('internal: a value check ran asynchronously');
}

/** The result, or where gpu.js ran asynchronously a Promise of it (typed as the result, as compile()'s). */
function resultOf${T('<R>')}(done${T(': void | Promise<void>')}, result${T(': R')})${T(': R')} {
  return done instanceof Promise ? (done.then(() => result)${T(' as unknown as R')}) : result;
}`;
}
