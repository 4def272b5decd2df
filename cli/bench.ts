// lossc bench: the benchmark suite of bench/ (docs/performance.md). The benchmarks compare
// against TensorFlow.js and PyTorch, which are development dependencies, so they run from a
// source checkout of lossc (as `npm run bench` does), not from an installed package.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function benchCommand(argv: string[]): number {
  // dist/cli/bench.js → the package root.
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const script = join(root, 'bench', 'run.ts');
  const tsx = join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');
  if (!existsSync(script) || !existsSync(tsx)) {
    process.stderr.write('lossc bench runs from a source checkout of lossc with its development dependencies (npm ci; npm run bench)\n');
    return 1;
  }
  const r = spawnSync(process.execPath, ['--expose-gc', tsx, script, ...argv], { cwd: root, stdio: 'inherit' });
  return r.status ?? 1;
}
