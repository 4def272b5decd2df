// explain() reports each stability rewrite by rule name, with the user's source position and
// text, before and after in the loss language; routine simplifications only as counts; and
// `stabilize: false` turns the stability phase off.

import { describe, expect, it } from 'vitest';
import { compile } from '../../../index.js';

const section = (text: string, title: string): string => {
  const start = text.indexOf(`== ${title} ==`);
  if (start < 0) return '';
  const end = text.indexOf('\n== ', start + 1);
  return text.slice(start, end < 0 ? undefined : end);
};

describe('explain', () => {
  const formula = 'let p = sigmoid(z)\nmean(-(y * log(p) + (1 - y) * log(1 - p)))';
  const text = compile(formula).explain();

  it('lists stability rewrites with rule, table, position and the user text', () => {
    const s = section(text, 'stability rewrites');
    expect(s).toContain('logsigm_to_softplus [sigmoid] at 2:12, "log(p)":');
    expect(s).toContain('    log(sigmoid(z))\n => logsigmoid(z)');
    expect(s).toContain('local_1msigmoid [sigmoid] at 2:35, "1 - p":');
  });
  it('keeps routine simplifications out of the stability list', () => {
    expect(section(text, 'stability rewrites')).not.toContain('constant-fold');
    expect(section(text, 'routine simplifications')).toMatch(/^== routine simplifications ==\n\S/);
  });
  it('reports rewrites made on the gradient program separately', () => {
    const t = compile('mean(log(1 + exp(u)))').explain();
    expect(section(t, 'stability rewrites')).toContain('log1pexp_to_softplus [sigmoid] at 1:6, "log(1 + exp(u))"');
    expect(t).toContain('== gradient, simplified ==\nvalue = ');
    expect(t).toMatch(/grad u = .*sigmoid\(u\)/);
  });
  it('names the file of a loss source', () => {
    const src = '# BCE on probabilities from logits\nloss bce(z, y) =\n  mean(-(y * log(sigmoid(z)) + (1 - y) * log(1 - sigmoid(z))))\n';
    const t = compile(src, { sourceName: 'bce.loss' }).explain();
    expect(t).toContain('logsigm_to_softplus [sigmoid] at bce.loss:3:14, "log(sigmoid(z))"');
  });
  it('stabilize: false applies no stability rewrite and says so', () => {
    const t = compile(formula, { stabilize: false }).explain();
    expect(t).toContain('stabilize: false');
    expect(section(t, 'stability rewrites')).toBe('== stability rewrites ==\n(none)\n');
    expect(section(t, 'simplified')).toContain('log(1 - t0)');
  });
  it('stabilize: false changes results where the formula as written overflows', () => {
    const z = { data: [800, -800], shape: [2] };
    const y = { data: [0, 1], shape: [2] };
    const stable = compile(formula).forward({ z, y }).data[0]!;
    const plain = compile(formula, { stabilize: false }).forward({ z, y }).data[0]!;
    expect(stable).toBe(800);
    expect(plain).toBe(Infinity);
  });
});
