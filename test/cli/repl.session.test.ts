// The REPL session, driven through its API (no terminal): bindings and constructors, formulas
// over them, the `:` commands, and errors that point at the input and leave the session usable.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Session } from '../../cli/repl/session.js';

async function ok(s: Session, input: string): Promise<string> {
  const r = await s.run(input);
  expect(r.ok, r.output).toBe(true);
  return r.output;
}

async function fails(s: Session, input: string): Promise<string> {
  const r = await s.run(input);
  expect(r.ok, r.output).toBe(false);
  expect(r.output).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/); // never a stack trace
  return r.output;
}

const values = (s: Session, name: string) => Array.from(s.bindings.get(name)!.data);

describe('bindings', () => {
  it('literals: integers give int32, any float float64, rows must agree', async () => {
    const s = new Session();
    expect(await ok(s, 'x = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]')).toBe('');
    expect(await ok(s, 'y = [2, 0]')).toBe('');
    expect(await ok(s, 'k = 3')).toBe('');
    expect(await ok(s, 'e = [1e3, -2]')).toBe('');
    expect(s.bindings.get('x')!.data).toBeInstanceOf(Float64Array);
    expect(s.bindings.get('x')!.shape).toEqual([2, 3]);
    expect(s.bindings.get('y')!.data).toBeInstanceOf(Int32Array);
    expect(s.bindings.get('k')).toEqual({ data: Int32Array.of(3), shape: [] });
    expect(s.bindings.get('e')!.data).toEqual(Float64Array.of(1000, -2));
    expect(await ok(s, 'y')).toBe('tensor([2, 0], shape=[2], dtype=int32)');
    expect(await fails(s, '[[1, 2], [3]]')).toBe(
      ['<repl>:1:10: error LD4102: A tensor literal must be rectangular and hold numbers: expected 2 entries here, as in the first row, but found 1', '1 | [[1, 2], [3]]', '             ^^^'].join('\n'),
    );
    expect(await fails(s, 'w = [1, x]')).toMatch(/LD4102.*\n1 \| w = \[1, x\]\n {12}\^/);
  });

  it('constructors follow PyTorch and replay from the seed', async () => {
    const s = new Session({ seed: 7 });
    await ok(s, 'a = randn(3, 5)');
    await ok(s, 'b = randn([3, 5])');
    await ok(s, 'u = rand(1000)');
    await ok(s, 'i = randint(5, [3])');
    await ok(s, 'j = randint(2, 4, [200])');
    await ok(s, 'z = zeros(2, 2, dtype="float32")');
    await ok(s, 'o = ones(3)');
    await ok(s, 'r = arange(5)');
    await ok(s, 'q = arange(0, 1, 0.25)');
    await ok(s, 'l = linspace(-1, 1, 5)');
    expect(s.bindings.get('a')!.shape).toEqual([3, 5]);
    expect(values(s, 'a')).not.toEqual(values(s, 'b'));
    expect(values(s, 'u').every((v) => v >= 0 && v < 1)).toBe(true);
    expect(s.bindings.get('i')!.data).toBeInstanceOf(Int32Array);
    expect(values(s, 'i').every((v) => v >= 0 && v < 5)).toBe(true);
    expect(new Set(values(s, 'j'))).toEqual(new Set([2, 3]));
    expect(s.bindings.get('z')).toEqual({ data: new Float32Array(4), shape: [2, 2] });
    expect(values(s, 'o')).toEqual([1, 1, 1]);
    expect(s.bindings.get('r')).toEqual({ data: Int32Array.of(0, 1, 2, 3, 4), shape: [5] });
    expect(s.bindings.get('q')).toEqual({ data: Float64Array.of(0, 0.25, 0.5, 0.75), shape: [4] });
    expect(values(s, 'l')).toEqual([-1, -0.5, 0, 0.5, 1]);

    const again = new Session({ seed: 7 });
    await ok(again, 'a = randn(3, 5)');
    expect(values(again, 'a')).toEqual(values(s, 'a'));
    await ok(again, ':seed 8');
    await ok(again, 'c = randn(3, 5)');
    expect(values(again, 'c')).not.toEqual(values(s, 'a'));
  });

  it('randn draws standard normal samples', async () => {
    const s = new Session();
    await ok(s, 'n = randn(20000)');
    const v = values(s, 'n');
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(sd - 1)).toBeLessThan(0.03);
  });

  it('constructor mistakes point at the argument', async () => {
    const s = new Session();
    expect(await fails(s, 'randn(3, -1)')).toMatch(/^<repl>:1:10: error LD4101: 'randn' expects sizes as non-negative integers.*\n1 \| randn\(3, -1\)\n {13}\^\^$/);
    expect(await fails(s, 'randint(5)')).toMatch(/LD4101: 'randint' expects randint\(high, \[sizes\]\)/);
    expect(await fails(s, 'zeros(100000, 100000)')).toMatch(/at most 16777216 elements/);
    expect(await fails(s, 'ones(2, device="cuda")')).toMatch(/LD4101.*dtype=/);
    expect(await fails(s, 'arange(0, 1, 0)')).toMatch(/non-zero step/);
  });

  it('a name that is already a function cannot be bound', async () => {
    const s = new Session();
    expect(await fails(s, 'exp = [1.0]')).toMatch(/^<repl>:1:1: error LD4103: 'exp' is already a built-in function/);
    expect(await fails(s, 'mse_loss = [1.0]')).toMatch(/a standard-library loss/);
    expect(await fails(s, 'mish = [1.0]')).toMatch(/a prelude function/);
    await ok(s, 'def sq(a) = a * a');
    expect(await fails(s, 'sq = [1.0]')).toMatch(/a function of this session/);
  });
});

