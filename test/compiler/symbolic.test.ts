// Probe sizes for export (compiler/symbolic.ts): distinct primes, disjoint sets, products that
// factor back into expressions of the dims, literal sizes kept apart.

import { describe, expect, it } from 'vitest';
import { SizeSymbols } from '../../compiler/symbolic.js';
import { renderExport } from '../../compiler/export/index.js';

describe('SizeSymbols', () => {
  it('gives distinct primes, and two disjoint sets', () => {
    const a = new SizeSymbols(4, 0).probes;
    const b = new SizeSymbols(4, 1).probes;
    expect(new Set([...a, ...b]).size).toBe(8);
    for (const p of [...a, ...b]) for (let d = 2; d * d <= p; d++) expect(p % d).not.toBe(0);
  });
  it('writes sizes as expressions of the dims, literals as numbers', () => {
    const s = new SizeSymbols(3, 0);
    const [n, c, d] = s.probes as [number, number, number];
    expect(s.text(n)).toBe('d0');
    expect(s.text(n * c)).toBe('(d0 * d1)');
    expect(s.text(3 * c * d * d)).toBe('(3 * d1 * d2 * d2)');
    expect(s.text(12)).toBe('12');
    expect(s.isSymbolic(1)).toBe(false);
    expect(s.isSymbolic(7 * n)).toBe(true);
  });
  it('avoids primes that divide a literal size of the signature', () => {
    const s = new SizeSymbols(2, 0, [1009 * 3]);
    expect(s.probes).not.toContain(1009);
    expect(s.text(1009 * 3)).toBe('3027');
  });
  it('exports a loss whose fixed dim is a probe prime', () => {
    const text = renderExport('mean(sum(x, dim=1))', { shapes: { x: { dims: ['N', 1009] } } });
    expect(text).toContain('1009');
    expect(text).toContain('// Inputs: x: float [N, 1009]');
  });
});
