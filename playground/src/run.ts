// What the Run button does, without the DOM: compile on the chosen backend, run the value and
// (for a scalar loss) the gradient of every float input, and collect explain(). Results of the
// gpu.js backend may be Promises, so everything is awaited. Which backend ran is read from
// explain()'s header, i.e. what the library reports, not what was asked for.

import { compile, type CompileOptions, type CompiledLoss, type Tensor, type TensorLike } from '../../index.js';

/** The backend switch: plain JS loops, or gpu.js in one of its browser modes. */
export const BACKENDS = [
  { value: 'js', label: 'JS (fused loops)' },
  { value: 'webgpu', label: 'gpu.js · WebGPU' },
  { value: 'webgl2', label: 'gpu.js · WebGL2' },
  { value: 'webgl', label: 'gpu.js · WebGL' },
  { value: 'cpu', label: 'gpu.js · cpu' },
] as const;
export type BackendChoice = (typeof BACKENDS)[number]['value'];

export function compileOptions(backend: BackendChoice): CompileOptions {
  return backend === 'js' ? { backend: 'js' } : { backend: 'gpu.js', gpuMode: backend };
}

export interface RunResult {
  loss: CompiledLoss;
  value: Tensor;
  /** Empty when the value is not a scalar (the playground has no upstream gradient to offer). */
  grads: Record<string, Tensor>;
  explain: string;
  /** The `backend:` line of explain(). */
  ranOn: string;
  ms: number;
}

/** Compiles only (names, syntax): the inputs panel needs loss.inputs before generating data. */
export function compileFor(source: string, backend: BackendChoice): CompiledLoss {
  return compile(source, compileOptions(backend));
}

export async function runLoss(loss: CompiledLoss, inputs: Record<string, TensorLike>): Promise<RunResult> {
  const t0 = performance.now();
  const value = await loss.forward(inputs);
  let grads: Record<string, Tensor> = {};
  if (value.shape.length === 0 && hasFloatInput(inputs)) grads = (await loss.valueAndGrad(inputs)).grads;
  const ms = performance.now() - t0;
  const explain = loss.explain();
  return { loss, value, grads, explain, ranOn: backendLine(explain), ms };
}

function hasFloatInput(inputs: Record<string, TensorLike>): boolean {
  return Object.values(inputs).some((t) => typeof t === 'number' || !(t.data instanceof Int32Array || ('dtype' in t && t.dtype === 'int32')));
}

export function backendLine(explain: string): string {
  return /^backend: (.*)$/m.exec(explain)?.[1] ?? 'unknown';
}

/** explain() text cut at its `== title ==` lines: the header first, then each section. */
export function explainSections(text: string): { title: string; body: string }[] {
  const out: { title: string; body: string[] }[] = [{ title: 'summary', body: [] }];
  for (const line of text.split('\n')) {
    const m = /^== (.+) ==$/.exec(line);
    if (m) out.push({ title: m[1]!, body: [] });
    else out[out.length - 1]!.body.push(line);
  }
  return out.map((s) => ({ title: s.title, body: s.body.join('\n').trim() })).filter((s) => s.body);
}
