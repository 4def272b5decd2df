// Anomaly mode (compile(…, { detectAnomaly: true }), lossc eval --check) and
// CompiledLoss.check(): the first operation that produced a NaN or infinity is named by its
// source text, line:column and the sample rows — through rewrites, user defs, the gradient
// and loss files — and values agree with the normal path whenever everything is finite.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { compile, LossError, type Tensor } from '../../index.js';
import { main } from '../../cli/main.js';
import { lossErrorOf } from '../helpers.js';

const t = (data: number[], shape: number[]): Tensor => ({ data: Float64Array.from(data), shape });


describe('detectAnomaly', () => {
  const x = t([1, 2, -1, 3], [2, 2]);

  it('names log(x), its position and sample row 1 (forward and valueAndGrad)', () => {
    const loss = compile('mean(sum(log(x), dim=1))', { detectAnomaly: true });
    for (const run of [() => loss.forward({ x }), () => loss.valueAndGrad({ x })]) {
      const e = lossErrorOf(run);
      expect(e.code).toBe('LD3020');
      expect(e.diagnostics[0]!.message).toBe('log(x) at 1:10 produced NaN at sample rows [1]');
      expect(e.span).toMatchObject({ line: 1, column: 10, start: 9, end: 15 });
      expect(e.message).toContain('<formula>:1:10: error LD3020');
      expect(e.message).toContain('         ^^^^^^'); // the caret under log(x)
    }
  });

  it('is off by default: the NaN is returned, not thrown', () => {
    expect((compile('mean(sum(log(x), dim=1))').forward({ x }) as Tensor).data[0]).toBeNaN();
  });

  it('agrees with the normal path when everything is finite', () => {
    const src = 'let p = softmax(z, dim=1)\nmean(-sum(q * log(p + 1e-9), dim=1)) + 0.1 * sum(z ^ 2)';
    const inputs = { z: t([0.1, -2, 3, 0.5, 1, -1], [2, 3]), q: t([0.2, 0.3, 0.5, 1, 0, 0], [2, 3]) };
    const a = compile(src).valueAndGrad(inputs);
    const b = compile(src, { detectAnomaly: true }).valueAndGrad(inputs);
    expect(b.value.data[0]).toBeCloseTo(a.value.data[0]!, 12);
    for (const k of ['z', 'q']) Array.from(a.grads[k]!.data).forEach((g, i) => expect(b.grads[k]!.data[i]).toBeCloseTo(g, 12));
  });

  it('a NaN born in the forward pass but masked, reaching only the gradient', () => {
    const loss = compile('mean(where(x > 0, sqrt(x), 0))', { detectAnomaly: true });
    const inputs = { x: t([1, -1, 4, 9], [2, 2]) };
    expect((loss.forward(inputs) as Tensor).data[0]).toBeCloseTo(1.5, 12);
    const e = lossErrorOf(() => loss.valueAndGrad(inputs));
    expect(e.diagnostics[0]!.message).toBe("sqrt(x) at 1:19 produced NaN at sample rows [0], which reached the gradient of 'x'");
  });

  it('an infinity born in the gradient itself is reported as the gradient of the op', () => {
    const e = lossErrorOf(() => compile('mean(sqrt(x))', { detectAnomaly: true }).valueAndGrad({ x: t([1, 4, 0, 9], [2, 2]) }));
    expect(e.diagnostics[0]!.message).toBe("the gradient of sqrt(x) at 1:6 produced Inf at sample rows [1], which reached the gradient of 'x'");
  });

  it('a non-finite input is reported as the input, with its rows', () => {
    const e = lossErrorOf(() => compile('mean(x * 2)', { detectAnomaly: true }).forward({ x: t([1, 2, 3, Infinity, 5, NaN], [3, 2]) }));
    expect(e.code).toBe('LD3021');
    expect(e.diagnostics[0]!.message).toBe("Input 'x' contains Inf at sample rows [1, 2]");
  });

  it('positions survive rewrites and inlining of user defs', () => {
    // log(1 + x) is rewritten to log1p(x); the report still shows what the user wrote.
    let e = lossErrorOf(() => compile('sum(log(1 + x))', { detectAnomaly: true }).forward({ x: t([0, -2], [2]) }));
    expect(e.diagnostics[0]!.message).toBe('log(1 + x) at 1:5 produced NaN at sample rows [1]');
    e = lossErrorOf(() => compile('def f(z) = z / sum(z)\nmean(f(x))', { detectAnomaly: true }).forward({ x: t([1, -1], [2]) }));
    expect(e.diagnostics[0]!.message).toMatch(/^z \/ sum\(z\) at 1:12 produced (Inf|-Inf|NaN) at sample rows \[[01](, 1)?\]$/);
  });

  it('in a loss file, the position is in the file', () => {
    const src = '# a loss\nloss nll(p[N, C], y[N]: int) =\n  mean(-log(pick(p, y)))\n';
    const loss = compile(src, { detectAnomaly: true, sourceName: 'nll.loss' });
    const e = lossErrorOf(() => loss.forward({ p: t([0.5, 0.5, 0, 1], [2, 2]), y: { data: Int32Array.from([1, 0]), shape: [2] } }));
    // log(0) is where -inf appears; the negation only carries it on.
    expect(e.diagnostics[0]!.message).toBe('log(pick(p, y)) at 3:9 produced -Inf at sample rows [1]');
    expect(e.message).toContain('nll.loss:3:9');
  });

  it('lists at most ten rows', () => {
    const data = Array.from({ length: 30 }, (_, i) => (i % 2 ? -1 : 1));
    const e = lossErrorOf(() => compile('sum(log(x))', { detectAnomaly: true }).forward({ x: t(data, [30]) }));
    expect(e.diagnostics[0]!.message).toBe('log(x) at 1:5 produced NaN at sample rows [1, 3, 5, 7, 9, 11, 13, 15, 17, 19, … (15 rows)]');
  });

  it('a NaN upstream gradient is reported as gradOutput', () => {
    const loss = compile('x * 2', { detectAnomaly: true });
    const e = lossErrorOf(() => loss.valueAndGrad({ x: t([1, 2], [2]) }, { gradOutput: t([1, NaN], [2]) }));
    expect(e.diagnostics[0]!.message).toBe("Input 'gradOutput' contains NaN at sample rows [1], which reached the gradient of 'x'");
  });

  it('index errors stay index errors', () => {
    const loss = compile('mean(pick(x, y))', { detectAnomaly: true });
    const e = lossErrorOf(() => loss.forward({ x: t([1, 2, 3, 4], [2, 2]), y: { data: Int32Array.from([0, 2]), shape: [2] } }));
    expect(e.code).toBe('LD3007');
  });
});

