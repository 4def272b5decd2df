// The stdlib catalogue: every loss documented, torch.nn.functional's names and argument order,
// and `lossc list` printing each loss with its signature and doc (through main(), stdout captured).

import { afterEach, describe, expect, it, vi } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { stdlib, stdlibCatalogue } from '../../index.js';
import { main } from '../../cli/main.js';
import { fixtureDir, readFixture } from '../fixtures/load.js';

/** torch arguments the library does not offer: deprecated reduction flags, dtype casts, in-place. */
const NOT_OFFERED = new Set(['size_average', 'reduce', '_stacklevel', 'dtype', 'inplace', 'distance_function', '*']);
/** Arguments PyTorch 2.x added after the fixtures' 1.13 (loss-spec sections 2.1, 2.2, 2.4), in their place. */
const NEWER: Record<string, string[]> = { l1_loss: ['weight'], mse_loss: ['weight'], huber_loss: ['weight'] };

async function capture(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  const code = await main(argv);
  vi.restoreAllMocks();
  return { code, out, err };
}
afterEach(() => vi.restoreAllMocks());

const torchFixtures = readdirSync(join(fixtureDir, 'torch')).map((f) => readFixture<{ fn: string; signature: string[] }>(join('torch', f)));

describe('the stdlib catalogue', () => {
  const entries = stdlibCatalogue();

  it('holds every loss of loss-spec, plus regularization', () => {
    const names = entries.map((e) => e.name);
    for (const fx of torchFixtures) expect(names).toContain(fx.fn);
    for (const n of ['distillation_loss', 'large_margin_softmax_loss', 'a_softmax_loss', 'l2_softmax_loss', 'am_softmax_loss', 'arcface_loss', 'l2_regularization']) {
      expect(names).toContain(n);
    }
  });

  it('documents every loss; a PyTorch loss by its torch.nn.functional signature', () => {
    for (const e of entries) {
      expect(e.doc.length, e.name).toBeGreaterThan(40);
      if (torchFixtures.some((fx) => fx.fn === e.name)) expect(e.doc, e.name).toContain(`torch.nn.functional.${e.name}(`);
    }
  });

  it("takes torch's arguments by name, tensors and options each in torch's positional order", () => {
    for (const fx of torchFixtures) {
      const e = entries.find((x) => x.name === fx.fn)!;
      const torchArgs = [...fx.signature.filter((a) => !NOT_OFFERED.has(a)), ...(NEWER[fx.fn] ?? [])];
      const ours = [...e.inputs, ...e.options.map((o) => o.name)];
      expect([...ours].sort(), fx.fn).toEqual([...torchArgs].sort());
      expect(e.inputs, fx.fn).toEqual(torchArgs.filter((a) => e.inputs.includes(a)));
      expect(e.options.map((o) => o.name), fx.fn).toEqual(torchArgs.filter((a) => !e.inputs.includes(a)));
    }
  });

  it('gives every reduction option the default "mean"', () => {
    for (const e of entries) {
      const r = e.options.find((o) => o.name === 'reduction');
      if (r) expect(r.default, e.name).toBe('"mean"');
    }
  });

  it('compiles every loss: stdlib.<name>() and the proxy agree with the catalogue', () => {
    expect(Object.keys(stdlib).sort()).toEqual(entries.map((e) => e.name).sort());
    for (const e of entries) expect(stdlib[e.name]!().inputs).toEqual(e.inputs);
  });
});

describe('lossc list', () => {
  it('prints every loss with its signature and doc', async () => {
    const { code, out } = await capture(['list']);
    expect(code).toBe(0);
    for (const e of stdlibCatalogue()) {
      expect(out).toContain(e.signature);
      expect(out).toContain(`    ${e.doc.split('\n')[0]}`);
    }
    expect(out).toContain('cross_entropy(input, target, weight[C] = 1; ignore_index = -100, reduction = "mean", label_smoothing = 0.0)');
  });

  it('prints one loss by name, and fails for an unknown one', async () => {
    const one = await capture(['list', 'kl_div']);
    expect(one.code).toBe(0);
    expect(one.out).toContain('kl_div(input, target; reduction = "mean", log_target = false)');
    expect(one.out).not.toContain('cross_entropy');
    const none = await capture(['list', 'no_such_loss']);
    expect(none.code).toBe(1);
    expect(none.err).toContain('no_such_loss');
  });
});
