// Anomaly mode: where did the NaN come from? The program (value and gradients, after every
// rewrite) is evaluated by the reference interpreter (compiler/interpret.ts), which keeps
// every intermediate result. Alongside each value we track, per element, the *origin* of a
// non-finite element: the topological rank of the first node where it appeared from finite
// operands. An element is born non-finite when none of the operand elements it is computed
// from is non-finite; otherwise it inherits the earliest origin among them. The origin
// algebra runs the interpreter's own kernels (same broadcasting, slices and gathers), so
// "computed from" means exactly what the kernels read.
//
// A non-finite result is then reported at its origin: the node's span in the user's text
// (nodes keep it through rewrites, inlining and differentiation), the op, and the rows
// (indices along dim 0) where that node produced it. `anomalyRun` is the guarded RunFn used
// when compile(…, { detectAnomaly: true }); `checkProgram` is the non-throwing report of
// CompiledLoss.check().

import { LossError, type SourceText, type Span } from '../grammar/source.js';
import { diag } from '../grammar/diagnostics.js';
import type { Node } from '../compiler/ir.js';
import { evalNode, interpret, type Algebra } from '../compiler/interpret.js';
import { printNode, topoOrder } from '../compiler/print.js';
import { GRAD_OUTPUT, type Program } from '../compiler/pipeline.js';
import type { RunFn } from './jsBackend.js';
import type { DTypeName, Tensor, TypedData } from './tensor.js';

/** Where a non-finite value first appeared. */
export interface AnomalySite {
  /** The IR op ('log', 'div', …), or 'input' when an input holds the value. */
  op: string;
  /** The user's source text of that operation (an input's name for an input). */
  text: string;
  line?: number;
  column?: number;
  /** Indices along dim 0 of the operation's result where it produced NaN/Inf (none for a scalar). */
  rows: number[];
  produced: 'NaN' | 'Inf' | '-Inf';
  /** The operation is part of the gradient computation (the adjoint of `text`). */
  backward: boolean;
  /** The results that are non-finite: 'value' and/or 'grad <input>'. */
  reached: string[];
}

export interface CheckReport {
  /** The value and every gradient are finite. */
  finite: boolean;
  value: Tensor;
  /**
   * Each sample's (row's) share of the value, when the value is a sum or mean over rows of
   * a tensor of per-element losses, or is itself per-sample (reduction "none"): shape [N].
   */
  perSample?: Tensor;
  /** Rows whose per-sample loss is NaN/Inf; if none is (no per-sample view, or only a gradient is bad), the first anomaly's rows. */
  badRows: number[];
  firstBad?: AnomalySite;
}

const CLEAN = Infinity; // origin of a finite element: none

/** The earliest origin among the operand elements each result element is computed from. */
const earliest = (xs: ArrayLike<number>, init = CLEAN): number => {
  let m = init;
  for (let i = 0; i < xs.length; i++) if (xs[i]! < m) m = xs[i]!;
  return m;
};
const ORIGINS: Algebra = {
  map: () => (...xs) => earliest(xs),
  fold: () => (xs) => earliest(xs),
  dot: (row, col) => earliest(col, earliest(row)),
  pick: (x, index) => Math.min(x, index),
  scatterInit: CLEAN,
  scatter: (acc, v, index) => Math.min(acc, v, index),
};

interface Trace {
  order: Node[];
  values: Map<Node, Float64Array>;
  /** Per element: rank (in `order`) of the node where its non-finite value appeared; CLEAN if finite. Absent: all finite. */
  origins: Map<Node, Float64Array>;
}

function allFinite(v: Float64Array): boolean {
  for (let i = 0; i < v.length; i++) if (v[i]! - v[i]! !== 0) return false;
  return true;
}

function trace(roots: Node[], inputs: ReadonlyMap<Node, ArrayLike<number>>): Trace {
  // The interpreter evaluates in this same order (topoOrder is deterministic), so its ranks index it.
  const order = topoOrder(roots);
  const origins = new Map<Node, Float64Array>();
  const values = interpret(roots, inputs, (n, v, args, rank) => {
    if (allFinite(v)) return;
    // Only when some operand is itself non-finite is there anything to inherit.
    const inherited = n.args.some((a) => origins.has(a))
      ? evalNode(n, n.args.map((a, k) => origins.get(a) ?? new Float64Array(args[k]!.length).fill(CLEAN)), ORIGINS, args)
      : undefined;
    const o = new Float64Array(v.length);
    for (let i = 0; i < v.length; i++) {
      o[i] = v[i]! - v[i]! === 0 ? CLEAN : inherited && inherited[i]! !== CLEAN ? inherited[i]! : rank;
    }
    origins.set(n, o);
  });
  return { order, values, origins };
}

/** A report of the first (in evaluation order) origin of any non-finite result. */
function firstAnomaly(p: Program, t: Trace, source: SourceText): { site: AnomalySite; node: Node } | undefined {
  let first = CLEAN;
  const reached: string[] = [];
  for (const o of p.outputs) {
    const org = t.origins.get(o.node);
    if (!org) continue;
    reached.push(o.label);
    for (const r of org) if (r < first) first = r;
  }
  if (first === CLEAN) return undefined;
  const node = t.order[first]!;
  const value = t.values.get(node)!;
  const org = t.origins.get(node)!;
  const rowSize = node.shape.length ? value.length / node.shape[0]! : 0;
  const rows = new Set<number>();
  let produced: AnomalySite['produced'] | undefined;
  for (let i = 0; i < org.length; i++) {
    if (org[i] !== first) continue;
    const v = value[i]!;
    produced ??= Number.isNaN(v) ? 'NaN' : v > 0 ? 'Inf' : '-Inf';
    if (rowSize) rows.add(Math.floor(i / rowSize));
  }
  const forward = new Set(topoOrder([p.outputs[0]!.node]));
  const site: AnomalySite = {
    op: node.op,
    text: node.op === 'input' ? node.attrs.name! : sourceText(node, source),
    rows: [...rows].sort((a, b) => a - b),
    produced: produced!,
    backward: !forward.has(node),
    reached,
  };
  if (node.span) {
    site.line = node.span.line;
    site.column = node.span.column;
  }
  return { site, node };
}

