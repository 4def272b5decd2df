// The published entry point: `import { compile, stdlib, tensor, LossError } from 'lossc'`
// resolves to dist/index.js (built by `npm run build`, which `npm test` runs first) with
// type declarations beside it.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

describe('package', () => {
  it('exports the public API from dist/index.js, with types', async () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    expect(pkg.name).toBe('lossc');
    expect(pkg.type).toBe('module');
    expect(pkg.bin.lossc).toBeDefined();
    const entry = join(root, pkg.exports['.'].import);
    expect(existsSync(entry)).toBe(true);
    expect(existsSync(join(root, pkg.exports['.'].types))).toBe(true);
    const lossc = await import(entry);
    for (const name of ['compile', 'stdlib', 'tensor', 'LossError']) expect(lossc[name], name).toBeDefined();
    const loss = lossc.compile('mean((x - y)^2)');
    const r = loss.valueAndGrad({ x: lossc.tensor([1, 2], [2], 'float32'), y: lossc.tensor([0, 0], [2], 'float32') });
    expect(Array.from(r.value.data)).toEqual([2.5]);
    expect(r.grads.x.data).toBeInstanceOf(Float32Array);
    expect(() => lossc.compile('mean(')).toThrow(lossc.LossError);
  });
});
