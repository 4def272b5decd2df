// Renders a fused schedule as the source of one plain-JS function.
// Loops run over typed arrays with shapes baked in as constants; every elementwise chain is
// inlined into the loop that reads it (shared subexpressions become `const` temporaries in
// the loop body), reductions accumulate in float64 locals, row statistics live in small
// scratch buffers allocated once per instantiation. Identifiers are generated and numbers
// are emitted canonically: no user text can reach the generated code.
//
// The function is `run(in0, …, out0, …)`; inputs are typed arrays in `inputs` order, outputs
// are caller-allocated typed arrays. Index errors call `fail(site, value, position)`, which
// the runtime turns into a LossError; the factory receives `fail` once.

import type { Node, Shape } from '../ir.js';
import { numel } from '../ir.js';
import { opInfo } from '../ops.js';
import { MATH_PRELUDE_JS } from '../mathlib.js';
import { isLeaf, type Group, type Kernel, type Schedule } from '../schedule.js';

export function numLit(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '(-Infinity)';
  if (Object.is(v, -0)) return '(-0)';
  const s = String(v);
  return v < 0 ? `(${s})` : s;
}

const strides = (shape: Shape): number[] => {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
};

/** `i0 * 12 + i1`, skipping zero indices and size-1 dims. */
function offsetExpr(shape: Shape, idx: readonly string[]): string {
  const st = strides(shape);
  const terms: string[] = [];
  idx.forEach((v, d) => {
    if (shape[d] === 1 || v === '0') return;
    terms.push(st[d] === 1 ? v : `${v} * ${st[d]}`);
  });
  return terms.length ? terms.join(' + ') : '0';
}

/** Operand index for NumPy broadcasting (shapes right-aligned, size-1 dims read at 0). */
function broadcastIdx(idx: readonly string[], outShape: Shape, argShape: Shape): string[] {
  const lead = outShape.length - argShape.length;
  return argShape.map((d, j) => (d === 1 ? '0' : idx[j + lead]!));
}

export interface IndexSite {
  node: Node;
  limit: number;
}

export interface JsKernelSource {
  /** Body of the factory: `new Function('fail', source)` returns run(). */
  source: string;
  /** Index sites, by the number passed to fail(). */
  sites: IndexSite[];
}

interface Scope {
  lines: string[];
  cache: Map<string, string>;
  flat?: string; // flat loop variable when the loop is one flat pass
  indent: string;
}

