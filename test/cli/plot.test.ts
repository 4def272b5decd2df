// Plots: the SVG of `lossc plot` is well-formed XML whose curves pass through the function's
// values (read back through the axes' own tick positions), paths break where the function is
// not finite, and the terminal plot puts its dots where the function is.

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it, vi } from 'vitest';
import { compile, LossError } from '../../index.js';
import { sampleCurves, type Curve } from '../../cli/chart/sample.js';
import { renderSvg } from '../../cli/chart/svg.js';
import { niceAxis, tickLabel } from '../../cli/chart/ticks.js';
import { plotCommand } from '../../cli/plot.js';
import { main } from '../../cli/main.js';
import { renderTextPlot } from '../../cli/repl/plot-text.js';

type El = Record<string, unknown>;
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', parseTagValue: false, parseAttributeValue: false, isArray: (name) => ['g', 'path', 'text', 'line'].includes(name) });

function parse(svg: string): El {
  expect(XMLValidator.validate(svg)).toBe(true);
  return parser.parse(svg).svg as El;
}

const groups = (svg: El): El[] => svg.g as El[];
const group = (svg: El, cls: string): El => groups(svg).find((g) => g.class === cls)!;

/** Linear pixel map of an axis from its first and last tick: value → pixel. */
function axisMap(g: El, coord: 'x' | 'y'): (v: number) => number {
  const ticks = (g.text as El[]).filter((t) => t.class === 'tick').map((t) => ({ v: Number(t['data-value']), p: Number(t[coord]) }));
  expect(ticks.length).toBeGreaterThanOrEqual(3);
  const a = ticks[0]!;
  const b = ticks[ticks.length - 1]!;
  return (v) => a.p + ((v - a.v) / (b.v - a.v)) * (b.p - a.p);
}

/** The vertices of a path's `d`, split into its M-started runs. */
function runs(d: string): [number, number][][] {
  const out: [number, number][][] = [];
  for (const m of d.matchAll(/([ML])(-?[\d.]+),(-?[\d.]+)/g)) {
    if (m[1] === 'M') out.push([]);
    out[out.length - 1]!.push([Number(m[2]), Number(m[3])]);
  }
  return out;
}

const softplus = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
const mish = (x: number) => x * Math.tanh(softplus(x));
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const dmish = (x: number) => Math.tanh(softplus(x)) + x * (1 - Math.tanh(softplus(x)) ** 2) * sigmoid(x);

async function curvesOf(formula: string, from: number, to: number, grad: boolean, samples = 201): Promise<Curve[]> {
  return await sampleCurves(compile(formula), { from, to, samples, grad, label: formula });
}

describe('the SVG chart', () => {
  it('is XML with a title, axes, ticks, a legend, and curves through f and f\'', async () => {
    const curves = await curvesOf('t * tanh(softplus(t))', -5, 5, true);
    const svg = parse(renderSvg(curves, { title: 't * tanh(softplus(t))' }));
    expect(svg.title).toBe('t * tanh(softplus(t))');
    const legend = (group(svg, 'legend').text as El[]).map((t) => t['#text']);
    expect(legend).toEqual(['f(t)', "f'(t)"]);
    const toX = axisMap(group(svg, 'x-axis'), 'x');
    const toY = axisMap(group(svg, 'y-axis'), 'y');
    const fromX = (px: number) => -5 + ((px - toX(-5)) / (toX(5) - toX(-5))) * 10;
    const paths = group(svg, 'curves').path as El[];
    expect(paths.map((p) => p['data-label'])).toEqual(['f(t)', "f'(t)"]);
    const fns = [mish, dmish];
    paths.forEach((p, k) => {
      const [run, ...more] = runs(String(p.d));
      expect(more).toEqual([]);
      expect(run!.length).toBe(201);
      for (const [px, py] of run!.filter((_, i) => i % 10 === 0)) {
        const t = fromX(px);
        // Coordinates are rounded to 0.01 px; t read back from x carries that rounding too.
        expect(Math.abs(py - toY(fns[k]!(t)))).toBeLessThan(0.05);
      }
    });
    // The curve spans the frame horizontally.
    const first = runs(String(paths[0]!.d))[0]!;
    expect(first[0]![0]).toBeCloseTo(toX(-5), 1);
    expect(first[first.length - 1]![0]).toBeCloseTo(toX(5), 1);
  });

  it('breaks a path where the function is not finite', async () => {
    const svg = parse(renderSvg(await curvesOf('1 / t', -1, 1, false), { title: '1 / t' }));
    const d = String((group(svg, 'curves').path as El[])[0]!.d);
    expect(runs(d).map((r) => r.length)).toEqual([100, 100]); // t = 0 (sample 100) is left out
  });

  it('escapes the title', async () => {
    const svg = renderSvg(await curvesOf('t * (t < 1)', -2, 2, false), { title: 't * (t < 1) & "more"' });
    expect(parse(svg).title).toBe('t * (t < 1) & "more"');
    expect(svg).toContain('t * (t &lt; 1) &amp; &quot;more&quot;');
  });
});