describe('formulas', () => {
  it('evaluate built-ins, stdlib losses and custom formulas on the bindings', async () => {
    const s = new Session();
    await ok(s, 'x = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]');
    expect(await ok(s, 'mse_loss(x, x + 1, reduction="sum")')).toBe('tensor(6., dtype=float64)');
    expect(await ok(s, 'l1_loss(x, 2 * x)')).toBe('tensor(3.5000, dtype=float64)');
    expect(await ok(s, 'max(x, dim=1) - 2 * min(x, dim=1)')).toBe('tensor([ 1., -2.], shape=[2], dtype=float64)');
    await ok(s, 'm = mean(x, dim=0)');
    expect(s.bindings.get('m')).toEqual({ data: Float64Array.of(2.5, 3.5, 4.5), shape: [3] });
  });

  it('tensors can be written inside formulas; lists stay lists where a built-in wants dims', async () => {
    const s = new Session();
    await ok(s, 'x = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]');
    await ok(s, 'p = softmax(x, dim=1)');
    await ok(s, 'q = softmax(zeros(2, 3), dim=1)');
    expect(values(s, 'q').every((v) => Math.abs(v - 1 / 3) < 1e-15)).toBe(true);
    // KL(p || q) from the stdlib and by hand.
    const byHand = await ok(s, 'sum(p * (log(p) - log(q))) / 2');
    expect(await ok(s, 'kl_div(log(q), p, reduction="batchmean")')).toBe(byHand);
    expect(await ok(s, 'x * [1.0, 0.0, -1.0]')).toBe('tensor([[ 1.,  0., -3.],\n        [ 4.,  0., -6.]], shape=[2, 3], dtype=float64)');
    expect(await ok(s, 'mse_loss(x, [1.0, 2.0, 3.0])')).toBe('tensor(4.5000, dtype=float64)');
    expect(await ok(s, 'pick(x, [1, 1])')).toBe('tensor([2., 5.], shape=[2], dtype=float64)');
    expect(await ok(s, 'sum(x, dim=[0, 1])')).toBe('tensor(21., dtype=float64)');
    expect((await ok(s, 'reshape(x, [3, 2])')).endsWith('shape=[3, 2], dtype=float64)')).toBe(true);
    // The caret covers the literal as typed, not the name it was given.
    expect(await fails(s, 'x + [1.0, 2.0]')).toMatch(/LD2010.*\n1 \| x \+ \[1\.0, 2\.0\]\n {4}\^{14}$/);
  });

  it('an unknown name is reported with a caret, and the session goes on', async () => {
    const s = new Session();
    expect(await fails(s, 'mean(q)')).toBe(['<repl>:1:6: error LD4107: Unknown name \'q\': bind it first, as in q = randn(3)', '1 | mean(q)', '         ^'].join('\n'));
    await ok(s, 'x = [1.0, 2.0]');
    expect(await fails(s, 'mean(x) + xx')).toBe(["<repl>:1:11: error LD4107: Unknown name 'xx' (did you mean 'x'?)", '1 | mean(x) + xx', '              ^^'].join('\n'));
    expect(await fails(s, 'sum(x) + nothing_like_it')).toMatch(/\(bindings: x\)/);
    expect(await fails(s, 'mean(x')).toMatch(/^<repl>:1:\d+: error LD1004/);
    expect(await ok(s, 'mean(x)')).toBe('tensor(1.5000, dtype=float64)');
  });

  it('errors in a multi-line input name the line', async () => {
    const s = new Session();
    await ok(s, 'x = [1.0, 2.0]');
    expect(await fails(s, 'sum(x,\n    dimm=0)')).toMatch(/^<repl>:2:5: error LD2004: .*\n2 \|     dimm=0\)\n {8}\^\^\^\^$/);
  });

  it('defs are kept for the session, checked when typed, and can be redefined', async () => {
    const s = new Session();
    await ok(s, 'x = [1.0, -2.0]');
    expect(await ok(s, 'def sq(a) = a * a')).toBe('');
    expect(await ok(s, 'sum(sq(x))')).toBe('tensor(5., dtype=float64)');
    expect(await fails(s, 'def bad(a) = a + q')).toBe(["def bad:1:18: error LD2001: Unknown name 'q'", '1 | def bad(a) = a + q', '                     ^'].join('\n'));
    expect(await fails(s, 'bad(x)')).toMatch(/Unknown function 'bad'/);
    await ok(s, 'def sq(a) = a * a * a');
    expect(await ok(s, 'sum(sq(x))')).toBe('tensor(-7., dtype=float64)');
    expect(await ok(s, 'def twice(a) = 2 * a  sum(twice(x))')).toBe('tensor(-2., dtype=float64)');
    expect(await fails(s, 'def x(a) = a')).toMatch(/'x' is already a tensor binding/);
    expect(await ok(s, 'loss scaled(a, b; k = 1) = k * mean(abs(a - b))')).toBe('');
    expect(await ok(s, 'scaled(x, 0 * x, k=2)')).toBe('tensor(3., dtype=float64)');
    expect(await fails(s, 'loss worse(a; k = 1) = k * a + r')).toMatch(/^loss worse:1:32: error LD2001: Unknown name 'r'/);
  });

  it(':load makes a file\'s losses and defs callable; its errors name the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lossc-repl-'));
    writeFileSync(join(dir, 'mine.loss'), '# Scaled L1.\nloss scaled_l1(a, b; scale = 1) = scale * mean(abs(a - b))\n\ndef half(v) = v / 2\n');
    writeFileSync(join(dir, 'broken.loss'), 'loss oops(a) =\n  mean(a) + nope\n');
    const s = new Session({ cwd: dir });
    await ok(s, 'x = [1.0, 2.0]');
    expect(await ok(s, ':load mine.loss')).toBe('loaded mine.loss: loss scaled_l1(a, b); def half(v)');
    expect(await ok(s, 'scaled_l1(x, x + 1, scale=3)')).toBe('tensor(3., dtype=float64)');
    expect(await ok(s, 'half(x)')).toBe('tensor([0.5000, 1.0000], shape=[2], dtype=float64)');
    expect(await fails(s, ':load broken.loss')).toBe(["broken.loss:2:13: error LD2001: Unknown name 'nope'", '2 |   mean(a) + nope', '                ^^^^'].join('\n'));
    expect(await fails(s, ':load missing.loss')).toMatch(/^error LD4002: Cannot read 'missing.loss'/);
    expect(await fails(s, ':load')).toMatch(/LD4105: Usage: :load file.loss/);
  });
});

