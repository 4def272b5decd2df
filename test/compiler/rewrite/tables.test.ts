// Properties of the rule tables as data: every stability rule documents its source, domain
// and an example; every example fires its rule; stabilized and as-written programs agree
// where both are accurate (benign inputs), so no rule changes what a formula means there.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALL_TABLES } from '../../../compiler/rewrite/phases.js';
import { compile } from '../../../index.js';
import { rng, uniform } from '../../helpers.js';
import { rewritten } from './helpers.js';

const rules = ALL_TABLES.flatMap((t) => t.rules.map((r) => ({ ...r, kind: t.kind })));

describe('rule tables', () => {
  it('rule names are unique', () => {
    const names = rules.map((r) => r.name);
    expect(names.length).toBe(new Set(names).size);
  });
  for (const r of rules.filter((q) => q.kind === 'stability')) {
    it(`${r.name} documents its source, domain and an example`, () => {
      expect(r.source, r.name).toBeTruthy();
      expect(r.domain, r.name).toBeTruthy();
      expect(r.example, r.name).toBeTruthy();
    });
  }
  for (const r of rules.filter((q) => q.example)) {
    it(`${r.name} fires on its example ${r.example}`, () => {
      expect(rewritten(r.example!).rules).toContain(r.name);
    });
  }
});

describe('stabilized and as-written agree on benign inputs', () => {
  for (const r of rules.filter((q) => q.example)) {
    it(`${r.name}: ${r.example}`, () => {
      const stable = compile(r.example!);
      const plain = compile(r.example!, { stabilize: false });
      const draw = rng(7);
      // (0.1, 0.9): inside every example's domain (probabilities, cosines, logits, ratios).
      const inputs = Object.fromEntries(stable.inputs.map((n) => [n, uniform([2, 3], draw, 0.1, 0.9)]));
      const a = stable.valueAndGrad(inputs);
      const b = plain.valueAndGrad(inputs, { gradOutput: undefined });
      const close = (u: number, v: number) => (Number.isNaN(u) && Number.isNaN(v)) || Math.abs(u - v) <= 1e-12 * Math.max(1, Math.abs(u), Math.abs(v));
      a.value.data.forEach((v, i) => expect(close(v, b.value.data[i]!), `value[${i}] ${v} vs ${b.value.data[i]}`).toBe(true));
      for (const k of Object.keys(a.grads)) {
        a.grads[k]!.data.forEach((v, i) => expect(close(v, b.grads[k]!.data[i]!), `grad ${k}[${i}] ${v} vs ${b.grads[k]!.data[i]}`).toBe(true));
      }
    });
  }
});

describe('docs/rewrites.md', () => {
  const doc = readFileSync(join(import.meta.dirname, '..', '..', '..', 'docs', 'rewrites.md'), 'utf8');
  it('documents every rule', () => {
    const missing = rules.map((r) => r.name).filter((n) => !doc.includes(`\`${n}\``));
    expect(missing).toEqual([]);
  });
});
