// The workload as an exported module (`lossc compile`, docs/export.md): the same loss written
// to a file with sizes as run-time values, imported and called like the JIT's CompiledLoss.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { exportModule, type InputShapeSpec } from '../compiler/export/index.js';
import { stdlibExport } from '../stdlib/index.js';
import type { Workload } from './workloads.js';

export interface ExportedLoss {
  valueAndGrad(inputs: unknown, opts?: unknown): { value: { data: ArrayLike<number> } };
}

const dir = mkdtempSync(path.join(tmpdir(), 'lossc-bench-'));

/** Exports the workload's loss (its stdlib entry when it has one) with every size a named dim. */
export async function exportedLoss(w: Workload, inputs: Record<string, { data: ArrayLike<number>; shape: number[] }>): Promise<ExportedLoss> {
  const shapes: Record<string, InputShapeSpec> = {};
  for (const [k, t] of Object.entries(inputs)) {
    shapes[k] = { dims: t.shape.map((s) => (s === 1 ? 1 : `S${s}`)), dtype: t.data instanceof Int32Array ? 'int' : 'float' };
  }
  let text: string;
  if (w.stdlib) {
    const s = stdlibExport(w.stdlib.name);
    text = await exportModule(s.source, { loss: w.stdlib.name, params: w.stdlib.options, shapes, valueChecks: s.valueChecks, notDifferentiable: s.notDifferentiable });
  } else {
    text = await exportModule(w.formula, { params: w.params, shapes });
  }
  const file = path.join(dir, `${w.id}.ts`);
  writeFileSync(file, text);
  return (await import(pathToFileURL(file).href)) as ExportedLoss;
}