describe(':grad', () => {
  it('prints the value and the gradient', async () => {
    const s = new Session();
    await ok(s, 'x = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]');
    expect(await ok(s, ':grad mean(x^2) wrt x')).toBe(
      ['value = tensor(15.1667, dtype=float64)', 'grad x = tensor([[0.3333, 0.6667, 1.0000],', '                 [1.3333, 1.6667, 2.0000]], shape=[2, 3], dtype=float64)'].join('\n'),
    );
  });

  it('differentiates every float input by default, a non-scalar value through its sum', async () => {
    const s = new Session();
    await ok(s, 'a = [1.0, 2.0]');
    await ok(s, 'b = [3.0, 5.0]');
    await ok(s, 'i = [1, 0]');
    const out = await ok(s, ':grad a * b + i');
    expect(out.split('\n')[0]).toBe('(the value has shape [2]: these are the gradients of its sum)');
    expect(out).toContain('grad a = tensor([3., 5.], shape=[2], dtype=float64)');
    expect(out).toContain('grad b = tensor([1., 2.], shape=[2], dtype=float64)');
    expect(out).not.toContain('grad i');
    expect(await ok(s, ':grad sum(a * b) wrt b')).not.toContain('grad a');
  });

  it('names an unknown wrt name at its place', async () => {
    const s = new Session();
    await ok(s, 'x = [1.0]');
    expect(await fails(s, ':grad mean(x^2) wrt x, q')).toBe(["<repl>:1:24: error LD4107: Unknown name 'q' (the formula's inputs: x)", '1 | :grad mean(x^2) wrt x, q', '                           ^'].join('\n'));
    expect(await fails(s, ':grad [1.0, 2.0]')).toMatch(/not a constant tensor/);
  });
});

