// `npm run bench`: lossc (compiled, and exported as a module) against a hand-written fused loop,
// TensorFlow.js (CPU and WASM backends), the gpu.js back end's modes where it exists, and PyTorch eager on one thread where
// /usr/bin/python3 has torch. Forward + backward, gradient with respect to the prediction,
// float32, caller-owned gradient buffers. Contenders run interleaved (one call each per round),
// medians of --reps rounds after warm-up. Also: compile latency, per-call overhead on small
// inputs, memory beyond the inputs. Prints a markdown report; --json FILE keeps the numbers.
//
//   node --expose-gc --import tsx bench/run.ts [--reps 15] [--only W1,W3] [--skip tfjs,torch,gpujs,export] [--json FILE]

import os from 'node:os';
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { compile, stdlib, stdlibCatalogue, LossError, type CompiledLoss } from '../index.js';
import { WORKLOADS, inputsOf, makeLoss, rng, type Workload } from './workloads.js';
import { interleaved, microseconds, timeOnce, type Call, type Timing } from './timing.js';
import { tfjs, tfjsCall, tfjsPeakBytes, useBackend } from './tfjs.js';
import * as ref from './reference.js';
import { exportedLoss } from './exported.js';

const args = process.argv.slice(2);
const opt = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const REPS = Number(opt('reps') ?? 15);
const ONLY = opt('only')?.split(',');
const SKIP = new Set(opt('skip')?.split(',') ?? []);
const JSON_OUT = opt('json');
const here = path.dirname(fileURLToPath(import.meta.url));
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const log = (s = '') => process.stdout.write(`${s}\n`);

interface Row {
  id: string;
  title: string;
  source: string;
  times: Record<string, Timing>;
  /** Per contender: median / the reference's median in the same interleaved rounds. */
  ratio: Record<string, number>;
  notes: string[];
  check: { value: number; grad: number };
  memory: Record<string, number>;
}

/** Bytes of the typed arrays an instance allocates once (row buffers, fast-math tables), from its generated source. */
function scratchBytes(loss: CompiledLoss): number {
  // The instance is private to the runtime; the bench reads its generated source to count.
  const source = (loss as unknown as { last?: { program: { js: { source: string } } } }).last?.program.js.source ?? '';
  let bytes = 0;
  for (const m of source.matchAll(/new (Float64|Float32|Int32|Uint32)Array\((\d+)\)/g)) bytes += Number(m[2]) * (m[1] === 'Float64' ? 8 : 4);
  return bytes;
}

/** Small inputs of a workload's signature: every dim at most 8, floats in [0, 1), class indices in range. */
function smallInputs(w: Workload): Record<string, { data: Float32Array | Int32Array; shape: number[] }> {
  const r = rng(4);
  const shapes = Object.fromEntries(Object.entries(w.shapes).map(([k, s]) => [k, s.map((d) => Math.min(d, 8))]));
  const classes = shapes[w.wrt]![1] ?? 1;
  const out: Record<string, { data: Float32Array | Int32Array; shape: number[] }> = {};
  for (const [k, shape] of Object.entries(shapes)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const int = WORKLOAD_INTS.has(`${w.id}.${k}`);
    out[k] = { data: int ? Int32Array.from({ length: n }, () => Math.floor(r() * classes)) : Float32Array.from({ length: n }, r), shape };
  }
  return out;
}
/** The class-index inputs of the workloads. */
const WORKLOAD_INTS = new Set(['W3.target', 'W7.t']);

/**
 * Compile latency on small inputs (so that running the generated code costs nothing): compile()
 * (parse, name resolution), the first call (lowering, rewriting, differentiation, scheduling,
 * code generation, instantiation), and a cached call for comparison.
 */
function compileLatency(w: Workload): { construct: number; firstCall: number; cachedCall: number } {
  const inputs = smallInputs(w);
  const opts = { wrt: [w.wrt], out: { [w.wrt]: new Float32Array(inputs[w.wrt]!.data.length) } };
  const t0 = performance.now();
  const { loss } = makeLoss(w);
  const t1 = performance.now();
  loss.valueAndGrad(inputs, opts);
  const t2 = performance.now();
  const cachedCall = microseconds(() => loss.valueAndGrad(inputs, opts), 200, 9);
  return { construct: t1 - t0, firstCall: t2 - t1, cachedCall };
}

/** Relative difference of values and the largest gradient difference relative to the gradient's scale. */
function agreement(v1: number, g1: Float32Array, v2: number, g2: Float32Array): { value: number; grad: number } {
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < g2.length; i++) scale = Math.max(scale, Math.abs(g2[i]!));
  for (let i = 0; i < g2.length; i++) diff = Math.max(diff, Math.abs(g1[i]! - g2[i]!));
  return { value: Math.abs(v1 - v2) / Math.abs(v2), grad: diff / scale };
}

