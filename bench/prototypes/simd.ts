// Prototype: how far WebAssembly SIMD code generation would take the exp-heavy workloads.
// simd-ce.wat is W3's fused row loop written as a code generator could emit it (f32x4 lanes,
// a vectorized exp); this script assembles it (wabt), checks it against the hand-written loop
// and times it beside lossc's generated JS and that loop: with the data already in the
// module's memory (a back end that keeps tensors there), and with the logits copied in and
// the gradient copied out on every call (one that does not).
//
//   node --import tsx bench/prototypes/simd.ts [--reps 15]

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import wabt from 'wabt';
import { compile } from '../../index.js';
import { crossEntropy } from '../reference.js';
import { randn, rng } from '../workloads.js';
import { interleaved } from '../timing.js';

const args = process.argv.slice(2);
const REPS = Number(args[args.indexOf('--reps') + 1] || 15);
const ROWS = 4096;
const COLS = 1000;

// The project compiles against lib ES2022 (no DOM/WebAssembly typings): the little used here.
interface WasmMemory {
  buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: unknown } }>;
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface CeModule {
  memory: WasmMemory;
  crossEntropy(x: number, t: number, g: number, rows: number, cols: number): number;
}

async function load(): Promise<CeModule> {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const w = await wabt();
  const mod = w.parseWat('simd-ce.wat', readFileSync(path.join(here, 'simd-ce.wat'), 'utf8'), { simd: true });
  const { buffer } = mod.toBinary({});
  const { instance } = await wasmApi.instantiate(buffer, { env: { log: Math.log } });
  return instance.exports as unknown as CeModule;
}

async function main(): Promise<void> {
  const ce = await load();
  const n = ROWS * COLS;
  // Layout: logits at 0, gradient after them, targets last.
  const X = 0;
  const G = 4 * n;
  const T = 8 * n;
  const bytes = T + 4 * ROWS;
  ce.memory.grow(Math.ceil((bytes - ce.memory.buffer.byteLength) / 65536));
  const r = rng(9);
  const x = randn(n, r, 3);
  const t = Int32Array.from({ length: ROWS }, () => Math.floor(r() * COLS));
  new Float32Array(ce.memory.buffer, X, n).set(x);
  new Int32Array(ce.memory.buffer, T, ROWS).set(t);

  const gRef = new Float32Array(n);
  const vRef = crossEntropy(x, t, gRef, ROWS, COLS);
  const vWasm = ce.crossEntropy(X, T, G, ROWS, COLS);
  const gWasm = new Float32Array(ce.memory.buffer, G, n);
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < n; i++) {
    scale = Math.max(scale, Math.abs(gRef[i]!));
    diff = Math.max(diff, Math.abs(gRef[i]! - gWasm[i]!));
  }

  const loss = compile('-mean(pick(log_softmax(x, dim=1), t, dim=1))');
  const inputs = { x: { data: x, shape: [ROWS, COLS] }, t: { data: t, shape: [ROWS] } };
  const gL = new Float32Array(n);
  const gOut = new Float32Array(n);
  const tm = await interleaved(
    {
      'hand-written loop': () => crossEntropy(x, t, gRef, ROWS, COLS),
      lossc: () => loss.valueAndGrad(inputs, { wrt: ['x'], out: { x: gL } }),
      'wasm SIMD, data in memory': () => ce.crossEntropy(X, T, G, ROWS, COLS),
      'wasm SIMD, copy in and out': () => {
        new Float32Array(ce.memory.buffer, X, n).set(x);
        ce.crossEntropy(X, T, G, ROWS, COLS);
        gOut.set(new Float32Array(ce.memory.buffer, G, n));
      },
    },
    REPS,
  );
  const lines = [`W3 cross-entropy (${ROWS}, ${COLS}), float32, ms per call (median of ${REPS}):`];
  for (const [k, v] of Object.entries(tm)) lines.push(`  ${k.padEnd(28)} ${v.median.toFixed(1)}`);
  lines.push(`  agreement with the loop: value ${(Math.abs(vWasm - vRef) / Math.abs(vRef)).toExponential(1)} relative, gradient ${(diff / scale).toExponential(1)} of its scale`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
