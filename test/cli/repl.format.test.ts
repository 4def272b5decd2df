// The REPL prints tensors as PyTorch does: the values part is compared character for character
// with torch's own repr (test/fixtures/tensor_repr.json, made by
// scripts/fixtures/tensor_repr.py), given torch's suffix; our own suffix adds the shape.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PRINT, formatTensor, labelled, renderTensor } from '../../cli/repl/format.js';
import type { Tensor } from '../../index.js';

interface Case {
  name: string;
  shape: number[];
  dtype: 'float64' | 'float32' | 'int32';
  data: (number | string)[];
  repr: string;
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/tensor_repr.json', import.meta.url), 'utf8')) as { cases: Case[] };

function tensorOf(c: Case): Tensor {
  const values = c.data.map((v) => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : (v as number)));
  const data = c.dtype === 'int32' ? Int32Array.from(values) : c.dtype === 'float32' ? Float32Array.from(values) : Float64Array.from(values);
  return { data, shape: c.shape };
}

describe('tensor printing matches PyTorch', () => {
  it.each(fixture.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    // torch names every dtype but its default float32.
    const suffixes = c.dtype === 'float32' ? [] : [`dtype=torch.${c.dtype}`];
    expect(renderTensor(tensorOf(c), DEFAULT_PRINT, suffixes)).toBe(c.repr);
  });
});

describe('the REPL suffix', () => {
  it('names shape and dtype, and the dtype alone for a scalar', () => {
    expect(formatTensor({ data: Float64Array.of(1, 2), shape: [2] })).toBe('tensor([1., 2.], shape=[2], dtype=float64)');
    expect(formatTensor({ data: Float32Array.of(0.5), shape: [] })).toBe('tensor(0.5000, dtype=float32)');
    expect(formatTensor({ data: Int32Array.of(2, 0), shape: [2] })).toBe('tensor([2, 0], shape=[2], dtype=int32)');
  });

  it('follows the print precision', () => {
    expect(formatTensor({ data: Float64Array.of(Math.PI), shape: [] }, { ...DEFAULT_PRINT, precision: 8 })).toBe('tensor(3.14159265, dtype=float64)');
  });

  it('indents a labelled block under its label', () => {
    expect(labelled('grad x = ', 'a\nb')).toBe('grad x = a\n         b');
  });
});
