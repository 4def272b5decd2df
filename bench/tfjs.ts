// TensorFlow.js 4.22 contenders: each workload's value and gradient with respect to the
// prediction through tf.valueAndGrad, on the CPU backend (plain JS) or the WASM backend (XNNPACK,
// SIMD; one thread here: no cross-origin isolation in Node). Inputs are uploaded once, outside
// the timed call; the call includes reading the value and the gradient back (dataSync), as a
// training step on the CPU would. Integer targets are given to tfjs as one-hot float tensors
// made once, outside the timing (its softmaxCrossEntropy takes labels that way).

import { createRequire } from 'node:module';
import path from 'node:path';
import type { Data, Workload } from './workloads.js';

type TF = typeof import('@tensorflow/tfjs');
type T = import('@tensorflow/tfjs').Tensor;

const require = createRequire(import.meta.url);
let loaded: TF | undefined;

/** The tfjs module with its CPU and WASM backends registered (the package's Node entry registers every gradient). */
export function tfjs(): TF {
  if (loaded) return loaded;
  loaded = require('@tensorflow/tfjs') as TF;
  const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
  wasm.setWasmPaths(`${path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'))}/dist/`);
  return loaded;
}

export async function useBackend(name: 'cpu' | 'wasm'): Promise<void> {
  const tf = tfjs();
  await tf.setBackend(name);
  await tf.ready();
}

/** Losses over tensors: the prediction first, then the other inputs by name. */
const LOSSES: Record<string, (tf: TF, x: T, o: Record<string, T>) => T> = {
  W1: (tf, x, o) => tf.losses.meanSquaredError(o['target']!, x),
  W2: (tf, x, o) => tf.losses.absoluteDifference(o['target']!, x),
  W3: (tf, x, o) => tf.losses.softmaxCrossEntropy(o['onehot']!, x),
  W4: (tf, x, o) => tf.losses.sigmoidCrossEntropy(o['target']!, x),
  W5: (tf, x, o) => {
    const dp = tf.norm(tf.add(tf.sub(x, o['positive']!), 1e-6), 'euclidean', 1);
    const dn = tf.norm(tf.add(tf.sub(x, o['negative']!), 1e-6), 'euclidean', 1);
    return tf.mean(tf.relu(tf.add(tf.sub(dp, dn), 1)));
  },
  W6: (tf, x, o) => tf.div(tf.sum(tf.mul(o['target']!, tf.sub(tf.log(o['target']!), x))), x.shape[0]!),
  W7: (tf, x, o) => tf.neg(tf.mean(tf.sum(tf.mul(tf.logSoftmax(x), o['onehot']!), 1))),
  W8: (tf, x, o) => tf.mean(tf.relu(tf.neg(tf.mul(o['target']!, tf.sub(x, o['input2']!))))),
};

export interface TfjsCall {
  call: () => { value: number; grad: Float32Array };
  dispose: () => void;
}

/** A timed call for workload w on the current backend, with its tensors made (once) from d. */
export function tfjsCall(w: Workload, d: Data): TfjsCall {
  const tf = tfjs();
  const loss = LOSSES[w.id];
  if (!loss) throw new Error(`no tfjs version of ${w.id}`);
  const tensors: Record<string, T> = {};
  for (const [k, shape] of Object.entries(w.shapes)) {
    const data = d[k]!;
    if (data instanceof Int32Array) {
      const classes = w.shapes[w.wrt]![1]!;
      tensors['onehot'] = tf.oneHot(tf.tensor1d(data, 'int32'), classes).toFloat();
    } else tensors[k] = tf.tensor(data, shape, 'float32');
  }
  const x = tensors[w.wrt]!;
  const f = tf.valueAndGrad((p: T) => loss(tf, p, tensors));
  return {
    call: () => {
      // Nothing is returned from tidy(): it would walk a returned typed array element by element.
      let value = NaN;
      let grad: Float32Array = new Float32Array(0);
      tf.tidy(() => {
        const r = f(x);
        value = r.value.dataSync()[0]!;
        grad = r.grad.dataSync() as Float32Array;
      });
      return { value, grad };
    },
    dispose: () => Object.values(tensors).forEach((t) => t.dispose()),
  };
}

/** Bytes allocated beyond those alive before one call, at its peak (tf.profile). */
export async function tfjsPeakBytes(c: TfjsCall): Promise<number> {
  const info = await tfjs().profile(() => {
    c.call();
  });
  return info.peakBytes;
}