/** The user's text of a node (whitespace folded, clipped), or the IR printed when it has no span. */
function sourceText(n: Node, source: SourceText): string {
  const raw = n.span && n.span.end > n.span.start ? source.text.slice(n.span.start, n.span.end) : printNode(n);
  const s = raw.replace(/\s+/g, ' ').trim();
  return s.length > 60 ? `${s.slice(0, 60)}…` : s;
}

function rowsText(rows: number[]): string {
  if (!rows.length) return '';
  const shown = rows.slice(0, 10).join(', ');
  return ` at sample rows [${shown}${rows.length > 10 ? `, … (${rows.length} rows)` : ''}]`;
}

const resultName = (label: string) => (label === 'value' ? 'the value' : `the gradient of '${label.replace(/^grad /, '')}'`);

/** The LossError anomaly mode raises for a site. */
export function anomalyError(site: AnomalySite, span: Span | undefined, source: SourceText): LossError {
  // Say which results it reached only when the value itself is not among them.
  const reach = site.reached.includes('value') ? '' : `, which reached ${site.reached.map(resultName).join(' and ')}`;
  if (site.op === 'input') {
    const name = site.text === GRAD_OUTPUT ? 'gradOutput' : site.text;
    return new LossError(diag('LD3021', undefined, name, site.produced, rowsText(site.rows), reach), source);
  }
  const what = site.backward ? `the gradient of ${site.text}` : site.text;
  const at = site.line !== undefined ? `${site.line}:${site.column}` : 'an internal step';
  return new LossError(diag('LD3020', span, what, at, site.produced, rowsText(site.rows), reach), source);
}

const inputMap = (p: Program, data: readonly TypedData[]) => new Map(p.inputs.map((n, i) => [n, data[i]!] as const));

/**
 * The guarded counterpart of the generated function: same arguments and results, computed by
 * the interpreter; a NaN or infinity in any result throws LossError at its origin.
 */
export function anomalyRun(p: Program, source: SourceText): RunFn {
  return (inputs, outputs) => {
    const roots = p.outputs.map((o) => o.node);
    const t = trace(roots, inputMap(p, inputs));
    const bad = firstAnomaly(p, t, source);
    if (bad) throw anomalyError(bad.site, bad.node.span, source);
    p.outputs.forEach((o, j) => outputs[j]!.set(t.values.get(o.node)!));
  };
}

/**
 * The per-sample view of a loss: peels a constant scale (mean's division, a sign) off the
 * value and, when under it lies a sum over all dims of a tensor with rows, sums that tensor
 * over its other dims. For a non-scalar value, its rows. Undefined when neither applies.
 */
function perSampleNode(p: Program): Node | undefined {
  const g = p.graph;
  const root = p.outputs[0]!.node;
  if (root.shape.length >= 1) return root.shape.length === 1 ? root : g.reduce('sum', root, root.shape.slice(1).map((_, i) => i + 1), false);
  let n = root;
  let scale = 1;
  for (;;) {
    const [a, b] = n.args;
    if (n.op === 'cast') n = a!;
    else if (n.op === 'neg') (scale = -scale), (n = a!);
    else if (n.op === 'div' && b!.op === 'const') (scale /= b!.attrs.value!), (n = a!);
    else if (n.op === 'mul' && b!.op === 'const') (scale *= b!.attrs.value!), (n = a!);
    else if (n.op === 'mul' && a!.op === 'const') (scale *= a!.attrs.value!), (n = b!);
    else break;
  }
  const x = n.args[0];
  if (n.op !== 'sum' || !x || x.shape.length === 0) return undefined;
  const rows = x.shape.length === 1 ? x : g.reduce('sum', x, x.shape.slice(1).map((_, i) => i + 1), false);
  return scale === 1 ? rows : g.map('mul', [rows, g.const(scale)]);
}

/** Evaluates the program with the interpreter and reports non-finite results without throwing. */
export function checkProgram(p: Program, inputs: readonly TypedData[], valueDtype: DTypeName, source: SourceText): CheckReport {
  const roots = p.outputs.map((o) => o.node);
  const per = perSampleNode(p);
  const t = trace(per ? [...roots, per] : roots, inputMap(p, inputs));
  const firstBad = firstAnomaly(p, t, source)?.site;
  const root = roots[0]!;
  const wrap = (v: Float64Array, shape: readonly number[]): Tensor => ({ data: valueDtype === 'float32' ? Float32Array.from(v) : Float64Array.from(v), shape: [...shape] });
  const report: CheckReport = { finite: !firstBad, value: wrap(t.values.get(root)!, root.shape), badRows: [] };
  if (per) {
    const v = t.values.get(per)!;
    report.perSample = wrap(v, per.shape);
    for (let i = 0; i < v.length; i++) if (v[i]! - v[i]! !== 0) report.badRows.push(i);
  }
  if (firstBad) {
    report.firstBad = firstBad;
    if (!report.badRows.length) report.badRows = [...firstBad.rows];
  }
  return report;
}
