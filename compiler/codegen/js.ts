// Renders a schedule's loop plan (Schedule.nests) as the source of one plain-JS function.
// Loops run over typed arrays with shapes baked in as constants; every elementwise chain is
// inlined into the loop that reads it (shared subexpressions become `const` temporaries, and a
// temporary that does not change along the inner loop is hoisted to the row, or out of the
// loops altogether). Reductions accumulate in float64 locals; row statistics of a nest live in
// locals, and in small scratch buffers only when a later loop reads them. Scratch is allocated
// once per instantiation, never per call. Identifiers are generated and numbers are emitted
// canonically: no user text can reach the generated code.
//
// The function is `run(in0, …, out0, …)`; inputs are typed arrays in `inputs` order, outputs
// are caller-allocated typed arrays. Index errors call `fail(site, value, position)`, which
// the runtime turns into a LossError; the factory receives `fail` once.

import type { Node, Shape } from '../ir.js';
import { numel, strides } from '../ir.js';
import { opInfo } from '../ops.js';
import { isLeaf, peelViews, type Group, type Kernel, type Nest, type NestItem, type Schedule } from '../schedule.js';
import { HELPERS, mathCall, preludeFor, renderOp, type Dialect, type HelperName } from './jsops.js';

export type { Dialect } from './jsops.js';

export interface GenerateOptions {
  /** 'float32' when every result is float32: exp/log/log1p may then use the fast tables. */
  dialect?: Dialect;
  /**
   * How a size (a loop bound, stride, buffer length or index limit) is written: by default the
   * number itself; for export, an expression of the symbolic dims (compiler/symbolic.ts).
   */
  sizeText?: (size: number) => string;
}

/** Sizes written as numbers (the JIT's programs have concrete shapes). */
const literalSize = (size: number): string => String(size);

export function numLit(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '(-Infinity)';
  if (Object.is(v, -0)) return '(-0)';
  const s = String(v);
  return v < 0 ? `(${s})` : s;
}

/** Offset terms `i0 * 12`, `i1`, skipping zero indices and size-1 dims. */
function offsetTerms(shape: Shape, idx: readonly string[], sz: (size: number) => string): string[] {
  const st = strides(shape);
  const terms: string[] = [];
  idx.forEach((v, d) => {
    if (shape[d] === 1 || v === '0') return;
    terms.push(st[d] === 1 ? v : `${v} * ${sz(st[d]!)}`);
  });
  return terms;
}

const offsetTermsText = (shape: Shape, idx: readonly string[], sz: (size: number) => string) => offsetTerms(shape, idx, sz).join(' + ') || '0';

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
  /** The parts of `source`: helper functions, scratch buffers (per instantiation), `return function run`. */
  prelude: string;
  scratch: string[];
  run: string;
}

/**
 * Where generated statements go. Scopes nest: function body (level 0), a nest's row body
 * (level 1), an inner loop body (level 2). A temporary is emitted in the outermost scope
 * whose loop variables it uses, so loop-invariant work runs once.
 */
interface Scope {
  lines: string[];
  cache: Map<string, string>;
  indent: string;
  level: number;
  parent?: Scope;
  /** Flat loop variable when the loop is one flat pass. */
  flat?: string;
}

const ACC_INIT: Record<string, string> = { sum: '0', norm: '0', prod: '1', amax: '-Infinity', amin: 'Infinity' };

