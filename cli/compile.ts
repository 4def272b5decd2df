// lossc compile: a loss exported as a standalone TypeScript (or JavaScript) module — no
// compiler at run time (compiler/export/). From a .loss file, a formula (-e) or the standard
// library (--stdlib NAME, or --stdlib all -o DIR for every loss); options with --params,
// shapes with --shape; stdout without -o. `--backend gpu.js` writes a module that runs the
// loss as gpu.js kernels for fixed sizes (every dim a number in --shape; it imports gpu.js).

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LossError } from '../grammar/source.js';
import { diag } from '../grammar/diagnostics.js';
import { exportModule, parseShapeSpec, type InputShapeSpec, type Target } from '../compiler/export/index.js';
import { stdlibCatalogue, stdlibExport } from '../stdlib/index.js';
import { parseParams, readSource } from './io.js';
import { packageVersion } from './version.js';

export async function compileCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      expr: { type: 'string', short: 'e' },
      stdlib: { type: 'string' },
      loss: { type: 'string' },
      params: { type: 'string', multiple: true, short: 'p' },
      shape: { type: 'string', multiple: true },
      out: { type: 'string', short: 'o' },
      target: { type: 'string' },
      backend: { type: 'string', default: 'js' },
      'no-stabilize': { type: 'boolean', default: false },
    },
  });
  const backend = values.backend;
  if (backend !== 'js' && backend !== 'gpu.js') throw new LossError(diag('LD2045', undefined, backend!));
  const target = targetOf(values.target, values.out);
  if (values.stdlib === 'all') {
    if (backend === 'gpu.js') throw new LossError(diag('LD4001', undefined, '--stdlib all exports with --backend js (the gpu.js backend needs every input\'s sizes: --shape)'));
    if (values.params?.length || values.shape?.length) throw new LossError(diag('LD4001', undefined, 'no --params or --shape with --stdlib all (each loss keeps its defaults)'));
    return exportAll(values.out, target);
  }
  let source: { text: string; name: string };
  let loss = values.loss;
  let shapes: Record<string, InputShapeSpec> = {};
  let extra = {};
  if (values.stdlib !== undefined) {
    if (values.expr !== undefined || positionals.length) throw new LossError(diag('LD4001', undefined, 'one source: a .loss file, -e FORMULA or --stdlib NAME'));
    const s = stdlibExport(values.stdlib);
    source = { text: s.source, name: s.sourceName };
    loss = values.stdlib;
    shapes = Object.fromEntries(Object.entries(s.shapes).map(([k, v]) => [k, parseShapeSpec(k, v)]));
    extra = { valueChecks: s.valueChecks, notDifferentiable: s.notDifferentiable };
  } else {
    source = readSource(values.expr, positionals[0]);
  }
  for (const item of values.shape ?? []) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new LossError(diag('LD4003', undefined, item));
    const name = item.slice(0, eq);
    Object.defineProperty(shapes, name, { value: parseShapeSpec(name, item.slice(eq + 1)), enumerable: true, configurable: true, writable: true });
  }
  const options = {
    loss,
    params: parseParams(values.params),
    shapes,
    stabilize: !values['no-stabilize'],
    sourceName: source.name,
    version: packageVersion(),
    backend,
    ...extra,
  } as const;
  const text = await exportModule(source.text, { ...options, target });
  if (values.out === undefined) {
    process.stdout.write(text);
    return 0;
  }
  write(values.out, text);
  // A JavaScript module gets its declarations beside it (x.js: x.d.ts, x.mjs: x.d.mts).
  if (target === 'js') write(declarationPath(values.out), await exportModule(source.text, { ...options, target: 'dts' }));
  return 0;
}

function write(file: string, text: string): void {
  try {
    writeFileSync(file, text);
  } catch (e) {
    throw new LossError(diag('LD4005', undefined, file, (e as Error).message));
  }
  process.stderr.write(`lossc compile: wrote ${file}\n`);
}

/** Where the declarations of a JavaScript module go: x.js → x.d.ts, x.mjs → x.d.mts, x.cjs → x.d.cts. */
function declarationPath(file: string): string {
  const m = /\.(m|c)?js$/.exec(file);
  return m ? `${file.slice(0, m.index)}.d.${m[1] ?? ''}ts` : `${file}.d.ts`;
}

/** `--stdlib all -o DIR`: every stdlib loss with its default options, one module per loss. */
async function exportAll(dir: string | undefined, target: Target): Promise<number> {
  if (dir === undefined) throw new LossError(diag('LD4001', undefined, 'a folder to write into: --stdlib all -o DIR'));
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new LossError(diag('LD4005', undefined, dir, (e as Error).message));
  }
  for (const { name } of stdlibCatalogue()) {
    const file = join(dir, `${name}.${target === 'dts' ? 'd.ts' : target}`);
    const code = await compileCommand(['--stdlib', name, '-o', file, '--target', target]);
    if (code !== 0) return code;
  }
  return 0;
}

/** --target, else the output file's extension (.js, .mjs: JavaScript), else TypeScript. */
function targetOf(target: string | undefined, out: string | undefined): Target {
  if (target === 'ts' || target === 'js' || target === 'dts') return target;
  if (target !== undefined) throw new LossError(diag('LD2080', undefined, `unknown target '${target}' (expected ts, js or dts)`));
  return out !== undefined && /\.(m?js|cjs)$/.test(out) ? 'js' : 'ts';
}