describe('check()', () => {
  it('reports the first bad op, the bad rows and per-sample losses without throwing', () => {
    const r = compile('mean(sum(log(x), dim=1))').check({ x: t([1, 2, -1, 3, 4, 5], [3, 2]) });
    expect(r.finite).toBe(false);
    expect(r.value.data[0]).toBeNaN();
    expect(r.badRows).toEqual([1]);
    expect(r.firstBad).toMatchObject({ op: 'log', text: 'log(x)', line: 1, column: 10, rows: [1], produced: 'NaN', backward: false, reached: ['value'] });
    // Each row's share of the mean: they add up to the loss.
    const per = Array.from(r.perSample!.data);
    expect(per[0]).toBeCloseTo(Math.log(2) / 3, 12);
    expect(per[1]).toBeNaN();
    expect(per[2]).toBeCloseTo((Math.log(4) + Math.log(5)) / 3, 12);
  });

  it('a finite loss: finite, no bad rows, the value as forward() computes it', () => {
    const x = t([1, 2, 3, 4], [2, 2]);
    const loss = compile('mean((x - 1) ^ 2)');
    const r = loss.check({ x });
    expect(r).toMatchObject({ finite: true, badRows: [] });
    expect(r.firstBad).toBeUndefined();
    expect(r.value.data[0]).toBeCloseTo((loss.forward({ x }) as Tensor).data[0]!, 14);
    expect(Array.from(r.perSample!.data).reduce((a, b) => a + b, 0)).toBeCloseTo(r.value.data[0]!, 14);
  });

  it('per-sample rows of a non-scalar value (reduction "none")', () => {
    const loss = compile('loss l(x[N, D]; reduction = "none") = reduce(log(x), reduction)', { params: { reduction: 'none' } });
    const r = loss.check({ x: t([1, 1, 1, 0, 2, 2], [3, 2]) });
    expect(r.perSample!.shape).toEqual([3]);
    expect(r.badRows).toEqual([1]);
    expect(r.firstBad).toMatchObject({ text: 'log(x)', produced: '-Inf', rows: [1] });
  });

  it('a gradient-only problem: the value is finite, the report is not', () => {
    const r = compile('mean(where(x > 0, sqrt(x), 0))').check({ x: t([1, -1, 4, 9], [2, 2]) });
    expect(r.finite).toBe(false);
    expect(r.value.data[0]).toBeCloseTo(1.5, 12);
    expect(r.badRows).toEqual([0]);
    expect(r.firstBad).toMatchObject({ op: 'sqrt', rows: [0], reached: ['grad x'] });
  });

  it('float32 inputs give a float32 value; user mistakes are still LossErrors', () => {
    const loss = compile('sum(x)');
    expect(loss.check({ x: { data: Float32Array.from([1, 2]), shape: [2] } }).value.data).toBeInstanceOf(Float32Array);
    expect(() => loss.check({})).toThrow(LossError);
    expect(() => loss.check({ x: t([1], [1]), z: t([1], [1]) })).toThrow(/LD3002/);
  });
});

describe('lossc eval --check', () => {
  const written: string[] = [];
  afterEach(() => {
    vi.restoreAllMocks();
    written.length = 0;
  });
  const capture = () => {
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => (written.push(String(s)), true));
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => (written.push(String(s)), true));
  };

  it('exits 1 with the anomaly report; without --check the NaN is printed', async () => {
    const inputs = JSON.stringify({ x: { shape: [2, 2], data: [1, 2, -1, 3] } });
    capture();
    expect(await main(['eval', '-e', 'mean(sum(log(x), dim=1))', '--inputs', inputs, '--check'])).toBe(1);
    expect(written.join('')).toContain('log(x) at 1:10 produced NaN at sample rows [1]');
    written.length = 0;
    expect(await main(['eval', '-e', 'mean(sum(log(x), dim=1))', '--inputs', inputs])).toBe(0);
    expect(JSON.parse(written.join(''))).toEqual({ value: { shape: [], data: ['nan'] } });
  });
});