describe(':explain and :code', () => {
  it('shows the stabilizing rewrite of log(softmax(x))', async () => {
    const s = new Session();
    await ok(s, 'x = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]');
    const out = await ok(s, ':explain log(softmax(x, dim=1))');
    expect(out).toMatch(/local_log\w*/);
    expect(out).toContain('x - logsumexp(x, dim=1, keepdim=true)');
    expect(out).toContain('inputs: x float [2, 3]');
    // Positions are the typed line's columns: `log` starts at column 10 of ':explain log(…'.
    expect(out).toMatch(/ at 1:10\b/);
  });

  it('positions stay those of the typed line when session defs come first', async () => {
    const s = new Session();
    await ok(s, 'def unused(a) = a');
    await ok(s, 'x = [[1.0, 2.0], [3.0, 4.0]]');
    expect(await ok(s, ':explain log(softmax(x, dim=1))')).toMatch(/ at 1:10\b/);
  });

  it('guesses example shapes for unbound inputs', async () => {
    const s = new Session();
    const out = await ok(s, ':explain log(1 + exp(z))');
    expect(out.split('\n')[0]).toBe('(no binding for z: explained for example shapes)');
    expect(out).toContain('softplus');
  });

  it(':code prints the generated function', async () => {
    const s = new Session();
    await ok(s, 'x = [1.0, 2.0]');
    const out = await ok(s, ':code mean(x^2)');
    expect(out).toMatch(/function run\(/);
    expect(out).not.toContain('== ');
  });
});

describe(':plot in the terminal', () => {
  it('draws f and its derivative with axes and a legend', async () => {
    const s = new Session({ columns: 60 });
    const out = await ok(s, ':plot t * tanh(softplus(t)) -4 4 --grad');
    const lines = out.split('\n');
    expect(lines[0]!.trim()).toBe('t * tanh(softplus(t))');
    expect(out).toMatch(/[\u2801-\u28ff]/); // Braille dots
    expect(out).toContain('•'); // the derivative, without color
    expect(out).toMatch(/└[─┬]+/);
    expect(out).toContain("f(t)   •• f'(t)   (t from -4 to 4)");
    expect(lines.every((l) => [...l].length <= 60)).toBe(true);
  });

  it('uses the bindings and reports what cannot be plotted', async () => {
    const s = new Session();
    await ok(s, 'm = 1.5');
    expect(await ok(s, ':plot max(0, m - t)')).toContain('(t from -5 to 5)');
    expect(await fails(s, ':plot 2 * m')).toMatch(/LD4106: Cannot plot 2 \* m: it does not use t/);
    expect(await fails(s, ':plot mean(t)')).toMatch(/its value has shape \[\]/);
    expect(await fails(s, ':plot t 3 1')).toMatch(/the range needs from < to/);
    expect(await fails(s, ':plot t * k')).toMatch(/Unknown name 'k'/);
  });
});

describe('commands', () => {
  it(':vars, :precision, :help, :quit and unknown commands', async () => {
    const s = new Session();
    expect(await ok(s, ':vars')).toBe('(nothing defined yet)');
    await ok(s, 'x = [1.0, 2.0]');
    await ok(s, 'def f(a) = a + 1');
    expect(await ok(s, ':vars')).toBe('x: float64 [2]\ndef f(a) = a + 1');
    await ok(s, ':precision 2');
    expect(await ok(s, 'x / 3')).toBe('tensor([0.33, 0.67], shape=[2], dtype=float64)');
    expect(await fails(s, ':precision many')).toMatch(/Usage: :precision N/);
    const help = await ok(s, ':help');
    for (const c of ['grad', 'explain', 'code', 'plot', 'load', 'backend', 'check', 'quit']) expect(help).toContain(`:${c}`);
    expect((await s.run(':quit')).quit).toBe(true);
    expect(await fails(s, ':frobnicate')).toMatch(/^<repl>:1:1: error LD4104: Unknown command ':frobnicate' \(commands: :grad/);
  });

  it('comments and blank inputs do nothing', async () => {
    const s = new Session();
    expect(await ok(s, '   ')).toBe('');
    expect(await ok(s, '# a note')).toBe('');
  });

  it(':backend switches only to a backend that works', async () => {
    const s = new Session();
    await ok(s, 'x = [1.0, 2.0]');
    expect(await ok(s, ':backend')).toBe('backend: js');
    expect(await fails(s, ':backend cuda')).toMatch(/Usage: :backend/);
    const r = await s.run(':backend gpu.js cpu');
    if (r.ok) {
      expect(r.output).toBe('backend: gpu.js (cpu)');
      expect(await ok(s, 'sum(x * x)')).toBe('tensor(5., dtype=float64)');
    } else {
      expect(r.output).toMatch(/LD4109: The gpu.js backend is not available: .*\(keeping js\)/);
      expect(await ok(s, ':backend')).toBe('backend: js');
    }
  });

  it(':check turns anomaly mode on only where the compiler has it', async () => {
    const s = new Session();
    await ok(s, 'def unused(a) = a');
    await ok(s, 'x = [-1.0, 1.0]');
    const r = await s.run(':check on');
    if (r.ok) {
      expect(r.output).toMatch(/^anomaly check: on/);
      // The report's own position is the typed line's, not the joined source's (the def is line 1 there).
      expect(await fails(s, 'log(x)')).toMatch(/^<repl>:1:1: .*\blog\(x\) at 1:1\b.*\n1 \| log\(x\)\n    \^/);
      expect(await ok(s, ':check off')).toBe('anomaly check: off');
      expect(await ok(s, 'log(x)')).toContain('nan');
    } else {
      expect(r.output).toMatch(/LD4109: The anomaly check is not available/);
    }
  });
});