/** The gpu.js back end's modes that run here: [mode, loss] for each, or a note why none. */
function gpujsLosses(w: Workload): { losses: [string, CompiledLoss][]; note?: string } {
  const losses: [string, CompiledLoss][] = [];
  try {
    for (const mode of ['cpu', 'webasm'] as const) losses.push([mode, makeLoss(w, { backend: 'gpu.js', gpuMode: mode }).loss]);
  } catch (e) {
    return { losses: [], note: `gpu.js back end unavailable: ${e instanceof LossError ? e.message.split('\n')[0] : String(e)}` };
  }
  return { losses };
}

async function runWorkload(w: Workload): Promise<Row> {
  const d = w.data(1);
  const inputs = inputsOf(w, d);
  const n = d[w.wrt]!.length;
  const notes: string[] = [];
  const memory: Record<string, number> = {};

  const { loss, source } = makeLoss(w);
  const gL = new Float32Array(n);
  const callLossc = () => loss.valueAndGrad(inputs, { wrt: [w.wrt], out: { [w.wrt]: gL } }) as { value: { data: ArrayLike<number> } };
  callLossc();
  memory['lossc instance'] = scratchBytes(loss);

  const gR = new Float32Array(n);
  let vL = 0;
  let vR = 0;
  const contenders: Record<string, Call> = {
    reference: () => (vR = w.reference(d, gR)),
    lossc: () => (vL = callLossc().value.data[0]!),
  };
  contenders['lossc']!();
  contenders['reference']!();
  const check = agreement(vL, gL, vR, gR);

  if (!SKIP.has('export')) {
    // The same loss exported as a module (sizes read at run time, every float gradient computed).
    const mod = await exportedLoss(w, inputs);
    const gE = new Float32Array(n);
    contenders['exported'] = () => mod.valueAndGrad(inputs, { wrt: [w.wrt], out: { [w.wrt]: gE } });
  }

  if (!SKIP.has('gpujs')) {
    const g = gpujsLosses(w);
    if (g.note) notes.push(g.note);
    for (const [mode, l] of g.losses) {
      const gG = new Float32Array(n);
      const call = () => l.valueAndGrad(inputs, { wrt: [w.wrt], out: { [w.wrt]: gG } });
      try {
        const [ms] = await timeOnce(call);
        if (ms > 20000) notes.push(`gpu.js ${mode}: first call ${ms.toFixed(0)} ms, not timed`);
        else contenders[`gpu.js ${mode}`] = call;
      } catch (e) {
        notes.push(`gpu.js ${mode}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
      }
    }
  }

  const times: Record<string, Timing> = {};
  const ratio: Record<string, number> = {};
  const record = (t: Record<string, Timing>, names: string[]) => {
    for (const k of names) {
      times[k] = t[k]!;
      ratio[k] = t[k]!.median / t['reference']!.median;
    }
  };
  // Round 1: everything that runs without tfjs switching backends (a switch moves tensors).
  const tfCpu = SKIP.has('tfjs') ? undefined : (await useBackend('cpu'), tfjsCall(w, d));
  if (tfCpu) {
    contenders['tfjs-cpu'] = tfCpu.call;
    memory['tfjs-cpu peak'] = await tfjsPeakBytes(tfCpu);
  }
  record(await interleaved(contenders, REPS), Object.keys(contenders));
  tfCpu?.dispose();
  if (!SKIP.has('tfjs')) {
    // Round 2: tfjs-wasm, with lossc and the reference again for its ratio.
    await useBackend('wasm');
    const tfWasm = tfjsCall(w, d);
    memory['tfjs-wasm peak'] = await tfjsPeakBytes(tfWasm);
    const t = await interleaved({ reference: contenders['reference']!, lossc: contenders['lossc']!, 'tfjs-wasm': tfWasm.call }, REPS);
    times['tfjs-wasm'] = t['tfjs-wasm']!;
    ratio['tfjs-wasm'] = t['tfjs-wasm']!.median / t['reference']!.median;
    ratio['lossc (wasm round)'] = t['lossc']!.median / t['reference']!.median;
    tfWasm.dispose();
  }
  // Steady-state allocation of one lossc call (caller-owned gradient).
  gc();
  const ab1 = process.memoryUsage().arrayBuffers;
  callLossc();
  memory['lossc per call'] = process.memoryUsage().arrayBuffers - ab1;
  return { id: w.id, title: w.title, source, times, ratio, notes, check, memory };
}

/** PyTorch eager, one thread, from bench/torch_bench.py: ms per workload, or a note. */
function torchTimes(): { times?: Record<string, number>; version?: string; note?: string } {
  const py = '/usr/bin/python3';
  if (SKIP.has('torch')) return { note: 'skipped (--skip torch)' };
  if (!existsSync(py)) return { note: `${py} not found` };
  try {
    const out = execFileSync(py, [path.join(here, 'torch_bench.py'), '--reps', String(REPS), ...(ONLY ? ['--only', ONLY.join(',')] : [])], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 1 << 20,
    });
    const r = JSON.parse(out) as { torch: string; times: Record<string, number> };
    return { times: r.times, version: r.torch };
  } catch (e) {
    return { note: `PyTorch not run: ${String((e as { stderr?: string }).stderr ?? e).trim().split('\n').pop()}` };
  }
}

/** Per-call cost beyond the arithmetic on small inputs: lossc's call minus the hand-written loop's. */
function overhead(): Record<string, { lossc: number; reference: number }> {
  const N = 1000;
  const r = () => Float32Array.from({ length: N }, () => Math.random() - 0.5);
  const x = r();
  const y = r();
  const g = new Float32Array(N);
  const mse = stdlib['mse_loss'] ? stdlib['mse_loss']() : compile('mean((input - target) ^ 2)');
  const inputs = { input: { data: x, shape: [N] }, target: { data: y, shape: [N] } };
  const opts = { wrt: ['input'], out: { input: g } };
  const X = Float32Array.from({ length: 10 * 100 }, () => Math.random() * 4);
  const T = Int32Array.from({ length: 10 }, (_, i) => (i * 7) % 100);
  const G = new Float32Array(1000);
  const ce = compile('-mean(pick(log_softmax(x, dim=1), t, dim=1))');
  const ci = { x: { data: X, shape: [10, 100] }, t: { data: T, shape: [10] } };
  const co = { wrt: ['x'], out: { x: G } };
  const out: Record<string, { lossc: number; reference: number }> = {};
  const pair = (name: string, a: () => unknown, b: () => unknown) => {
    const rounds = [0, 1, 2].map(() => ({ lossc: microseconds(a, 2000, 9), reference: microseconds(b, 2000, 9) }));
    rounds.sort((p, q) => p.lossc - p.reference - (q.lossc - q.reference));
    out[name] = rounds[1]!;
  };
  pair('mse_loss N = 1000', () => mse.valueAndGrad(inputs, opts), () => ref.mse(x, y, g));
  pair('cross-entropy formula (10, 100)', () => ce.valueAndGrad(ci, co), () => ref.crossEntropy(X, T, G, 10, 100));
  return out;
}

/**
 * Compile time of every stdlib loss: construction and the first explain() (which instantiates
 * the loss on example shapes), less a second explain() (the same printing, the instance cached).
 */
function stdlibCompileTimes(): { name: string; ms: number }[] {
  const out: { name: string; ms: number }[] = [];
  for (const e of stdlibCatalogue()) {
    try {
      const t0 = performance.now();
      const l = stdlib[e.name]!();
      l.explain();
      const t1 = performance.now();
      l.explain();
      out.push({ name: e.name, ms: 2 * t1 - t0 - performance.now() });
    } catch {
      continue;
    }
  }
  return out.sort((a, b) => b.ms - a.ms);
}

/** Fresh versus reused gradient buffers (page faults): W1 with and without `out`. */
async function bufferReuse(): Promise<Record<string, Timing>> {
  const w = WORKLOADS[0]!;
  const d = w.data(2);
  const inputs = inputsOf(w, d);
  const { loss } = makeLoss(w);
  const g = new Float32Array(d[w.wrt]!.length);
  return interleaved(
    {
      'caller-owned out': () => loss.valueAndGrad(inputs, { wrt: [w.wrt], out: { [w.wrt]: g } }),
      'fresh gradient each call': () => loss.valueAndGrad(inputs, { wrt: [w.wrt] }),
    },
    REPS,
  );
}

function fmt(ms: number | undefined): string {
  if (ms === undefined) return '—';
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}

async function main(): Promise<void> {
  const started = new Date();
  const cpu = os.cpus();
  const env = {
    date: started.toISOString(),
    machine: `${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.release()}`,
    node: process.version,
    tfjs: SKIP.has('tfjs') ? 'skipped' : tfjs().version.tfjs,
    loadBefore: os.loadavg().map((l) => l.toFixed(1)).join(' '),
    reps: REPS,
  };
  const cold = compileLatency(WORKLOADS[0]!);
  log(`# lossc benchmark — ${env.date}`);
  log(`${env.machine}; Node ${env.node}; TensorFlow.js ${env.tfjs}; load average ${env.loadBefore}; ${REPS} interleaved rounds`);
  const rows: Row[] = [];
  for (const w of WORKLOADS) {
    if (ONLY && !ONLY.includes(w.id)) continue;
    process.stderr.write(`${w.id} …\n`);
    rows.push(await runWorkload(w));
  }
  const torch = torchTimes();
  const loadAfter = os.loadavg().map((l) => l.toFixed(1)).join(' ');

  const cols = ['lossc', 'exported', 'tfjs-cpu', 'tfjs-wasm', ...new Set(rows.flatMap((r) => Object.keys(r.times).filter((k) => k.startsWith('gpu.js'))))];
  log('\n## Forward + backward, ms per call (median); in brackets: × the hand-written loop');
  log(`\n| workload | loop | ${cols.join(' | ')} | PyTorch 1 thread |`);
  log(`| --- | ---: | ${cols.map(() => '---:').join(' | ')} | ---: |`);
  for (const r of rows) {
    const cells = cols.map((c) => (r.times[c] ? `${fmt(r.times[c]!.median)} (${r.ratio[c]!.toFixed(2)})` : '—'));
    const t = torch.times?.[r.id];
    log(`| ${r.id} ${r.title} | ${fmt(r.times['reference']!.median)} | ${cells.join(' | ')} | ${t === undefined ? '—' : `${fmt(t)} (${(t / r.times['reference']!.median).toFixed(2)})`} |`);
  }
  log(`\nlossc measured as: ${rows.map((r) => `${r.id} ${r.source}`).join(', ')}.`);
  if (torch.note) log(`PyTorch: ${torch.note}.`);
  else log(`PyTorch ${torch.version}, eager, torch.set_num_threads(1), torch.autograd.grad, float32.`);
  for (const r of rows) for (const n of r.notes) log(`${r.id}: ${n}.`);
  log(`Load average before ${env.loadBefore}, after ${loadAfter} (${os.cpus().length} cores).`);

  log('\n## Agreement with the hand-written loop (float32)');
  log('\n| workload | value, relative | gradient, max |Δ| / max |g| |');
  log('| --- | ---: | ---: |');
  for (const r of rows) log(`| ${r.id} | ${r.check.value.toExponential(1)} | ${r.check.grad.toExponential(1)} |`);

  log('\n## Compile latency (ms), on inputs of the same signature with every dim at most 8');
  log(`\nThe first compile in a fresh process (${WORKLOADS[0]!.id}, the compiler's own code not yet optimized by V8): compile() ${fmt(cold.construct)}, first call ${fmt(cold.firstCall)}.`);
  log('\n| workload | compile() | first call (lower … instantiate) | cached call (µs) |');
  log('| --- | ---: | ---: | ---: |');
  const warm: Record<string, ReturnType<typeof compileLatency>> = {};
  for (const r of rows) {
    warm[r.id] = compileLatency(WORKLOADS.find((x) => x.id === r.id)!);
    log(`| ${r.id} | ${fmt(warm[r.id]!.construct)} | ${fmt(warm[r.id]!.firstCall)} | ${warm[r.id]!.cachedCall.toFixed(1)} |`);
  }
  const stdTimes = stdlibCompileTimes();
  if (stdTimes.length) {
    const ms = stdTimes.map((s) => s.ms).sort((a, b) => a - b);
    log(`\nEvery stdlib loss (${stdTimes.length}), compiled and instantiated on example shapes: median ${fmt(ms[ms.length >> 1])} ms, slowest ${stdTimes.slice(0, 3).map((s) => `${s.name} ${fmt(s.ms)}`).join(', ')} ms.`);
  }
  const ov = overhead();
  log('\n## Per-call overhead on small inputs (µs)');
  log('\n| call | lossc | loop | overhead |');
  log('| --- | ---: | ---: | ---: |');
  for (const [k, v] of Object.entries(ov)) log(`| ${k} | ${v.lossc.toFixed(1)} | ${v.reference.toFixed(1)} | ${(v.lossc - v.reference).toFixed(1)} |`);

  log('\n## Memory beyond the inputs (bytes)');
  log('\n| workload | lossc instance (row buffers, tables) | lossc per call | tfjs-cpu peak | tfjs-wasm peak |');
  log('| --- | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    const m = (k: string) => (r.memory[k] === undefined ? '—' : Math.max(0, r.memory[k]!).toLocaleString('en-US'));
    log(`| ${r.id} | ${m('lossc instance')} | ${m('lossc per call')} | ${m('tfjs-cpu peak')} | ${m('tfjs-wasm peak')} |`);
  }
  const reuse = await bufferReuse();
  log('\n## Gradient buffers (W1, 16 MB gradient)');
  for (const [k, t] of Object.entries(reuse)) log(`- ${k}: ${fmt(t.median)} ms`);

  if (JSON_OUT) writeFileSync(JSON_OUT, `${JSON.stringify({ env: { ...env, loadAfter }, rows, compile: { cold, warm }, torch, overhead: ov, stdlib: stdTimes, reuse }, null, 2)}\n`);
}

await main();