export function generateJs(sched: Schedule, inputs: Node[], outputs: Node[], opts: GenerateOptions = {}): JsKernelSource {
  const dialect: Dialect = opts.dialect ?? 'float64';
  const sz = opts.sizeText ?? literalSize;
  const offsetExpr = (shape: Shape, idx: readonly string[]) => offsetTermsText(shape, idx, sz);
  const storage = new Map<Node, string>();
  const scalars = new Set<Node>();
  const scratch: string[] = [];
  const sites: IndexSite[] = [];
  /** Scope level at which each generated name varies (loop variables and temporaries). */
  const varies = new Map<string, number>();
  /** Row statistics of the nest being rendered, by node: the local holding this row's value. */
  let rowVars = new Map<Node, string>();
  /** Softmax reuse: a logsumexp whose exp(x - max) values sit in a row buffer. */
  let softmax = new Map<Node, { buf: string; inv: string; inner: Shape }>();
  let tempId = 0;
  const fresh = (p: string) => `${p}${tempId++}`;

  inputs.forEach((n, i) => storage.set(n, `in${i}`));
  // A result is computed in its out buffer unless a later kernel reads it back or it is summed
  // into (index_add): an out buffer may be float32, and intermediates stay float64.
  const readBack = readByKernels(sched);
  outputs.forEach((n, j) => {
    if (storage.has(n) || !sched.materialized.has(n) || n.shape.length === 0) return;
    if (readBack.has(n) || n.op === 'index_add') return;
    storage.set(n, `out${j}`);
  });
  const local = new Set<Node>();
  for (const nest of sched.nests) for (const n of nest.local) local.add(n);
  let bufId = 0;
  for (const n of sched.materialized) {
    if (storage.has(n) || local.has(n)) continue;
    if (n.shape.length === 0) {
      storage.set(n, `r${bufId++}`);
      scalars.add(n);
    } else {
      const name = `b${bufId++}`;
      storage.set(n, name);
      scratch.push(`const ${name} = new Float64Array(${sz(numel(n.shape))});`);
    }
  }

  // ---- expressions ------------------------------------------------------------------------

  /** The scope level an expression varies at: that of the loop variables and temporaries it names. */
  const levels = new Map<string, number>();
  const levelOf = (code: string): number => {
    let lv = levels.get(code);
    if (lv !== undefined) return lv;
    lv = 0;
    for (const id of code.match(/[A-Za-z_$][\w$]*/g) ?? []) lv = Math.max(lv, varies.get(id) ?? 0);
    levels.set(code, lv);
    return lv;
  };
  /** A loop variable's level; names are reused by later loops, so memoized levels are dropped. */
  const setLoopVar = (name: string, level: number) => {
    if (varies.get(name) !== level) levels.clear();
    varies.set(name, level);
  };
  const levelOfAll = (codes: readonly string[]) => codes.reduce((m, c) => Math.max(m, levelOf(c)), 0);

  /** The scope a value of variance `level` belongs in: the outermost one at that level. */
  const home = (s: Scope, level: number): Scope => {
    let t = s;
    while (t.parent && t.parent.level >= level) t = t.parent;
    return t;
  };
  const lookup = (s: Scope, key: string): string | undefined => {
    for (let t: Scope | undefined = s; t; t = t.parent) {
      const hit = t.cache.get(key);
      if (hit) return hit;
    }
    return undefined;
  };
  /** A `const` temporary for expr, emitted in the scope its variance calls for (memoized by key). */
  const temp = (s: Scope, expr: string, level: number, key = `=${expr}`): string => {
    // The same expression text in a visible scope is the same value (temporaries are
    // constants), whichever node asked for it: a mask and a max share their comparison.
    const hit = lookup(s, key) ?? lookup(s, `=${expr}`);
    if (hit) return hit;
    const h = home(s, level);
    const name = fresh('t');
    h.lines.push(`${h.indent}const ${name} = ${expr};`);
    h.cache.set(key, name);
    h.cache.set(`=${expr}`, name);
    varies.set(name, h.level);
    return name;
  };

  /** Temporaries holding -y, by name: y (a helper that depends on |x| only is shared by x and -x). */
  const negOf = new Map<string, string>();
  const helperIn =
    (s: Scope) =>
    (name: HelperName, x: string): string => {
      const h = HELPERS[name];
      const base = h.even ? (negOf.get(x) ?? x) : x;
      return temp(s, h.expr(base, dialect, helperIn(s), letIn(s)), levelOf(base), `${name}(${base})`);
    };

  /** Emits a temporary in the scope its variables call for. */
  const letIn =
    (s: Scope) =>
    (expr: string): string =>
      temp(s, expr, levelOf(expr));

  /** Offset of a read at idx: the row-invariant part hoisted, the varying part inline. */
  const offset = (shape: Shape, idx: readonly string[], s: Scope): string => {
    const terms = offsetTerms(shape, idx, sz);
    if (terms.length === 0) return '0';
    const inv = terms.filter((t) => levelOf(t.split(' ')[0]!) < s.level);
    const vary = terms.filter((t) => levelOf(t.split(' ')[0]!) >= s.level);
    if (inv.length === 0 || vary.length === 0 || (inv.length === 1 && !inv[0]!.includes('*'))) return terms.join(' + ');
    const base = temp(s, inv.join(' + '), levelOfAll(inv.map((t) => t.split(' ')[0]!)));
    return `${base} + ${vary.join(' + ')}`;
  };

  /** Reads a stored node at a multi-index (or the flat index). */
  const read = (n: Node, idx: readonly string[] | undefined, s: Scope): string => {
    const row = rowVars.get(n);
    if (row) return row;
    const name = storage.get(n)!;
    if (scalars.has(n)) return name;
    if (n.shape.length === 0 || numel(n.shape) === 1) return `${name}[0]`;
    if (idx === undefined) return `${name}[${s.flat}]`;
    return `${name}[${offset(n.shape, idx, s)}]`;
  };

  const readLevel = (n: Node, idx: readonly string[] | undefined, s: Scope): number => {
    if (rowVars.has(n) || scalars.has(n) || numel(n.shape) === 1) return levelOf(rowVars.get(n) ?? '');
    if (idx === undefined) return s.level;
    return levelOfAll(idx.filter((_, d) => n.shape[d] !== 1));
  };

  /** Expression for n at idx, emitting temporaries. idx undefined = flat loop. */
  const ex = (n: Node, idx: readonly string[] | undefined, s: Scope, self?: Node): string => {
    if (n.op === 'const') return numLit(n.attrs.value!);
    if (n.op === 'size') return sz(n.attrs.value!);
    if (n !== self && (storage.has(n) || rowVars.has(n))) {
      const code = read(n, idx, s);
      const lv = readLevel(n, idx, s);
      // Element reads are named like any other value (so invariant ones are hoisted and
      // repeated ones shared); locals and scalars are names already.
      return code.includes('[') ? temp(s, code, lv) : code;
    }
    const key = `${n.id}@${idx ? idx.join(',') : '~'}`;
    const hit = lookup(s, key);
    if (hit) return hit;
    const sub = (a: Node, i: readonly string[] | undefined) => ex(a, i, s);
    let out: string;
    switch (n.op) {
      case 'iota':
        return idx![n.attrs.axis!]!;
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
        const reused = softmaxRead(n, idx, s);
        if (reused !== undefined) {
          out = reused;
          break;
        }
        const args = n.args.map((a) => sub(a, idx && broadcastIdx(idx, n.shape, a.shape)));
        if (n.op === 'cast' || n.op === 'detach') {
          out = args[0]!;
          break;
        }
        const lv = levelOfAll(args);
        let code: string;
        if (n.op === 'pow' && n.args[1]!.op === 'const' && n.args[1]!.attrs.value === 2) code = `(${args[0]} * ${args[0]})`;
        else if (n.op === 'div' && dialect === 'float32' && levelOf(args[1]!) < s.level) {
          // Division by a loop-invariant value: multiply by its reciprocal, taken once outside
          // the loop (about an ulp of float64 apart, invisible in a float32 result).
          code = `(${args[0]} * ${temp(s, `1 / ${args[1]}`, levelOf(args[1]!))})`;
        } else code = renderOp(n.op, args, { dialect, args: n.args, helper: helperIn(s), let: letIn(s) });
        out = temp(s, code, lv, key);
        if (n.op === 'neg') negOf.set(out, negOf.get(args[0]!) ?? args[0]!);
        return out;
      }
    }
    home(s, levelOf(out)).cache.set(key, out);
    return out;
  };

  const checkedIndex = (expr: string, limit: number, site: Node, idx: readonly string[], s: Scope): string => {
    const lv = levelOf(expr);
    const key = `check ${limit} ${expr}`;
    const hit = lookup(s, key);
    if (hit) return hit;
    const v = temp(s, expr, lv, key);
    const h = home(s, lv);
    sites.push({ node: site, limit });
    // The reported position uses the loop variables visible where the check runs.
    const pos = idx.map((i) => (levelOf(i) <= h.level ? i : '0'));
    h.lines.push(`${h.indent}if (!(${v} >= 0 && ${v} < ${sz(limit)})) fail(${sites.length - 1}, ${v}, [${pos.join(', ')}], ${sz(limit)});`);
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
    const lv = levelOfAll(idx);
    const flat = temp(s, offsetExpr(outShape, idx), lv);
    const st = strides(inShape);
    return inShape.map((d, j) => (d === 1 ? '0' : temp(s, `Math.floor(${flat} / ${sz(st[j]!)}) % ${sz(d)}`, lv)));
  };

  /** exp(x - lse) inside a nest whose logsumexp pass kept exp(x - max): that value times 1/sum. */
  const softmaxRead = (n: Node, idx: readonly string[] | undefined, s: Scope): string | undefined => {
    if (!idx || n.op !== 'exp' || n.args[0]!.op !== 'sub') return undefined;
    const [x, l] = n.args[0]!.args as [Node, Node];
    const lse = peelViews(l);
    const sm = softmax.get(lse);
    if (!sm || x !== lse.args[0] || !sameShapeArr(x.shape, n.shape) || n.shape.length !== idx.length) return undefined;
    const innerIdx = idx.slice(idx.length - sm.inner.length);
    if (!innerIdx.every((v) => levelOf(v) === s.level)) return undefined;
    return temp(s, `${sm.buf}[${offsetExpr(sm.inner, innerIdx)}] * ${sm.inv}`, s.level);
  };

  // ---- accumulators -----------------------------------------------------------------------

  const accStep = (op: string, p: number | undefined, acc: string, v: string): string => {
    switch (op) {
      case 'sum':
        return `${acc} += ${v};`;
      case 'prod':
        return `${acc} *= ${v};`;
      // Once NaN, an extremum stays NaN: `v > NaN` is false and `v !== v` only catches new NaNs.
      case 'amax':
        return `if (${acc} === ${acc}) ${acc} = ${v} > ${acc} || ${v} !== ${v} ? ${v} : ${acc};`;
      case 'amin':
        return `if (${acc} === ${acc}) ${acc} = ${v} < ${acc} || ${v} !== ${v} ? ${v} : ${acc};`;
      case 'norm':
        return p === 2 ? `${acc} += ${v} * ${v};` : `${acc} += Math.pow(Math.abs(${v}), ${numLit(p!)});`;
      default:
        throw new Error(`internal: no accumulator for ${op}`);
    }
  };
  /** An expression as a plain name (element reads become temporaries), for statements that use it twice. */
  const named = (s: Scope, code: string) => (/^[\w$]+$/.test(code) ? code : temp(s, code, levelOf(code)));
  /** An accumulator step for kernel k; operands used twice (max, min, norm) are named first. */
  const kStep = (k: Kernel, acc: string, v: string, s: Scope) =>
    accStep(k.node.op, k.node.attrs.p, acc, k.node.op === 'sum' || k.node.op === 'prod' ? v : named(s, v));
  const accFinal = (k: Kernel, acc: string): string => {
    if (k.node.op !== 'norm') return acc;
    const p = k.node.attrs.p!;
    return p === 2 ? `Math.sqrt(${acc})` : `Math.pow(${acc}, ${numLit(1 / p)})`;
  };

  const store = (n: Node, idx: readonly string[] | undefined, s: Scope, value: string) => {
    if (scalars.has(n)) {
      s.lines.push(`${s.indent}${storage.get(n)} = ${value};`);
      return;
    }
    const name = storage.get(n)!;
    const off = idx === undefined ? s.flat! : offset(n.shape, idx, s);
    s.lines.push(`${s.indent}${name}[${off}] = ${value};`);
  };

  const loopVar = (d: number) => `i${d}`;

  // ---- loops ------------------------------------------------------------------------------

  const top: Scope = { lines: [], cache: new Map(), indent: '', level: 0 };
  const body = top.lines;
  for (const n of sched.materialized) if (scalars.has(n)) body.push(`let ${storage.get(n)} = 0;`);

  /** Opens loops over `dims` of `shape` (variables i<d>) at scope level `level`. */
  const openLoops = (lines: string[], indent: string, shape: Shape, dims: readonly number[], level: number): string => {
    let ind = indent;
    for (const d of dims) {
      lines.push(`${ind}for (let ${loopVar(d)} = 0; ${loopVar(d)} < ${sz(shape[d]!)}; ${loopVar(d)}++) {`);
      setLoopVar(loopVar(d), level);
      ind += '  ';
    }
    return ind;
  };
  const closeLoops = (lines: string[], indent: string, count: number) => {
    for (let j = count - 1; j >= 0; j--) lines.push(`${indent}${'  '.repeat(j)}}`);
  };

  for (const nest of sched.nests) {
    if (nest.group) renderGroup(nest.group);
    else renderNest(nest);
  }

  function renderNest(nest: Nest): void {
    const O = nest.outer;
    const r = O.length;
    const items = nest.steps.flatMap((s) => s.items);
    body.push(`// nest over [${O.map(sz).join(', ')}]: ${[...new Set(items.map((i) => `${i.kernel.kind} ${i.kernel.node.op}#${i.kernel.node.id}`))].join('; ')}`);
    // Totals accumulate across rows: their accumulators live outside the nest.
    const totals = new Map<Kernel, string>();
    for (const it of items) {
      if (it.role !== 'total') continue;
      const acc = fresh('a');
      totals.set(it.kernel, acc);
      body.push(`let ${acc} = ${ACC_INIT[it.kernel.node.op]};`);
    }
    rowVars = new Map();
    softmax = new Map();
    const outerIdx = O.map((_, d) => loopVar(d));
    // Loop headers are emitted last: values hoisted out of the nest go to the body first.
    const headers: string[] = [];
    const rowInd = openLoops(headers, '', O, O.map((_, d) => d), 1);
    const row: Scope = { lines: [], cache: new Map(), indent: rowInd, level: 1, parent: top };
    // Row buffers for logsumexp passes whose exp(x - max) a later pass reads again.
    for (const it of items) {
      if (it.phase !== 'max' || !usesSoftmax(it.kernel.node, items)) continue;
      const inner = it.kernel.loopShape.slice(r);
      const buf = `e${bufId++}`;
      scratch.push(`const ${buf} = new Float64Array(${sz(numel(inner))});`);
      softmax.set(it.kernel.node, { buf, inv: '', inner });
    }
    const lse = new Map<Kernel, { m: string; s: string }>();
    for (const step of nest.steps) {
      if (step.inner.length === 0) {
        for (const it of step.items) rowItem(it, outerIdx, row, totals, lse);
        continue;
      }
      const dims = step.inner.map((_, j) => r + j);
      const idx = [...outerIdx, ...dims.map(loopVar)];
      const accs = new Map<NestItem, string>();
      for (const it of step.items) {
        const k = it.kernel;
        if (it.role !== 'row') continue;
        // Row accumulators vary with the row: expressions of them stay in the row's scope.
        if (it.phase === 'max') {
          const m = fresh('m');
          lse.set(k, { m, s: '' });
          varies.set(m, 1);
          row.lines.push(`${row.indent}let ${m} = -Infinity;`);
        } else if (it.phase === 'sumexp') {
          const a = fresh('s');
          lse.get(k)!.s = a;
          varies.set(a, 1);
          row.lines.push(`${row.indent}let ${a} = 0;`);
        } else {
          const a = fresh('a');
          accs.set(it, a);
          varies.set(a, 1);
          row.lines.push(`${row.indent}let ${a} = ${ACC_INIT[k.node.op]};`);
        }
      }
      const innerLines: string[] = [];
      const ind = openLoops(innerLines, row.indent, [...O, ...step.inner], dims, 2);
      const inner: Scope = { lines: innerLines, cache: new Map(), indent: ind, level: 2, parent: row };
      for (const it of step.items) {
        const k = it.kernel;
        if (it.role === 'map') store(k.node, idx, inner, ex(k.node, idx, inner, k.node));
        else if (it.role === 'total') inner.lines.push(`${ind}${kStep(k, totals.get(k)!, ex(k.node.args[0]!, idx, inner), inner)}`);
        else if (it.phase === 'max') {
          const v = named(inner, ex(k.node.args[0]!, idx, inner));
          const m = lse.get(k)!.m;
          inner.lines.push(`${ind}if (${v} > ${m} || ${v} !== ${v}) ${m} = ${v};`);
        } else if (it.phase === 'sumexp') {
          const v = ex(k.node.args[0]!, idx, inner);
          const { m, s: a } = lse.get(k)!;
          const e = letIn(inner)(mathCall('exp', `${v} - ${m}`, dialect, letIn(inner)));
          inner.lines.push(`${ind}${a} += ${e};`);
          const sm = softmax.get(k.node);
          if (sm) inner.lines.push(`${ind}${sm.buf}[${offsetExpr(sm.inner, idx.slice(r))}] = ${e};`);
        } else inner.lines.push(`${ind}${kStep(k, accs.get(it)!, ex(k.node.args[0]!, idx, inner), inner)}`);
      }
      row.lines.push(...innerLines);
      closeLoops(row.lines, row.indent, dims.length);
      // Finish the row statistics this pass made.
      for (const it of step.items) {
        if (it.role !== 'row' || it.phase === 'max') continue;
        const k = it.kernel;
        let value: string;
        if (it.phase === 'sumexp') {
          // Max-shifted: log Σ exp(x - m) + m; a row whose max is ±inf or NaN has that logsumexp.
          const { m, s: a } = lse.get(k)!;
          const finite = fresh('f');
          row.lines.push(`${row.indent}const ${finite} = ${m} - ${m} === 0;`);
          value = `${finite} ? ${m} + ${mathCall('log', a, dialect, letIn(row))} : ${m}`;
          const sm = softmax.get(k.node);
          if (sm) {
            // exp(x - lse) = exp(x - m) / Σ for a finite row; exp(x - m) itself otherwise (lse = m).
            sm.inv = fresh('v');
            row.lines.push(`${row.indent}const ${sm.inv} = ${finite} ? 1 / ${a} : 1;`);
            varies.set(sm.inv, 1);
          }
        } else value = accFinal(k, accs.get(it)!);
        finishRow(k.node, value, outerIdx, row);
      }
    }
    body.push(...headers, ...row.lines);
    closeLoops(body, '', r);
    for (const [k, acc] of totals) {
      const s2: Scope = { lines: [], cache: new Map(), indent: '', level: 0 };
      store(k.node, k.node.shape.map(() => '0'), s2, accFinal(k, acc));
      body.push(...s2.lines);
    }
    rowVars = new Map();
    softmax = new Map();
  }

  /** A row statistic's value: a local for the rest of the nest, and its buffer when read elsewhere. */
  function finishRow(n: Node, value: string, outerIdx: readonly string[], row: Scope): void {
    const name = fresh('w');
    row.lines.push(`${row.indent}const ${name} = ${value};`);
    varies.set(name, 1);
    if (storage.has(n)) {
      const idx = n.shape.map((_, d) => (d < outerIdx.length ? outerIdx[d]! : '0'));
      store(n, idx, row, name);
    }
    rowVars.set(n, name);
  }

  /** A once-per-row item: a map over the outer dims, a picked sum, a shifted max, or a total over per-row values. */
  function rowItem(it: NestItem, outerIdx: string[], row: Scope, totals: Map<Kernel, string>, lse: Map<Kernel, { m: string; s: string }>): void {
    const k = it.kernel;
    if (it.phase === 'max') {
      // max(x - c) = max(x) - c, exactly (schedule.ts, shiftedMax).
      const { max, shift } = k.shiftedMax!;
      const S = k.loopShape;
      const c = ex(shift, broadcastIdx([...outerIdx, ...S.slice(outerIdx.length).map(() => '0')], S, shift.shape), row);
      const m = fresh('m');
      varies.set(m, 1);
      row.lines.push(`${row.indent}const ${m} = ${rowVars.get(max)!} - ${c};`);
      lse.set(k, { m, s: '' });
      return;
    }
    if (it.role === 'total') {
      row.lines.push(`${row.indent}${kStep(k, totals.get(k)!, ex(k.node.args[0]!, outerIdx, row), row)}`);
      return;
    }
    if (k.kind === 'map') {
      finishRow(k.node, ex(k.node, outerIdx, row, k.node), outerIdx, row);
      return;
    }
    // sum_j -…-where(j == t, v_j, 0) = -…-v_t when 0 <= t < size, else 0.
    const pick = k.pick!;
    const S = k.loopShape;
    const size = S[S.length - 1]!;
    const t = ex(pick.index, broadcastIdx([...outerIdx, '0'], S, pick.index.shape), row);
    const ok = temp(row, `${t} >= 0 && ${t} < ${sz(size)}`, 1);
    const tc = temp(row, `${ok} ? ${t} : 0`, 1);
    const v = ex(pick.value, broadcastIdx([...outerIdx, tc], S, pick.value.shape), row);
    finishRow(k.node, `${ok} ? ${'-('.repeat(pick.negations)}${v}${')'.repeat(pick.negations)} : 0`, outerIdx, row);
  }

  /** Whether a later item of the nest reads exp(x - lse) of this logsumexp (so its pass keeps exp(x - max)). */
  function usesSoftmax(lseNode: Node, items: NestItem[]): boolean {
    const seen = new Set<Node>();
    const stack: Node[] = [];
    for (const it of items) {
      if (it.kernel.node === lseNode) continue;
      stack.push(...(it.kernel.kind === 'map' ? it.kernel.node.args : it.kernel.node.args));
    }
    while (stack.length) {
      const n = stack.pop()!;
      if (seen.has(n)) continue;
      seen.add(n);
      if (n.op === 'exp' && n.args[0]!.op === 'sub') {
        const [x, l] = n.args[0]!.args as [Node, Node];
        if (peelViews(l) === lseNode && x === lseNode.args[0] && sameShapeArr(x.shape, n.shape)) return true;
      }
      if (sched.materialized.has(n)) continue;
      stack.push(...n.args);
    }
    return false;
  }

  // ---- groups outside any nest ------------------------------------------------------------

  function isFlat(group: Group): boolean {
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
      if (stored || n.op === 'const' || n.op === 'size' || n.op === 'input') {
        if (n.op !== 'const' && n.op !== 'size' && numel(n.shape) !== 1 && !sameShapeArr(n.shape, S)) return false;
        continue;
      }
      if (opInfo(n.op).kind !== 'elementwise') return false;
      stack.push(...n.args);
    }
    return true;
  }

  function renderGroup(group: Group): void {
    const k0 = group.kernels[0]!;
    body.push(`// ${group.kernels.map((k) => `${k.kind} ${k.node.op}#${k.node.id} [${k.node.shape.map(sz).join(', ')}]`).join('; ')}`);
    if (k0.kind === 'matmul') return matmulLoops(k0);
    if (k0.kind === 'index_add') return indexAddLoops(k0);
    if (k0.kind === 'logsumexp') return logsumexpLoops(k0);
    const S = group.loopShape;
    const full = group.reduced.length === 0 || group.reduced.length === S.length;
    if (!full) return partialLoops(group);
    const accs = new Map<Kernel, string>();
    for (const k of group.kernels) {
      if (k.kind !== 'reduce') continue;
      const acc = fresh('a');
      accs.set(k, acc);
      body.push(`let ${acc} = ${ACC_INIT[k.node.op]};`);
    }
    const lines: string[] = [];
    const s: Scope = { lines, cache: new Map(), indent: '  ', level: 2, parent: top };
    let idx: string[] | undefined;
    if (isFlat(group)) {
      s.flat = 'i';
      setLoopVar('i', 2);
      lines.push(`for (let i = 0; i < ${sz(numel(S))}; i++) {`);
    } else {
      idx = S.map((_, d) => loopVar(d));
      s.indent = openLoops(lines, '', S, S.map((_, d) => d), 2);
    }
    for (const k of group.kernels) {
      if (k.kind === 'map') store(k.node, idx, s, ex(k.node, idx, s, k.node));
      else lines.push(`${s.indent}${kStep(k, accs.get(k)!, ex(k.node.args[0]!, idx, s), s)}`);
    }
    closeLoops(lines, '', idx ? S.length : 1);
    body.push(...lines);
    for (const [k, acc] of accs) {
      const s2: Scope = { lines: [], cache: new Map(), indent: '', level: 0 };
      store(k.node, k.node.shape.map(() => '0'), s2, accFinal(k, acc));
      body.push(...s2.lines);
    }
  }

  /** Reductions over dims that are not a trailing run: kept dims outside, reduced dims inside. */
  function partialLoops(group: Group): void {
    const S = group.loopShape;
    const kept = S.map((_, d) => d).filter((d) => !group.reduced.includes(d));
    const lines: string[] = [];
    const ind = openLoops(lines, '', S, kept, 1);
    const accs = new Map<Kernel, string>();
    for (const k of group.kernels) {
      const acc = fresh('a');
      accs.set(k, acc);
      lines.push(`${ind}let ${acc} = ${ACC_INIT[k.node.op]};`);
    }
    const innerLines: string[] = [];
    const ind2 = openLoops(innerLines, ind, S, group.reduced, 2);
    const outerScope: Scope = { lines, cache: new Map(), indent: ind, level: 1, parent: top };
    const s: Scope = { lines: innerLines, cache: new Map(), indent: ind2, level: 2, parent: outerScope };
    const idx = S.map((_, d) => loopVar(d));
    for (const k of group.kernels) innerLines.push(`${ind2}${kStep(k, accs.get(k)!, ex(k.node.args[0]!, idx, s), s)}`);
    lines.push(...innerLines);
    closeLoops(lines, ind, group.reduced.length);
    for (const k of group.kernels) store(k.node, reducedOutIdx(k.node, idx), outerScope, accFinal(k, accs.get(k)!));
    closeLoops(lines, '', kept.length);
    body.push(...lines);
  }

  function reducedOutIdx(n: Node, idx: readonly string[]): string[] {
    const dims = n.attrs.dims!;
    return n.attrs.keepdim ? idx.map((v, d) => (dims.includes(d) ? '0' : v)) : idx.filter((_, d) => !dims.includes(d));
  }

  /** A logsumexp over dims that are not a trailing run (the trailing case is a nest). */
  function logsumexpLoops(k: Kernel): void {
    const n = k.node;
    const x = n.args[0]!;
    const S = x.shape;
    const dims = n.attrs.dims!;
    const kept = S.map((_, d) => d).filter((d) => !dims.includes(d));
    const lines: string[] = [];
    const ind = openLoops(lines, '', S, kept, 1);
    const outerScope: Scope = { lines, cache: new Map(), indent: ind, level: 1, parent: top };
    const idx = S.map((_, d) => loopVar(d));
    const m = fresh('m');
    const acc = fresh('a');
    varies.set(m, 1);
    varies.set(acc, 1);
    const inner = (stmt: (v: string, s: Scope) => string) => {
      const innerLines: string[] = [];
      const ind2 = openLoops(innerLines, ind, S, dims, 2);
      const s: Scope = { lines: innerLines, cache: new Map(), indent: ind2, level: 2, parent: outerScope };
      const v = ex(x, idx, s);
      innerLines.push(`${ind2}${stmt(v, s)}`);
      lines.push(...innerLines);
      closeLoops(lines, ind, dims.length);
    };
    lines.push(`${ind}let ${m} = -Infinity;`);
    inner((v) => `if (${v} > ${m} || ${v} !== ${v}) ${m} = ${v};`);
    lines.push(`${ind}let ${acc} = 0;`);
    inner((v, s) => `${acc} += ${mathCall('exp', `${v} - ${m}`, dialect, letIn(s))};`);
    store(n, reducedOutIdx(n, idx), outerScope, `${m} - ${m} === 0 ? ${m} + ${mathCall('log', acc, dialect, letIn(outerScope))} : ${m}`);
    closeLoops(lines, '', kept.length);
    body.push(...lines);
  }

  function matmulLoops(k: Kernel): void {
    const n = k.node;
    const [a, b] = n.args as [Node, Node];
    const r = n.shape.length;
    const K = a.shape[r - 1]!;
    const lines: string[] = [];
    const idx = n.shape.map((_, d) => loopVar(d));
    const ind = openLoops(lines, '', n.shape, n.shape.map((_, d) => d), 1);
    const outerScope: Scope = { lines, cache: new Map(), indent: ind, level: 1, parent: top };
    const acc = fresh('a');
    lines.push(`${ind}let ${acc} = 0;`);
    const innerLines = [`${ind}for (let p = 0; p < ${sz(K)}; p++) {`];
    setLoopVar('p', 2);
    const s: Scope = { lines: innerLines, cache: new Map(), indent: `${ind}  `, level: 2, parent: outerScope };
    const batch = idx.slice(0, r - 2);
    const av = ex(a, [...batch, idx[r - 2]!, 'p'], s);
    const bv = ex(b, [...batch, 'p', idx[r - 1]!], s);
    innerLines.push(`${s.indent}${acc} += ${av} * ${bv};`, `${ind}}`);
    lines.push(...innerLines);
    store(n, idx, outerScope, acc);
    closeLoops(lines, '', r);
    body.push(...lines);
  }

  function indexAddLoops(k: Kernel): void {
    const n = k.node;
    const [g, ix] = n.args as [Node, Node];
    const out = storage.get(n)!;
    const lines: string[] = [`${out}.fill(0);`];
    const idx = g.shape.map((_, d) => loopVar(d));
    const ind = openLoops(lines, '', g.shape, g.shape.map((_, d) => d), 2);
    const s: Scope = { lines, cache: new Map(), indent: ind, level: 2, parent: top };
    const q = ix.shape.length;
    const row = checkedIndex(ex(ix, idx.slice(0, q), s), n.shape[0]!, n, idx, s);
    const v = ex(g, idx, s);
    lines.push(`${ind}${out}[${offsetExpr(n.shape, [row, ...idx.slice(q)])}] += ${v};`);
    closeLoops(lines, '', g.shape.length);
    body.push(...lines);
  }

  // Results that are not computed by a kernel of their own: leaves, and a node that is two results.
  outputs.forEach((n, j) => {
    const target = `out${j}`;
    if (storage.get(n) === target) return;
    if (scalars.has(n)) {
      body.push(`${target}[0] = ${storage.get(n)};`);
      return;
    }
    const size = sz(numel(n.shape));
    if (storage.has(n)) {
      body.push(`for (let i = 0; i < ${size}; i++) ${target}[i] = ${storage.get(n)}[i];`);
    } else if (isLeaf(n) && n.op !== 'iota') {
      const s: Scope = { lines: [], cache: new Map(), indent: '  ', level: 2, flat: 'i' };
      body.push(`for (let i = 0; i < ${size}; i++) {`);
      const leaf = n.op === 'const' ? numLit(n.attrs.value!) : n.op === 'size' ? sz(n.attrs.value!) : read(n, undefined, s);
      body.push(...s.lines, `  ${target}[i] = ${leaf};`, '}');
    } else {
      throw new Error(`internal: result ${n.op} has no storage`);
    }
  });

  const params = [...inputs.map((_, i) => `in${i}`), ...outputs.map((_, j) => `out${j}`)];
  const run = [`return function run(${params.join(', ')}) {`, ...body.map((l) => `  ${l}`), '};'].join('\n');
  const prelude = preludeFor(run, dialect);
  const source = ['"use strict";', prelude, ...scratch, run].filter((l) => l !== '').join('\n');
  return { source, sites, prelude, scratch, run };
}

/** Materialized nodes that some kernel reads (rather than computes). */
function readByKernels(sched: Schedule): Set<Node> {
  const read = new Set<Node>();
  const seen = new Set<Node>();
  for (const g of sched.groups) {
    for (const k of g.kernels) {
      const stack = [...k.node.args];
      while (stack.length) {
        const n = stack.pop()!;
        if (sched.materialized.has(n)) read.add(n);
        else if (!seen.has(n)) {
          seen.add(n);
          stack.push(...n.args);
        }
      }
    }
  }
  return read;
}

function sameShapeArr(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
