// The harness: sample points per stratum, ask the oracle for the truth, run the compiled loss
// (stabilized, and as written for comparison) and collect bits of error, relative error and
// non-finite results where the truth is finite. Gradients are compared off the kinks-ties
// stratum only: at a kink the finite difference is the mean of the one-sided slopes, while
// lossc follows PyTorch's documented convention there (docs/rewrites.md).

import { LossError, type CompiledLoss, type Tensor } from '../../index.js';
import type { Case } from './cases.js';
import { bitsOfError, relativeError } from './metric.js';
import { oracle, type OracleResult, type PointInputs } from './oracle.js';
import { draw, hashSeed, rng, STRATA, tieValue, type Stratum } from './sample.js';
import { UnsupportedOp, type Dtype } from './truth.js';

export interface TruthPoint {
  stratum: Stratum;
  inputs: PointInputs;
  /** The upstream gradient, one weight per element of the value (a sum of the value would make softmax's gradient exactly 0). */
  weights: number[];
  truth: OracleResult;
}

export function samplePoint(c: Case, stratum: Stratum, k: number, dtype: Dtype): PointInputs {
  const r = rng(hashSeed(`${c.id}|${stratum}|${dtype}|${k}`));
  const tie = tieValue(r);
  const round = dtype === 'float32' ? Math.fround : (x: number) => x;
  const out: PointInputs = {};
  for (const i of c.inputs) {
    const n = i.shape.reduce((a, b) => a * b, 1);
    const int = typeof i.role === 'object';
    out[i.name] = { shape: i.shape, data: Array.from({ length: n }, () => round(draw(i.role, stratum, r, dtype, tie))), int };
  }
  return out;
}

/** `count` points per stratum with their truths (points whose value is undefined are dropped and redrawn, a few times). */
export function truthPoints(c: Case, count: number, dtype: Dtype, opts: { grads: boolean; strata?: readonly Stratum[] }): TruthPoint[] {
  const low = c.lower();
  const out: TruthPoint[] = [];
  for (const stratum of opts.strata ?? STRATA) {
    let kept = 0;
    for (let k = 0; k < count * 3 && kept < count; k++) {
      const inputs = samplePoint(c, stratum, k, dtype);
      let truth: OracleResult;
      try {
        truth = oracle(low, inputs, dtype, { grads: false });
      } catch (e) {
        if (e instanceof UnsupportedOp) throw e;
        continue; // e.g. a class index out of range: not a point of this loss's domain
      }
      // Keep a point while some element of its value is defined (NaN elsewhere: a domain error as written).
      if (!truth.value.some((v) => v !== undefined && !Number.isNaN(v))) continue;
      const r = rng(hashSeed(`${c.id}|weights|${k}`));
      const weights = truth.value.map(() => (dtype === 'float32' ? Math.fround : (x: number) => x)(0.5 + r()));
      if (opts.grads && stratum !== 'kinks-ties' && truth.value.some(Number.isFinite)) truth = oracle(low, inputs, dtype, { grads: true, weights });
      out.push({ stratum, inputs, weights, truth });
      kept++;
    }
  }
  return out;
}

export interface ErrorStats {
  worstBits: number;
  meanBits: number;
  worstRel: number;
  /** Non-finite results where the truth is finite. */
  nonFinite: number;
  /** Numbers where the truth is NaN (a domain error the program hid). */
  hiddenNaN: number;
  count: number;
}

export interface CaseStats {
  id: string;
  label: string;
  points: number;
  undetermined: number;
  value: ErrorStats;
  grad: ErrorStats;
  writtenValue: ErrorStats;
  writtenGrad: ErrorStats;
  /** Largest precision (digits) the oracle needed. */
  digits: number;
  failures: string[];
}

const empty = (): ErrorStats => ({ worstBits: 0, meanBits: 0, worstRel: 0, nonFinite: 0, hiddenNaN: 0, count: 0 });

function add(s: ErrorStats, got: number, truth: number, dtype: Dtype): void {
  if (Number.isNaN(truth)) {
    if (!Number.isNaN(got)) s.hiddenNaN++;
    return;
  }
  const bits = bitsOfError(got, truth, dtype);
  s.meanBits = (s.meanBits * s.count + bits) / (s.count + 1);
  s.count++;
  s.worstBits = Math.max(s.worstBits, bits);
  s.worstRel = Math.max(s.worstRel, relativeError(got, truth));
  if (Number.isFinite(truth) && !Number.isFinite(got)) s.nonFinite++;
}

function toTensors(inputs: PointInputs, dtype: Dtype): Record<string, Tensor> {
  return Object.fromEntries(
    Object.entries(inputs).map(([k, t]) => [k, { shape: t.shape, data: t.int ? Int32Array.from(t.data) : dtype === 'float32' ? Float32Array.from(t.data) : Float64Array.from(t.data) }]),
  );
}

function run(loss: CompiledLoss, p: TruthPoint, dtype: Dtype): { value: Tensor; grads: Record<string, Tensor> } {
  const tensors = toTensors(p.inputs, dtype);
  const value = loss.forward(tensors) as Tensor;
  const gradOutput = { shape: value.shape, data: dtype === 'float32' ? Float32Array.from(p.weights) : Float64Array.from(p.weights) };
  return loss.valueAndGrad(tensors, { gradOutput }) as { value: Tensor; grads: Record<string, Tensor> };
}

/** Errors of the compiled case (stabilized and as written) against stored truths. */
export function measure(c: Case, points: TruthPoint[], dtype: Dtype): CaseStats {
  const stats: CaseStats = {
    id: c.id, label: c.label, points: points.length, undetermined: 0, digits: 0, failures: [],
    value: empty(), grad: empty(), writtenValue: empty(), writtenGrad: empty(),
  };
  const stable = c.compile(true);
  const written = c.compile(false);
  for (const p of points) {
    stats.digits = Math.max(stats.digits, p.truth.digits);
    for (const [loss, vs, gs] of [[stable, stats.value, stats.grad], [written, stats.writtenValue, stats.writtenGrad]] as const) {
      let r: ReturnType<typeof run>;
      try {
        r = run(loss, p, dtype);
      } catch (e) {
        if (loss === stable) stats.failures.push(`${p.stratum}: ${e instanceof LossError ? e.message : String(e)}`);
        continue;
      }
      p.truth.value.forEach((t, i) => {
        if (t === undefined) {
          if (loss === stable) stats.undetermined++;
          return;
        }
        add(vs, r.value.data[i]!, t, dtype);
        const got = r.value.data[i]!;
        const bad = Number.isNaN(t) ? !Number.isNaN(got) : relativeError(got, t) > 1e-12;
        if (loss === stable && bad && dtype === 'float64') stats.failures.push(`${p.stratum} value[${i}]: ${got} vs ${t}`);
      });
      for (const [name, truths] of Object.entries(p.truth.grads)) {
        truths.forEach((t, i) => {
          if (t === undefined || Number.isNaN(t)) return;
          add(gs, r.grads[name]!.data[i]!, t, dtype);
        });
      }
    }
  }
  return stats;
}

export { STRATA };