describe('lossc plot', () => {
  it('writes an SVG of f and f\' (with --from -5 given as a negative number)', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'lossc-plot-')), 'mish.svg');
    expect(await main(['plot', '-e', 't * tanh(softplus(t))', '--from', '-5', '--to', '5', '--grad', '-o', out])).toBe(0);
    const svg = parse(readFileSync(out, 'utf8'));
    expect((group(svg, 'curves').path as El[]).length).toBe(2);
    const xTicks = (group(svg, 'x-axis').text as El[]).filter((t) => t.class === 'tick').map((t) => t['#text']);
    expect(xTicks).toEqual(['-5', '-4', '-3', '-2', '-1', '0', '1', '2', '3', '4', '5']);
  });

  it('takes other names as --params and writes to stdout without -o', async () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await plotCommand(['-e', 'max(0, margin - t)', '--params', 'margin=1', '--samples', '11'])).toBe(0);
      const svg = parse(write.mock.calls.map((c) => String(c[0])).join(''));
      expect(runs(String((group(svg, 'curves').path as El[])[0]!.d))[0]!.length).toBe(11);
    } finally {
      write.mockRestore();
    }
  });

  it('reports mistakes as LossError with the place', async () => {
    const err = async (argv: string[]) => {
      const e = await plotCommand(argv).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(LossError);
      return (e as LossError).message;
    };
    expect(await err(['-e', 't * k'])).toBe(
      ["<formula>:1:5: error LD4107: Unknown name 'k': a plot is a function of t; give k a value with --params k=VALUE", '1 | t * k', '        ^'].join('\n'),
    );
    expect(await err(['-e', 'mean(t)'])).toMatch(/LD4106: Cannot plot mean\(t\): its value has shape \[\]/);
    expect(await err(['-e', '2'])).toMatch(/it does not use t/);
    expect(await err(['-e', 't', '--from', '1', '--to', '0'])).toMatch(/from < to/);
    expect(await err(['-e', 't', '--to', 'x'])).toMatch(/--to needs a number/);
    expect(await err(['-e', 't', '-o', 'out.png'])).toMatch(/LD4108: Cannot write 'out.png': lossc plot writes SVG/);
    expect(await err(['-e', 't', '-o', join(tmpdir(), 'no-such-dir', 'x.svg')])).toMatch(/LD4108: Cannot write/);
    expect(await err([])).toMatch(/LD4105: Usage: lossc plot/);
  });
});

describe('the terminal chart', () => {
  it('puts the dots of an increasing line lower-left to upper-right', async () => {
    const text = renderTextPlot(await curvesOf('t', -1, 1, false, 120), { width: 60, height: 10, color: false });
    const rows = text.split('\n').filter((l) => /[│┤]/.test(l));
    expect(rows.length).toBe(10);
    const firstDot = rows.map((r) => [...r.slice(r.search(/[│┤]/) + 1)].findIndex((c) => c !== ' ' && c !== '·'));
    expect(firstDot.every((c) => c >= 0)).toBe(true);
    for (let i = 1; i < firstDot.length; i++) expect(firstDot[i]!).toBeLessThan(firstDot[i - 1]!);
  });

  it('colors each curve in a terminal, and marks the second with • without color', async () => {
    const curves = await curvesOf('t * t', -2, 2, true, 120);
    const plain = renderTextPlot(curves, { width: 60, height: 10, color: false });
    const colored = renderTextPlot(curves, { width: 60, height: 10, color: true });
    expect(plain).not.toContain('\x1b[');
    expect(plain).toContain('•');
    expect(colored).toContain('\x1b[34m');
    expect(colored).toContain('\x1b[31m');
    expect(colored).not.toMatch(/•[^•]/);
  });

  it('counts the samples left out', async () => {
    expect(renderTextPlot(await curvesOf('log(t)', -1, 1, false, 11), { width: 60, height: 8, color: false })).toContain('(6 samples not finite, left out)');
  });
});

describe('axis ticks', () => {
  it('are 1, 2 or 5 times a power of ten, and the domain covers the data', () => {
    // A range of 5.5 in about 5 steps: steps of 1, the domain widened to whole steps.
    expect(niceAxis(-0.3, 5.2, 6)).toEqual({ lo: -1, hi: 6, ticks: [-1, 0, 1, 2, 3, 4, 5, 6], decimals: 0 });
    expect(niceAxis(0, 1, 5).ticks).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    const fixed = niceAxis(-5, 5, 5, false);
    expect([fixed.lo, fixed.hi]).toEqual([-5, 5]);
    expect(fixed.ticks.every((v) => v >= -5 && v <= 5)).toBe(true);
    const flat = niceAxis(3, 3);
    expect(flat.lo).toBeLessThan(3);
    expect(flat.hi).toBeGreaterThan(3);
  });

  it('label with the digits the step needs', () => {
    const a = niceAxis(0, 1, 5);
    expect(a.ticks.map((v) => tickLabel(v, a))).toEqual(['0.0', '0.2', '0.4', '0.6', '0.8', '1.0']);
    const big = niceAxis(0, 3e7, 4);
    expect(big.ticks.map((v) => tickLabel(v, big))).toEqual(['0', '1.0e7', '2.0e7', '3.0e7']);
  });
});
