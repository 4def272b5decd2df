// lossc compile end to end through the built CLI (dist/): the commands of the README and of
// docs/export.md write modules that type-check under `tsc --strict`, pass `prettier --check`
// and run with nothing but Node — in a folder with no node_modules — giving compile()'s numbers.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile, stdlib } from '../../index.js';
import { stdlibCatalogue } from '../../stdlib/index.js';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'lossc.js');
let dir: string;
const run = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: dir });
const tool = (name: string, args: string[]) => spawnSync(process.execPath, [join(root, 'node_modules', name), ...args], { encoding: 'utf8', cwd: dir });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lossc-compile-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs a script with plain Node in the scratch folder; returns its JSON output. */
function node(script: string): unknown {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', cwd: dir });
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout);
}

describe('lossc compile', () => {
  it('exports the triplet formula and the arcface stdlib loss as strict, formatted TypeScript', () => {
    expect(run(['compile', '-e', 'mean(max(0, d(a, p) - d(a, n) + margin))', '--params', 'margin=0.5', '-o', 'triplet.ts']).status).toBe(0);
    expect(run(['compile', '--stdlib', 'arcface_loss', '--params', 's=16', 'm=0.3', '-o', 'arcface.ts']).status).toBe(0);
    const tsc = tool(join('typescript', 'bin', 'tsc'), ['--strict', '--noEmit', 'triplet.ts', 'arcface.ts']);
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
    const prettier = tool(join('prettier', 'bin', 'prettier.cjs'), ['--check', 'triplet.ts', 'arcface.ts']);
    expect(prettier.status).toBe(0);
    const arc = readFileSync(join(dir, 'arcface.ts'), 'utf8');
    expect(arc).toMatch(/^\/\/ {3}s = 16$/m);
    expect(arc).toMatch(/^\/\/ {3}m = 0\.3$/m);
    expect(arc).toContain('// Inputs: input: float [N, D], weight: float [C, D], target: int [N]');
    expect(arc).toContain('local_logsoftmax');
    expect(arc).not.toMatch(/^import /m);
  }, 120_000);

  it('runs without lossc: the JavaScript target under plain Node matches compile()', () => {
    expect(run(['compile', '--stdlib', 'arcface_loss', '--params', 's=16', 'm=0.3', '-o', 'arcface.mjs']).status).toBe(0);
    const inputs = {
      input: { data: [0.3, -1.2, 0.5, 0.9, 0.1, -0.4], shape: [2, 3] },
      weight: { data: [1, 0, 0.2, -0.3, 0.8, 0.5, 0.1, 0.1, -1, 0.4, 0.4, 0.4], shape: [4, 3] },
      target: { data: [1, 3], shape: [2], dtype: 'int32' as const },
    };
    const out = node(`
      import { valueAndGrad } from './arcface.mjs';
      const r = valueAndGrad({ input: { data: ${JSON.stringify(inputs.input.data)}, shape: [2, 3] }, weight: { data: ${JSON.stringify(inputs.weight.data)}, shape: [4, 3] }, target: { data: Int32Array.from([1, 3]), shape: [2] } });
      console.log(JSON.stringify({ value: Array.from(r.value.data), input: Array.from(r.grads.input.data), weight: Array.from(r.grads.weight.data) }));
    `) as { value: number[]; input: number[]; weight: number[] };
    const want = stdlib.arcface_loss!({ s: 16, m: 0.3 }).valueAndGrad(inputs);
    expect(out.value).toEqual(Array.from(want.value.data));
    expect(out.input).toEqual(Array.from(want.grads.input!.data));
    expect(out.weight).toEqual(Array.from(want.grads.weight!.data));
  });

  it('writes a JavaScript module with its declarations, which projects stricter than --strict can use', () => {
    expect(run(['compile', '-e', 'mean(max(0, d(a, p) - d(a, n) + margin))', '--params', 'margin=0.5', '-o', 'tripletjs.mjs']).status).toBe(0);
    const decl = readFileSync(join(dir, 'tripletjs.d.mts'), 'utf8');
    expect(decl).toMatch(/export declare function valueAndGrad\(\s*inputs: Inputs,\s*opts\?: GradOptions,?\s*\): ValueAndGrad;/);
    writeFileSync(
      join(dir, 'consumer.mts'),
      [
        "import { valueAndGrad, type Inputs } from './tripletjs.mjs';",
        'const t = (data: number[]) => ({ data: Float64Array.from(data), shape: [2, 2] });',
        'const inputs: Inputs = { a: t([1, 2, 3, 4]), p: t([1, 2, 3, 5]), n: t([0, 0, 3, 3]) };',
        'const r = valueAndGrad(inputs, { wrt: ["a"] });',
        'const first: number | undefined = r.value.data[0];',
        'console.log(JSON.stringify([first, Array.from(r.grads.a?.data ?? [])]));',
      ].join('\n'),
    );
    const flags = ['--strict', '--noUncheckedIndexedAccess', '--noUnusedLocals', '--noUnusedParameters', '--exactOptionalPropertyTypes', '--noImplicitReturns'];
    const tsc = tool(join('typescript', 'bin', 'tsc'), [...flags, '--noEmit', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', 'consumer.mts']);
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tool(join('prettier', 'bin', 'prettier.cjs'), ['--check', 'tripletjs.d.mts', 'tripletjs.mjs']).status).toBe(0);
    const out = node("import { valueAndGrad } from './tripletjs.mjs'; const t = (d) => ({ data: Float64Array.from(d), shape: [2, 2] }); const r = valueAndGrad({ a: t([1, 2, 3, 4]), p: t([1, 2, 3, 5]), n: t([0, 0, 3, 3]) }); console.log(JSON.stringify([r.value.data[0], Array.from(r.grads.a.data)]));");
    expect(out).toEqual([0.25, [0, 0, 0, -1]]);
  }, 60_000);

  it('writes to stdout without -o, and takes a .loss file with --loss and --shape', () => {
    const r = run(['compile', join(import.meta.dirname, 'triplet.loss'), '--loss', 'triplet', '--params', 'margin=0.5', '--shape', 'anchor=B,E', 'positive=B,E', 'negative=B,E', '--target', 'js']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('// Inputs: anchor: float [B, E], positive: float [B, E], negative: float [B, E]');
    expect(r.stdout).toContain('export function valueAndGrad(');
    const loss = compile(readFileSync(join(import.meta.dirname, 'triplet.loss'), 'utf8'), { loss: 'triplet', params: { margin: 0.5 } });
    expect(loss.inputs).toEqual(['anchor', 'positive', 'negative']);
  });

  it('npm run export-stdlib: --stdlib all writes every loss, and they type-check together', () => {
    const r = run(['compile', '--stdlib', 'all', '-o', 'all']);
    expect(r.stderr.split('\n').filter((l) => l && !l.startsWith('lossc compile: wrote'))).toEqual([]);
    expect(r.status).toBe(0);
    const files = readdirSync(join(dir, 'all')).sort();
    expect(files).toEqual(stdlibCatalogue().map((e) => `${e.name}.ts`).sort());
    const tsc = tool(join('typescript', 'bin', 'tsc'), ['--strict', '--noEmit', ...files.map((f) => join('all', f))]);
    expect(tsc.stdout + tsc.stderr).toBe('');
  }, 180_000);

  it('reports mistakes with exit code 1 and a LossError on stderr', () => {
    const cases: [string[], RegExp][] = [
      [['compile', '-e', 'mean((x - y)^2'], /LD1\d{3}/],
      [['compile', '--stdlib', 'no_such_loss'], /LD2040/],
      [['compile', '-e', 'if size(x, 1) == 3 then sum(x) else mean(x)'], /LD2080/],
      [['compile', '-e', 'mean(x)', '--shape', 'x=N,-2'], /LD2081/],
      [['compile', '-e', 'mean(x)', '--target', 'py'], /LD2080/],
      [['compile', '--stdlib', 'all'], /LD4001/],
      [['compile', '-e', 'mean(x)', '-o', join('no', 'such', 'dir', 'x.ts')], /LD4005/],
    ];
    for (const [args, want] of cases) {
      const r = run(args);
      expect(r.status, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toMatch(want);
      expect(r.stdout).toBe('');
    }
  });

  it('--backend gpu.js writes a module for fixed sizes that imports only gpu.js and gives compile()\'s gpu.js numbers', () => {
    // Its own folder, where gpu.js resolves (the other modules run with no node_modules).
    mkdirSync(join(dir, 'gpu'));
    symlinkSync(join(root, 'node_modules'), join(dir, 'gpu', 'node_modules'), 'dir');
    const refused = run(['compile', '--stdlib', 'cross_entropy', '--backend', 'gpu.js']);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/LD2080.*--shape input=64,10 target=64:int/);
    const r = run(['compile', '--stdlib', 'cross_entropy', '--backend', 'gpu.js', '--shape', 'input=16,5', 'target=16:int', '-o', join('gpu', 'ce.ts')]);
    expect(r.stderr).toBe(`lossc compile: wrote ${join('gpu', 'ce.ts')}\n`);
    expect(r.status).toBe(0);
    expect(run(['compile', '--stdlib', 'cross_entropy', '--backend', 'gpu.js', '--shape', 'input=16,5', 'target=16:int', '-o', join('gpu', 'ce.mjs')]).status).toBe(0);
    const text = readFileSync(join(dir, 'gpu', 'ce.ts'), 'utf8');
    expect(text.match(/^[ \t]*import\b.*$/gm)).toEqual(['import { GPU } from "gpu.js";']);
    const tsc = tool(join('typescript', 'bin', 'tsc'), ['--strict', '--noEmit', '--skipLibCheck', '--moduleResolution', 'node', '--module', 'es2020', '--target', 'es2020', join('gpu', 'ce.ts')]);
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tool(join('prettier', 'bin', 'prettier.cjs'), ['--check', join('gpu', 'ce.ts'), join('gpu', 'ce.mjs')]).status).toBe(0);
    const input = Array.from({ length: 80 }, (_, i) => Math.sin(i));
    const target = Array.from({ length: 16 }, (_, i) => (i * 3) % 5);
    const out = node(`import * as m from './gpu/ce.mjs'; m.setMode('cpu');
      const r = m.valueAndGrad({ input: { data: Float64Array.from(${JSON.stringify(input)}), shape: [16, 5] }, target: { data: Int32Array.from(${JSON.stringify(target)}), shape: [16] } });
      console.log(JSON.stringify({ value: r.value.data[0], input: Array.from(r.grads.input.data) }));`) as { value: number; input: number[] };
    const want = stdlib.cross_entropy({}, { backend: 'gpu.js', gpuMode: 'cpu' }).valueAndGrad({ input: { data: Float64Array.from(input), shape: [16, 5] }, target: { data: Int32Array.from(target), shape: [16] } });
    expect(out.value).toBe(want.value.data[0]);
    expect(out.input).toEqual(Array.from(want.grads.input!.data));
  }, 60_000);
});
