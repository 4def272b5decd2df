// The library runs unchanged in a browser: index.ts bundled for the browser platform must not
// import any Node built-in (node:fs, path, …), and what a page downloads to compile and run a
// loss on the JS backend stays within a size budget (docs/browser.md). Code loaded on demand
// through dynamic import() (a GPU backend) is measured apart, with its own budget.

import { builtinModules } from 'node:module';
import { relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';

/** Budgets in bytes of gzip-compressed, minified JavaScript (see docs/browser.md). */
const BUDGET = {
  /** Entry chunk plus everything it imports statically: parser, compiler, runtime, stdlib. */
  initial: 128 * 1024,
  /** Everything, lazily loaded chunks included. */
  total: 300 * 1024,
};

const NODE_BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

interface BundleReport {
  nodeImports: string[];
  initialGzip: number;
  totalGzip: number;
  initialMin: number;
  chunks: { file: string; min: number; gzip: number; initial: boolean }[];
}

async function bundleForBrowser(entryPoint: string): Promise<BundleReport> {
  const nodeImports: string[] = [];
  const result = await build({
    entryPoints: { lossc: entryPoint },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    splitting: true,
    outdir: 'browser-bundle',
    write: false,
    minify: true,
    metafile: true,
    target: 'es2022',
    logLevel: 'silent',
    plugins: [
      {
        // Records every import of a Node built-in with its importer instead of failing on the first.
        name: 'no-node-builtins',
        setup(b) {
          b.onResolve({ filter: /.*/ }, (args) => {
            if (!NODE_BUILTINS.has(args.path)) return undefined;
            nodeImports.push(`${relative(process.cwd(), args.importer)} imports ${args.path}`);
            return { path: args.path, external: true };
          });
        },
      },
    ],
  });
  const meta: Metafile = result.metafile;
  const entry = Object.keys(meta.outputs).find((o) => meta.outputs[o]!.entryPoint === entryPoint)!;
  // The initial load: the entry chunk and the closure of its static imports.
  const initial = new Set<string>();
  const visit = (o: string): void => {
    if (initial.has(o)) return;
    initial.add(o);
    for (const imp of meta.outputs[o]!.imports) if (imp.kind === 'import-statement' && !imp.external) visit(imp.path);
  };
  visit(entry);
  const chunks = result.outputFiles
    .filter((f) => f.path.endsWith('.js'))
    .map((f) => {
      const file = Object.keys(meta.outputs).find((o) => f.path.endsWith(o))!;
      return { file, min: f.contents.length, gzip: gzipSync(f.contents, { level: 9 }).length, initial: initial.has(file) };
    });
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  return {
    nodeImports,
    chunks,
    initialGzip: sum(chunks.filter((c) => c.initial).map((c) => c.gzip)),
    initialMin: sum(chunks.filter((c) => c.initial).map((c) => c.min)),
    totalGzip: sum(chunks.map((c) => c.gzip)),
  };
}

describe('browser bundle of index.ts', () => {
  it('imports no Node built-in and fits the size budget', async () => {
    const r = await bundleForBrowser('index.ts');
    expect(r.nodeImports, 'the library must run in a browser: no Node built-ins outside cli/').toEqual([]);
    const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
    const table = r.chunks.map((c) => `${c.file} ${kb(c.min)} min, ${kb(c.gzip)} gzip${c.initial ? '' : ' (lazy)'}`).join('\n');
    console.info(`browser bundle of index.ts (budget: initial ${kb(BUDGET.initial)}, total ${kb(BUDGET.total)} gzip):\n${table}`);
    expect(r.initialGzip, `initial load ${kb(r.initialGzip)} gzip exceeds ${kb(BUDGET.initial)}:\n${table}`).toBeLessThanOrEqual(BUDGET.initial);
    expect(r.totalGzip, `all chunks ${kb(r.totalGzip)} gzip exceed ${kb(BUDGET.total)}:\n${table}`).toBeLessThanOrEqual(BUDGET.total);
    // A bundle this small would mean the stdlib or the parser went missing, not a success.
    expect(r.initialMin).toBeGreaterThan(100 * 1024);
  });

  it('names the importer of a Node built-in (the check itself works)', async () => {
    const r = await bundleForBrowser('test/browser/fixtures/node-import.ts');
    expect(r.nodeImports).toEqual(['test/browser/fixtures/node-import.ts imports node:fs']);
  });
});