export function generateJs(sched: Schedule, inputs: Node[], outputs: Node[]): JsKernelSource {
  const storage = new Map<Node, string>();
  const scalars = new Set<Node>();
  const scratch: string[] = [];
  const sites: IndexSite[] = [];
  let tempId = 0;
  inputs.forEach((n, i) => storage.set(n, `in${i}`));
  outputs.forEach((n, j) => {
    if (!storage.has(n) && sched.materialized.has(n) && n.shape.length > 0) storage.set(n, `out${j}`);
  });
  let bufId = 0;
  for (const n of sched.materialized) {
    if (storage.has(n)) continue;
    if (n.shape.length === 0) {
      storage.set(n, `r${bufId++}`);
      scalars.add(n);
    } else {
      const name = `b${bufId++}`;
      storage.set(n, name);
      scratch.push(`const ${name} = new Float64Array(${numel(n.shape)});`);
    }
  }

  const temp = (s: Scope, expr: string): string => {
    const name = `t${tempId++}`;
    s.lines.push(`${s.indent}const ${name} = ${expr};`);
    return name;
  };

  /** Reads a stored node at a multi-index (or the flat index). */
  const read = (n: Node, idx: readonly string[] | undefined, s: Scope): string => {
    const name = storage.get(n)!;
    if (scalars.has(n)) return name;
    if (n.shape.length === 0 || numel(n.shape) === 1) return `${name}[0]`;
    if (idx === undefined) return `${name}[${s.flat}]`;
    return `${name}[${offsetExpr(n.shape, idx)}]`;
  };

  /** Expression for n at idx, emitting temporaries into s. idx undefined = flat loop. */
  const ex = (n: Node, idx: readonly string[] | undefined, s: Scope, self?: Node): string => {
    if (n.op === 'const') return numLit(n.attrs.value!);
    if (n !== self && storage.has(n)) return read(n, idx, s);
    const key = `${n.id}@${idx ? idx.join(',') : '~'}`;
    const hit = s.cache.get(key);
    if (hit) return hit;
    let out: string;
    const sub = (a: Node, i: readonly string[] | undefined) => ex(a, i, s);
    switch (n.op) {
      case 'iota':
        out = idx![n.attrs.axis!]!;
        break;
      case 'expand':
        out = sub(n.args[0]!, idx && broadcastIdx(idx, n.shape, n.args[0]!.shape));
        break;
      case 'permute': {
        const perm = n.attrs.perm!;
        const xi = new Array<string>(perm.length);
        perm.forEach((p, i) => (xi[p] = idx![i]!));
        out = sub(n.args[0]!, xi);
        break;
      }
      case 'reshape':
        out = sub(n.args[0]!, idx && reshapeIdx(idx, n.shape, n.args[0]!.shape, s));
        break;
      case 'gather': {
        const [x, ix] = n.args as [Node, Node];
        const axis = n.attrs.axis!;
        const g = checkedIndex(sub(ix, idx), x.shape[axis]!, n, idx!, s);
        out = sub(x, [...idx!.slice(0, axis), g, ...idx!.slice(axis)]);
        break;
      }
      case 'take': {
        const [x, ix] = n.args as [Node, Node];
        const q = ix.shape.length;
        const row = checkedIndex(sub(ix, idx!.slice(0, q)), x.shape[0]!, n, idx!, s);
        out = sub(x, [row, ...idx!.slice(q)]);
        break;
      }
      default: {
        const info = opInfo(n.op);
        if (info.kind !== 'elementwise') throw new Error(`internal: ${n.op} is not inlinable`);
        const args = n.args.map((a) => sub(a, idx && broadcastIdx(idx, n.shape, a.shape)));
        if (n.op === 'pow' && n.args[1]!.op === 'const' && n.args[1]!.attrs.value === 2) out = `(${args[0]} * ${args[0]})`;
        else out = info.js!(...args);
        if (n.op === 'cast' || n.op === 'detach') {
          s.cache.set(key, out);
          return out;
        }
        out = temp(s, out);
      }
    }
    s.cache.set(key, out);
    return out;
  };

  const checkedIndex = (expr: string, limit: number, site: Node, idx: readonly string[], s: Scope): string => {
    const v = temp(s, expr);
    sites.push({ node: site, limit });
    s.lines.push(`${s.indent}if (!(${v} >= 0 && ${v} < ${limit})) fail(${sites.length - 1}, ${v}, [${idx.join(', ')}]);`);
    return v;
  };

  const reshapeIdx = (idx: readonly string[], outShape: Shape, inShape: Shape, s: Scope): string[] => {
    const a = outShape.filter((d) => d !== 1);
    const b = inShape.filter((d) => d !== 1);
    if (a.length === b.length && a.every((d, i) => d === b[i])) {
      // Only size-1 dims differ: pair the other dims in order.
      const kept = idx.filter((_, i) => outShape[i] !== 1);
      let k = 0;
      return inShape.map((d) => (d === 1 ? '0' : kept[k++]!));
    }
    const flat = temp(s, offsetExpr(outShape, idx) || '0');
    const st = strides(inShape);
    return inShape.map((d, j) => (d === 1 ? '0' : temp(s, `Math.floor(${flat} / ${st[j]}) % ${d}`)));
  };

  // ---- loops ----------------------------------------------------------------------------

  const body: string[] = [];
  for (const n of sched.materialized) if (scalars.has(n)) body.push(`let ${storage.get(n)} = 0;`);

  const isFlat = (group: Group): boolean => {
    if (group.kernels.some((k) => k.kind !== 'map' && k.kind !== 'reduce')) return false;
    if (group.reduced.length !== 0 && group.reduced.length !== group.loopShape.length) return false;
    const S = group.loopShape;
    const seen = new Set<Node>();
    const stack: Node[] = [];
    for (const k of group.kernels) stack.push(...(k.kind === 'map' ? [k.node] : k.node.args));
    while (stack.length) {
      const n = stack.pop()!;
      if (seen.has(n)) continue;
      seen.add(n);
      const stored = storage.has(n) && !group.kernels.some((k) => k.kind === 'map' && k.node === n);
      if (stored || n.op === 'const' || n.op === 'input') {
        if (n.op !== 'const' && numel(n.shape) !== 1 && !sameShapeArr(n.shape, S)) return false;
        continue;
      }
      if (opInfo(n.op).kind !== 'elementwise') return false;
      stack.push(...n.args);
    }
    return true;
  };

  const accInit: Record<string, string> = { sum: '0', norm: '0', prod: '1', amax: '-Infinity', amin: 'Infinity' };
  const accStep = (k: Kernel, acc: string, v: string): string => {
    switch (k.node.op) {
      case 'sum':
        return `${acc} += ${v};`;
      case 'prod':
        return `${acc} *= ${v};`;
      case 'amax':
        return `${acc} = ${v} > ${acc} || ${v} !== ${v} ? ${v} : ${acc};`;
      case 'amin':
        return `${acc} = ${v} < ${acc} || ${v} !== ${v} ? ${v} : ${acc};`;
      case 'norm': {
        const p = k.node.attrs.p!;
        return p === 2 ? `${acc} += ${v} * ${v};` : `${acc} += Math.pow(Math.abs(${v}), ${numLit(p)});`;
      }
      default:
        throw new Error(`internal: no accumulator for ${k.node.op}`);
    }
  };
  const accFinal = (k: Kernel, acc: string): string => {
    if (k.node.op !== 'norm') return acc;
    const p = k.node.attrs.p!;
    return p === 2 ? `Math.sqrt(${acc})` : `Math.pow(${acc}, ${numLit(1 / p)})`;
  };
  // amax propagates NaN: once NaN, `v > NaN` is false but `v !== v` only catches new NaNs.
  const accStepSafe = (k: Kernel, acc: string, v: string) =>
    k.node.op === 'amax' || k.node.op === 'amin' ? `if (${acc} === ${acc}) ${accStep(k, acc, v)}` : accStep(k, acc, v);

  const store = (n: Node, idx: readonly string[] | undefined, s: Scope, value: string) => {
    if (scalars.has(n)) {
      s.lines.push(`${s.indent}${storage.get(n)} = ${value};`);
      return;
    }
    const name = storage.get(n)!;
    const off = idx === undefined ? s.flat! : offsetExpr(n.shape, idx);
    s.lines.push(`${s.indent}${name}[${off}] = ${value};`);
  };

  const loopVar = (d: number) => `i${d}`;

  for (const group of sched.groups) {
    const k0 = group.kernels[0]!;
    body.push(`// ${group.kernels.map((k) => `${k.kind} ${k.node.op}#${k.node.id} [${k.node.shape.join(', ')}]`).join('; ')}`);
    if (k0.kind === 'matmul') {
      body.push(...matmulLoops(k0));
      continue;
    }
    if (k0.kind === 'index_add') {
      body.push(...indexAddLoops(k0));
      continue;
    }
    if (k0.kind === 'logsumexp') {
      body.push(...logsumexpLoops(k0));
      continue;
    }
    const S = group.loopShape;
    const full = group.reduced.length === 0 || group.reduced.length === S.length;
    const accs = new Map<Kernel, string>();
    if (full) {
      for (const k of group.kernels) {
        if (k.kind !== 'reduce') continue;
        const acc = `a${tempId++}`;
        accs.set(k, acc);
        body.push(`let ${acc} = ${accInit[k.node.op]};`);
      }
      const s: Scope = { lines: [], cache: new Map(), indent: '  ' };
      let idx: string[] | undefined;
      if (isFlat(group)) {
        s.flat = 'i';
        body.push(`for (let i = 0; i < ${numel(S)}; i++) {`);
      } else {
        idx = S.map((_, d) => loopVar(d));
        S.forEach((n, d) => body.push(`${'  '.repeat(d)}for (let ${loopVar(d)} = 0; ${loopVar(d)} < ${n}; ${loopVar(d)}++) {`));
        s.indent = '  '.repeat(S.length + 1);
      }
      for (const k of group.kernels) {
        if (k.kind === 'map') store(k.node, idx, s, ex(k.node, idx, s, k.node));
        else s.lines.push(`${s.indent}${accStepSafe(k, accs.get(k)!, ex(k.node.args[0]!, idx, s))}`);
      }
      body.push(...s.lines);
      const depth = idx ? S.length : 1;
      for (let d = depth - 1; d >= 0; d--) body.push(`${'  '.repeat(d)}}`);
      for (const [k, acc] of accs) {
        const s2: Scope = { lines: [], cache: new Map(), indent: '' };
        store(k.node, k.node.shape.map(() => '0'), s2, accFinal(k, acc));
        body.push(...s2.lines);
      }
      continue;
    }
    // Partial reductions: kept dims outside, reduced dims inside.
    const kept = S.map((_, d) => d).filter((d) => !group.reduced.includes(d));
    kept.forEach((d, j) => body.push(`${'  '.repeat(j)}for (let ${loopVar(d)} = 0; ${loopVar(d)} < ${S[d]}; ${loopVar(d)}++) {`));
    const ind = '  '.repeat(kept.length);
    for (const k of group.kernels) {
      const acc = `a${tempId++}`;
      accs.set(k, acc);
      body.push(`${ind}let ${acc} = ${accInit[k.node.op]};`);
    }
    group.reduced.forEach((d, j) => body.push(`${ind}${'  '.repeat(j)}for (let ${loopVar(d)} = 0; ${loopVar(d)} < ${S[d]}; ${loopVar(d)}++) {`));
    const s: Scope = { lines: [], cache: new Map(), indent: ind + '  '.repeat(group.reduced.length) };
    const idx = S.map((_, d) => loopVar(d));
    for (const k of group.kernels) s.lines.push(`${s.indent}${accStepSafe(k, accs.get(k)!, ex(k.node.args[0]!, idx, s))}`);
    body.push(...s.lines);
    for (let j = group.reduced.length - 1; j >= 0; j--) body.push(`${ind}${'  '.repeat(j)}}`);
    for (const k of group.kernels) {
      const s2: Scope = { lines: [], cache: new Map(), indent: ind };
      store(k.node, reducedOutIdx(k.node, idx), s2, accFinal(k, accs.get(k)!));
      body.push(...s2.lines);
    }
    for (let j = kept.length - 1; j >= 0; j--) body.push(`${'  '.repeat(j)}}`);
  }

  function reducedOutIdx(n: Node, idx: readonly string[]): string[] {
    const dims = n.attrs.dims!;
    return n.attrs.keepdim ? idx.map((v, d) => (dims.includes(d) ? '0' : v)) : idx.filter((_, d) => !dims.includes(d));
  }

  function logsumexpLoops(k: Kernel): string[] {
    const n = k.node;
    const x = n.args[0]!;
    const S = x.shape;
    const dims = n.attrs.dims!;
    const kept = S.map((_, d) => d).filter((d) => !dims.includes(d));
    const lines: string[] = [];
    kept.forEach((d, j) => lines.push(`${'  '.repeat(j)}for (let ${loopVar(d)} = 0; ${loopVar(d)} < ${S[d]}; ${loopVar(d)}++) {`));
    const ind = '  '.repeat(kept.length);
    const idx = S.map((_, d) => loopVar(d));
    const m = `m${tempId++}`;
    const acc = `a${tempId++}`;
    const inner = (stmt: (v: string) => string) => {
      dims.forEach((d, j) => lines.push(`${ind}${'  '.repeat(j)}for (let ${loopVar(d)} = 0; ${loopVar(d)} < ${S[d]}; ${loopVar(d)}++) {`));
      const s: Scope = { lines: [], cache: new Map(), indent: ind + '  '.repeat(dims.length) };
      const v = ex(x, idx, s);
      lines.push(...s.lines, `${s.indent}${stmt(v)}`);
      for (let j = dims.length - 1; j >= 0; j--) lines.push(`${ind}${'  '.repeat(j)}}`);
    };
    // Max-shifted: log Σ exp(x - m) + m. A row whose max is ±inf or NaN has that logsumexp.
    lines.push(`${ind}let ${m} = -Infinity;`);
    inner((v) => `if (${v} > ${m} || ${v} !== ${v}) ${m} = ${v};`);
    lines.push(`${ind}let ${acc} = 0;`);
    lines.push(`${ind}if (${m} - ${m} === 0) {`);
    inner((v) => `${acc} += Math.exp(${v} - ${m});`);
    lines.push(`${ind}}`);
    const s2: Scope = { lines: [], cache: new Map(), indent: ind };
    store(n, reducedOutIdx(n, idx), s2, `${m} - ${m} === 0 ? ${m} + Math.log(${acc}) : ${m}`);
    lines.push(...s2.lines);
    for (let j = kept.length - 1; j >= 0; j--) lines.push(`${'  '.repeat(j)}}`);
    return lines;
  }

  function matmulLoops(k: Kernel): string[] {
    const n = k.node;
    const [a, b] = n.args as [Node, Node];
    const r = n.shape.length;
    const K = a.shape[r - 1]!;
    const lines: string[] = [];
    const idx = n.shape.map((_, d) => loopVar(d));
    n.shape.forEach((size, d) => lines.push(`${'  '.repeat(d)}for (let ${loopVar(d)} = 0; ${loopVar(d)} < ${size}; ${loopVar(d)}++) {`));
    const ind = '  '.repeat(r);
    const acc = `a${tempId++}`;
    lines.push(`${ind}let ${acc} = 0;`);
    lines.push(`${ind}for (let p = 0; p < ${K}; p++) {`);
    const s: Scope = { lines: [], cache: new Map(), indent: ind + '  ' };
    const batch = idx.slice(0, r - 2);
    const av = ex(a, [...batch, idx[r - 2]!, 'p'], s);
    const bv = ex(b, [...batch, 'p', idx[r - 1]!], s);
    lines.push(...s.lines, `${s.indent}${acc} += ${av} * ${bv};`, `${ind}}`);
    const s2: Scope = { lines: [], cache: new Map(), indent: ind };
    store(n, idx, s2, acc);
    lines.push(...s2.lines);
    for (let d = r - 1; d >= 0; d--) lines.push(`${'  '.repeat(d)}}`);
    return lines;
  }

  function indexAddLoops(k: Kernel): string[] {
    const n = k.node;
    const [g, ix] = n.args as [Node, Node];
    const out = storage.get(n)!;
    const lines: string[] = [`${out}.fill(0);`];
    const idx = g.shape.map((_, d) => loopVar(d));
    g.shape.forEach((size, d) => lines.push(`${'  '.repeat(d)}for (let ${loopVar(d)} = 0; ${loopVar(d)} < ${size}; ${loopVar(d)}++) {`));
    const q = ix.shape.length;
    const s: Scope = { lines: [], cache: new Map(), indent: '  '.repeat(g.shape.length) };
    const row = checkedIndex(ex(ix, idx.slice(0, q), s), n.shape[0]!, n, idx, s);
    const v = ex(g, idx, s);
    s.lines.push(`${s.indent}${out}[${offsetExpr(n.shape, [row, ...idx.slice(q)])}] += ${v};`);
    lines.push(...s.lines);
    for (let d = g.shape.length - 1; d >= 0; d--) lines.push(`${'  '.repeat(d)}}`);
    return lines;
  }

  // Results that are not computed by a kernel of their own: leaves, and a node that is two results.
  outputs.forEach((n, j) => {
    const target = `out${j}`;
    if (storage.get(n) === target) return;
    if (scalars.has(n)) {
      body.push(`${target}[0] = ${storage.get(n)};`);
      return;
    }
    const s: Scope = { lines: [], cache: new Map(), indent: '  ', flat: 'i' };
    const size = numel(n.shape);
    if (storage.has(n)) {
      body.push(`for (let i = 0; i < ${size}; i++) ${target}[i] = ${storage.get(n)}[i];`);
    } else if (isLeaf(n) && n.op !== 'iota') {
      body.push(`for (let i = 0; i < ${size}; i++) {`);
      body.push(...s.lines, `  ${target}[i] = ${n.op === 'const' ? numLit(n.attrs.value!) : read(n, undefined, s)};`, '}');
    } else {
      throw new Error(`internal: result ${n.op} has no storage`);
    }
  });

  const params = [...inputs.map((_, i) => `in${i}`), ...outputs.map((_, j) => `out${j}`)];
  const source = [
    '"use strict";',
    MATH_PRELUDE_JS.trim(),
    ...scratch,
    `return function run(${params.join(', ')}) {`,
    ...body.map((l) => `  ${l}`),
    '};',
  ].join('\n');
  return { source, sites };
}

function sameShapeArr(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
