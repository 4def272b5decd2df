// Renders a fused schedule (schedule.ts, its `groups`) as gpu.js kernels: the second renderer
// of the one schedule the JS back end renders as loops (codegen/js.ts).
//
// Each group becomes one kernel with a flat 1-D output made of segments, one per kernel of the
// group: a map's elements, or a reduction's per-(row, block) partials. A thread finds its
// segment by its index, then computes one element: the inlined elementwise chain of a map, or
// a loop over at most BLOCK reduced elements (one thread per row, per block when a row is
// longer). Rows that fit one block are final on the device and stay there for later kernels;
// block partials, and every reduction to a single value, are finished on the host in float64
// (a FinishStep). Scatters (index_add) compute their values on the device and add them up on
// the host in index order. A group of scalar maps whose operands are all on the host (the
// `mean` after a full sum) runs on the host from the same kernel text, in float64.
//
// Shapes are baked into the text as literals; indices are float expressions that hold
// integers (exact below 2^24 elements, checked by the runtime). Reads of integer indices are
// clamped into range so no kernel ever reads outside a buffer; the range itself is checked on
// the host beforehand, by small host kernels that compute every index tensor (CheckStep), so
// a bad class index raises the same error as on the JS back end.
//
// Three things keep float32 kernels as accurate as their arithmetic allows: a logsumexp is
// stored in two parts, its row max and log1p of the rest of the shifted sum (Location.lo), so
// that x - logsumexp keeps the bits a single float32 of |lse| would round away; a softmax
// gradient c + g exp(d) near exp(d) = 1 is computed as (c + g) + g expm1(d)
// (Writer.expNearOne), so 1 - p keeps its bits; and a constant term of a sum is hidden from
// the shader compiler (Writer.opaque), which would otherwise reassociate it. The output is a
// plan of steps the runtime (runtime/gpujsBackend.ts) executes; nothing here touches gpu.js.

import type { Node, Shape } from '../ir.js';
import { numel, sameShape, strides } from '../ir.js';
import { opInfo } from '../ops.js';
import type { Group, Kernel, Schedule } from '../schedule.js';
import { KERNEL_OPS, kernelNum, type ElementwiseOp } from './gpujsMath.js';

/** Reduced elements one thread folds; longer rows are split into blocks finished on the host. */
export const BLOCK = 1024;

export type BufferRef = { kind: 'input' | 'kernel' | 'host'; index: number };

/** Where a node's row-major data starts inside a buffer. */
export interface Location {
  buffer: BufferRef;
  offset: number;
  size: number;
  /**
   * A value stored in two parts, hi + lo, in the same buffer: hi at `offset`, lo at `lo`. A
   * logsumexp is its row maximum (an exact float32) and log1p of the rest of the shifted sum,
   * so that x - logsumexp reads as (x - hi) - lo: float32 keeps the difference to the bit
   * where it could not keep the sum (its ulp at |lse| = 64 is 8e-6).
   */
  lo?: number;
}

export interface KernelStep {
  kind: 'kernel';
  /** The kernel's function name (unique in the plan): `k3_logsumexp`. */
  name: string;
  /** Kernel-language text, starting with `function`. */
  source: string;
  params: BufferRef[];
  /** Length of the 1-D output. */
  size: number;
  where: 'device' | 'host';
  /** A later device kernel reads the output: keep it on the device (gpu.js pipeline). */
  pipeline: boolean;
  /** The host reads the output (finishing, results, host kernels). */
  readback: boolean;
  /** Nodes computed, with their segments, for explain() and error messages. */
  segments: { node: Node; offset: number; size: number; what: string }[];
}

export type ReduceOp = 'sum' | 'prod' | 'amax' | 'amin' | 'norm' | 'logsumexp';

/** Combines `blocks` partials per row (rows × blocks, row-major) into a float64 host buffer. */
export interface FinishStep {
  kind: 'finish';
  node: Node;
  op: ReduceOp;
  /** The norm's p. */
  p?: number;
  from: Location;
  rows: number;
  /** 0 for a reduction over no elements: the result is the identity. */
  blocks: number;
  into: number;
}

/** Adds `values` (index rows × rowSize) into rows `index[i]` of a zeroed host buffer. */
export interface ScatterStep {
  kind: 'scatter';
  node: Node;
  values: Location;
  index: Location;
  rowSize: number;
  into: number;
}

/** Checks that every value of an index tensor lies in [0, limit). */
export interface CheckStep {
  kind: 'check';
  site: Node;
  limit: number;
  values: Location;
  shape: Shape;
  /** Trailing dims the site's own index has beyond the index tensor's (reported as 0). */
  trailing: number;
}

export type Step = KernelStep | FinishStep | ScatterStep | CheckStep;

export type ResultRef = { kind: 'stored'; at: Location } | { kind: 'const'; value: number; size: number };

export interface GpuPlan {
  inputs: Node[];
  /** Every step, in execution order. */
  steps: Step[];
  /** The kernel steps, by BufferRef index. */
  kernels: KernelStep[];
  /** Sizes of the float64 host buffers, by BufferRef index. */
  hostSizes: number[];
  results: ResultRef[];
}

// ---- index expressions ---------------------------------------------------------------------

interface Scope {
  lines: string[];
  cache: Map<string, string>;
  indent: string;
}

let ixIds = 0;

/**
 * A multi-index into a tensor of `shape`: its per-dim index expressions (computed on first
 * use, emitted into the scope that created the index) and, when known, its flat offset.
 */
class Ix {
  readonly id = ixIds++;
  private cached?: string[];
  /** Derived indices (broadcast, permuted …), memoized so common subexpressions stay common. */
  readonly derived = new Map<string, Ix>();
  constructor(
    readonly shape: Shape,
    private readonly make: () => string[],
    readonly flat?: string,
  ) {}
  get vars(): string[] {
    return (this.cached ??= this.make());
  }
}

const fixedIx = (shape: Shape, vars: string[], flat?: string) => new Ix(shape, () => vars, flat);

class Writer {
  private tmp = 0;
  readonly params: BufferRef[] = [];
  /** The kernel reads `lcOne` (see opaque()). */
  usesOne = false;
  constructor(private readonly locations: Map<Node, Location>) {}

  temp(s: Scope, expr: string): string {
    const name = `t${this.tmp++}`;
    s.lines.push(`${s.indent}const ${name} = ${expr};`);
    return name;
  }

  fresh(prefix: string): string {
    return `${prefix}${this.tmp++}`;
  }

  param(ref: BufferRef): string {
    let i = this.params.findIndex((p) => p.kind === ref.kind && p.index === ref.index);
    if (i < 0) i = this.params.push(ref) - 1;
    return `${ref.kind === 'input' ? 'in' : ref.kind === 'kernel' ? 'kb' : 'hb'}${ref.index}`;
  }

  /** Per-dim indices of flat offset `flat` in `shape`, emitted into s. */
  unflatten(flat: string, shape: Shape, s: Scope): string[] {
    const st = strides(shape);
    const vars = shape.map(() => '0');
    let rem = flat;
    const last = shape.reduce((l, d, i) => (d > 1 ? i : l), -1);
    shape.forEach((d, i) => {
      if (d === 1) return;
      if (i === last) {
        vars[i] = rem;
        return;
      }
      // +0.5 keeps the quotient off integer boundaries whatever the division rounds to.
      const q = this.temp(s, `Math.floor((${rem} + 0.5) / ${st[i]})`);
      vars[i] = q;
      rem = this.temp(s, `${rem} - ${q} * ${st[i]}`);
    });
    return vars;
  }

  /** An index over `shape` whose flat offset is `flat`; per-dim indices on demand. */
  flatIx(shape: Shape, flat: string, s: Scope): Ix {
    return new Ix(shape, () => this.unflatten(flat, shape, s), flat);
  }

  private offset(shape: Shape, ix: Ix): string {
    if (numel(shape) === 1) return '0';
    if (ix.flat !== undefined && sameShape(ix.shape, shape)) return ix.flat;
    const st = strides(shape);
    const terms: string[] = [];
    ix.vars.forEach((v, d) => {
      if (shape[d] === 1 || v === '0') return;
      terms.push(st[d] === 1 ? v : `${v} * ${st[d]}`);
    });
    return terms.length ? terms.join(' + ') : '0';
  }

  read(n: Node, ix: Ix): string {
    const loc = this.locations.get(n)!;
    const hi = this.readAt(n, loc, loc.offset, ix);
    return loc.lo === undefined ? hi : `(${hi} + ${this.readAt(n, loc, loc.lo, ix)})`;
  }

  private readAt(n: Node, loc: Location, base: number, ix: Ix): string {
    const off = this.offset(n.shape, ix);
    const at = base === 0 ? off : off === '0' ? String(base) : `${base} + ${off}`;
    return `${this.param(loc.buffer)}[${at}]`;
  }

  /**
   * The two parts of a value stored split (Location.lo), reached through broadcasts and
   * reshapes; undefined for anything else.
   */
  private parts(n: Node, ix: Ix, s: Scope): [string, string] | undefined {
    const loc = this.locations.get(n);
    if (loc) return loc.lo === undefined ? undefined : [this.readAt(n, loc, loc.offset, ix), this.readAt(n, loc, loc.lo, ix)];
    if (n.op === 'expand') return this.parts(n.args[0]!, this.broadcast(ix, n.args[0]!.shape), s);
    if (n.op === 'reshape') {
      const arg = n.args[0]!;
      return this.parts(arg, this.derive(ix, `r${arg.shape.join(',')}`, () => this.reshapeIx(ix, arg.shape, s)), s);
    }
    return undefined;
  }

  private derive(ix: Ix, key: string, make: () => Ix): Ix {
    let d = ix.derived.get(key);
    if (!d) ix.derived.set(key, (d = make()));
    return d;
  }

  /** Operand index under NumPy broadcasting. */
  broadcast(ix: Ix, argShape: Shape): Ix {
    if (sameShape(ix.shape, argShape)) return ix;
    return this.derive(ix, `b${argShape.join(',')}`, () => {
      const lead = ix.shape.length - argShape.length;
      return new Ix(argShape, () => argShape.map((d, j) => (d === 1 ? '0' : ix.vars[j + lead]!)), numel(argShape) === 1 ? '0' : undefined);
    });
  }

  /** Expression for n at ix, emitting temporaries into s. */
  ex(n: Node, ix: Ix, s: Scope, self?: Node): string {
    if (n.op === 'const') return kernelNum(n.attrs.value!);
    if (n !== self && this.locations.has(n)) return this.read(n, ix);
    const key = `${n.id}@${ix.id}`;
    const hit = s.cache.get(key);
    if (hit !== undefined) return hit;
    const out = this.compute(n, ix, s);
    s.cache.set(key, out);
    return out;
  }

  private compute(n: Node, ix: Ix, s: Scope): string {
    const arg = n.args[0]!;
    switch (n.op) {
      case 'iota':
        return ix.vars[n.attrs.axis!]!;
      case 'expand':
        return this.ex(arg, this.broadcast(ix, arg.shape), s);
      case 'permute': {
        const perm = n.attrs.perm!;
        const sub = this.derive(ix, `p${perm.join(',')}`, () =>
          new Ix(arg.shape, () => {
            const xi = new Array<string>(perm.length);
            perm.forEach((p, i) => (xi[p] = ix.vars[i]!));
            return xi;
          }),
        );
        return this.ex(arg, sub, s);
      }
      case 'reshape':
        return this.ex(arg, this.derive(ix, `r${arg.shape.join(',')}`, () => this.reshapeIx(ix, arg.shape, s)), s);
      case 'gather': {
        const [x, index] = n.args as [Node, Node];
        const axis = n.attrs.axis!;
        const g = this.clampIndex(this.ex(index, ix, s), x.shape[axis]!, s);
        const v = ix.vars;
        return this.ex(x, fixedIx(x.shape, [...v.slice(0, axis), g, ...v.slice(axis)]), s);
      }
      case 'take': {
        const [x, index] = n.args as [Node, Node];
        const q = index.shape.length;
        const v = ix.vars;
        const row = this.clampIndex(this.ex(index, fixedIx(index.shape, v.slice(0, q)), s), x.shape[0]!, s);
        return this.ex(x, fixedIx(x.shape, [row, ...v.slice(q)]), s);
      }
      default: {
        const info = opInfo(n.op);
        if (info.kind !== 'elementwise') throw new Error(`internal: ${n.op} cannot be inlined into a gpu.js kernel`);
        const args = n.args.map((a) => this.ex(a, this.broadcast(ix, a.shape), s));
        if (n.op === 'cast' || n.op === 'detach') return args[0]!;
        if (n.op === 'sub') {
          // x - (hi + lo) as (x - hi) - lo, and (hi + lo) - x as (hi - x) + lo: see Location.lo.
          const [a, b] = n.args as [Node, Node];
          const pb = this.parts(b, this.broadcast(ix, b.shape), s);
          if (pb) return this.temp(s, `((${args[0]} - ${pb[0]}) - ${pb[1]})`);
          const pa = this.parts(a, this.broadcast(ix, a.shape), s);
          if (pa) return this.temp(s, `((${pa[0]} - ${args[1]}) + ${pa[1]})`);
        }
        if (n.op === 'add') {
          const near = this.expNearOne(n, ix, s, args);
          if (near) return near;
        }
        if (n.op === 'add' || n.op === 'sub') n.args.forEach((a, i) => (args[i] = this.opaque(a, args[i]!)));
        const pow2 = n.op === 'pow' && n.args[1]!.op === 'const' && n.args[1]!.attrs.value === 2;
        return this.temp(s, pow2 ? `${args[0]} * ${args[0]}` : KERNEL_OPS[n.op as ElementwiseOp](...args));
      }
    }
  }

  /**
   * c + g exp(d), the gradient of a logsumexp (g softmax) beside the upstream term c (-g at a
   * target): where exp(d) > 1/2 it is (c + g) + g expm1(d), the same sum, which keeps the low
   * bits of 1 - softmax that exp(d) rounds away in float32 (its steps near 1 are 6e-8; the
   * target of a row whose loss is 2e-6 has 1 - p = 2e-6). Where exp(d) <= 1/2, the sum as
   * written. Undefined unless n is such a sum with the product and exp computed here.
   */
  private expNearOne(n: Node, ix: Ix, s: Scope, args: string[]): string | undefined {
    for (let i = 0; i < 2; i++) {
      const m = n.args[i]!;
      if (m.op !== 'mul' || this.locations.has(m)) continue;
      const mix = this.broadcast(ix, m.shape);
      for (let j = 0; j < 2; j++) {
        const e = m.args[j]!;
        if (e.op !== 'exp' || this.locations.has(e)) continue;
        const g = m.args[1 - j]!;
        const eix = this.broadcast(mix, e.shape);
        const d = this.ex(e.args[0]!, this.broadcast(eix, e.args[0]!.shape), s);
        const gx = this.ex(g, this.broadcast(mix, g.shape), s);
        const c = args[1 - i]!;
        return this.temp(s, `(${d} > (-0.6931471805599453) ? ((${c} + ${gx}) + ${gx} * lcExpm1(${d})) : (${args[0]} + ${args[1]}))`);
      }
    }
    return undefined;
  }

  /**
   * A nonzero constant term of a sum, as a value the shader compiler cannot see: GLSL
   * compilers reassociate sums with a constant to fold it ((a - p) + 1e-6 becomes
   * a + (1e-6 - p) on Mesa), which costs an ulp of a, and everything where a == p (the
   * eps of pairwise_distance at a == p is the whole difference). `lcOne` is 1 at run time,
   * min(thread index + 1, 1), so `c * lcOne` is exactly c and no longer a constant the
   * compiler may move. (Made from a uniform, such as the output size, it does not work: Mesa
   * inlines uniforms and reassociates again.)
   */
  private opaque(n: Node, expr: string): string {
    if (n.op !== 'const' || n.attrs.value === 0 || !Number.isFinite(n.attrs.value!)) return expr;
    this.usesOne = true;
    return `(${expr} * lcOne)`;
  }

  /** Reads stay inside the buffer whatever the data; the host checks the range beforehand. */
  private clampIndex(expr: string, limit: number, s: Scope): string {
    return this.temp(s, `Math.min(Math.max(${expr}, 0), ${limit - 1})`);
  }

  private reshapeIx(ix: Ix, inShape: Shape, s: Scope): Ix {
    const outShape = ix.shape;
    const a = outShape.filter((d) => d !== 1);
    const b = inShape.filter((d) => d !== 1);
    // Row-major order is what a reshape keeps: the flat offset carries over as it is.
    if (a.length === b.length && a.every((d, i) => d === b[i])) {
      return new Ix(inShape, () => {
        const kept = ix.vars.filter((_, i) => outShape[i] !== 1);
        let k = 0;
        return inShape.map((d) => (d === 1 ? '0' : kept[k++]!));
      }, ix.flat);
    }
    const flat = ix.flat ?? this.temp(s, this.offset(outShape, ix));
    return this.flatIx(inShape, flat, s);
  }
}

// ---- plan -----------------------------------------------------------------------------------

const REDUCE_INIT: Record<ReduceOp, string> = { sum: '0', norm: '0', prod: '1', amax: '(-Infinity)', amin: 'Infinity', logsumexp: '(-Infinity)' };

/** Blocks per row and elements per block for a reduction over R elements. */
export function blocking(R: number): { blocks: number; length: number } {
  if (R === 0) return { blocks: 0, length: 0 };
  if (R <= BLOCK) return { blocks: 1, length: R };
  return { blocks: Math.ceil(R / BLOCK), length: BLOCK };
}

const describeNode = (n: Node) => `${n.op}#${n.id} [${n.shape.join(', ')}]`;

export function planGpu(sched: Schedule, inputs: Node[], outputs: Node[]): GpuPlan {
  const locations = new Map<Node, Location>();
  const steps: Step[] = [];
  const kernels: KernelStep[] = [];
  const hostSizes: number[] = [];
  const hostBuffer = (size: number): BufferRef => ({ kind: 'host', index: hostSizes.push(size) - 1 });
  inputs.forEach((n, i) => locations.set(n, { buffer: { kind: 'input', index: i }, offset: 0, size: numel(n.shape) }));

  const addKernel = (k: Omit<KernelStep, 'kind' | 'name' | 'pipeline' | 'readback'>, label: string): BufferRef => {
    const index = kernels.length;
    const name = `k${index}_${label}`;
    const step: KernelStep = { kind: 'kernel', name, ...k, source: k.source.replace('function KERNEL(', `function ${name}(`), pipeline: false, readback: false };
    kernels.push(step);
    steps.push(step);
    return { kind: 'kernel', index };
  };

  // Index checks: before the first kernel that reads at an index, a host kernel computes the
  // index tensor (from the inputs and what earlier kernels stored) and a check step its range.
  const indexValues = new Map<Node, Location>();
  const checked = new Set<Node>();
  const checkSites = (group: Group): void => {
    for (const n of sitesIn(group, locations)) {
      if (checked.has(n)) continue;
      checked.add(n);
      const index = n.args[1]!;
      const size = numel(index.shape);
      if (size === 0) continue;
      let values = indexValues.get(index);
      if (!values) {
        const w = new Writer(locations);
        const text = renderKernel(w, [{ size, body: (u, s) => w.ex(index, w.flatIx(index.shape, u, s), s) }]);
        const ref = addKernel({ source: text, params: w.params, size, where: 'host', segments: [{ node: index, offset: 0, size, what: `index values of ${describeNode(n)}` }] }, 'index');
        values = { buffer: ref, offset: 0, size };
        indexValues.set(index, values);
      }
      const limit = n.op === 'index_add' ? n.shape[0]! : n.op === 'take' ? n.args[0]!.shape[0]! : n.args[0]!.shape[n.attrs.axis!]!;
      const siteRank = n.op === 'index_add' ? n.args[0]!.shape.length : n.shape.length;
      steps.push({ kind: 'check', site: n, limit, values, shape: index.shape, trailing: siteRank - index.shape.length });
    }
  };

  const onHost = (ref: BufferRef) => ref.kind !== 'kernel' || kernels[ref.index]!.where === 'host';
  for (const group of sched.groups) {
    checkSites(group);
    renderGroup(group);
  }

  function renderGroup(group: Group): void {
    const S = group.loopShape;
    const w = new Writer(locations);
    const segments: Segment[] = [];
    const segInfo: KernelStep['segments'] = [];
    const after: (() => void)[] = [];
    let offset = 0;
    let kernelRef: BufferRef | undefined;
    // Nothing to compute for an empty tensor: it lives in an empty host buffer.
    const at = (o: number, size: number): Location => (size === 0 ? { buffer: hostBuffer(0), offset: 0, size: 0 } : { buffer: kernelRef!, offset: o, size });
    const host = group.kernels.every((k) => k.kind === 'map') && numel(S) <= 1 && [...groupReads(group, locations)].every((d) => onHost(locations.get(d)!.buffer));

    for (const k of group.kernels) {
      const n = k.node;
      const start = offset;
      if (k.kind === 'map') {
        const size = numel(n.shape);
        if (size > 0) segments.push({ size, body: (u, s) => w.ex(n, w.flatIx(n.shape, u, s), s, n) });
        segInfo.push({ node: n, offset: start, size, what: describeNode(n) });
        offset += size;
        after.push(() => locations.set(n, at(start, size)));
      } else if (k.kind === 'reduce' || k.kind === 'logsumexp') {
        const kept = S.map((_, d) => d).filter((d) => !k.reduced.includes(d));
        const rows = kept.reduce((a, d) => a * S[d]!, 1);
        const R = k.reduced.reduce((a, d) => a * S[d]!, 1);
        // A picked sum reads its one nonzero term: one thread per row, no loop.
        const { blocks } = k.pick && R > 0 ? { blocks: 1 } : blocking(R);
        const part = rows * blocks;
        // A logsumexp is stored split (Location.lo): its partials' maxima, then their log-sums.
        const split = n.op === 'logsumexp';
        const size = split ? 2 * part : part;
        if (size > 0) segments.push({ size, body: (u, s) => reduceBody(w, k, u, s) });
        const finished = rows === 1 || blocks !== 1;
        const parts = split ? ' (row max, then log1p of the rest of the shifted sum)' : '';
        segInfo.push({ node: n, offset: start, size, what: `${describeNode(n)}${parts}${finished ? `: ${blocks} partial(s) per row, finished on the host` : ''}` });
        offset += size;
        after.push(() => {
          const from: Location = split ? { ...at(start, part), lo: start + part } : at(start, size);
          if (!finished) {
            locations.set(n, from);
            return;
          }
          const count = numel(n.shape);
          const into = hostBuffer(split ? 2 * count : count);
          const op = n.op as ReduceOp;
          const fin: FinishStep = { kind: 'finish', node: n, op, from, rows, blocks, into: into.index };
          if (op === 'norm') fin.p = n.attrs.p!;
          steps.push(fin);
          locations.set(n, split ? { buffer: into, offset: 0, size: count, lo: count } : { buffer: into, offset: 0, size: count });
        });
      } else if (k.kind === 'matmul') {
        const size = numel(n.shape);
        if (size > 0) segments.push({ size, body: (u, s) => matmulBody(w, n, u, s) });
        segInfo.push({ node: n, offset: start, size, what: describeNode(n) });
        offset += size;
        after.push(() => locations.set(n, at(start, size)));
      } else {
        // index_add: the values on the device, the scatter on the host.
        const [g, index] = n.args as [Node, Node];
        const size = numel(g.shape);
        if (size > 0) segments.push({ size, body: (u, s) => w.ex(g, w.flatIx(g.shape, u, s), s) });
        segInfo.push({ node: n, offset: start, size, what: `values of ${describeNode(n)}, added up on the host` });
        offset += size;
        after.push(() => {
          const into = hostBuffer(numel(n.shape));
          const rowSize = numel(n.shape.slice(1));
          if (size > 0) steps.push({ kind: 'scatter', node: n, values: at(start, size), index: indexValues.get(index)!, rowSize, into: into.index });
          locations.set(n, { buffer: into, offset: 0, size: numel(n.shape) });
        });
      }
    }
    if (offset > 0) {
      const text = renderKernel(w, segments);
      const label = [...new Set(group.kernels.map((k) => k.node.op))].slice(0, 3).join('_');
      kernelRef = addKernel({ source: text, params: w.params, size: offset, where: host ? 'host' : 'device', segments: segInfo }, label);
    }
    for (const f of after) f();
  }

  const results: ResultRef[] = outputs.map((n) => {
    const loc = locations.get(n);
    if (loc) return { kind: 'stored', at: loc };
    if (n.op === 'const') return { kind: 'const', value: n.attrs.value!, size: numel(n.shape) };
    throw new Error(`internal: result ${n.op} has no storage`);
  });

  // Which kernel outputs stay on the device, and which the host reads.
  const readOnHost = (ref: BufferRef) => {
    if (ref.kind === 'kernel') kernels[ref.index]!.readback = true;
  };
  for (const st of steps) {
    if (st.kind === 'kernel') {
      for (const p of st.params) {
        if (p.kind !== 'kernel') continue;
        if (st.where === 'device') kernels[p.index]!.pipeline = true;
        else readOnHost(p);
      }
    } else if (st.kind === 'finish') readOnHost(st.from.buffer);
    else if (st.kind === 'scatter') {
      readOnHost(st.values.buffer);
      readOnHost(st.index.buffer);
    } else readOnHost(st.values.buffer);
  }
  for (const r of results) if (r.kind === 'stored') readOnHost(r.at.buffer);
  for (const k of kernels) if (k.where === 'host') k.pipeline = false;
  return { inputs, steps, kernels, hostSizes, results };
}

/** The indexing nodes (gather, take, index_add) a group's kernels evaluate. */
function sitesIn(group: Group, locations: Map<Node, Location>): Node[] {
  const out: Node[] = [];
  const seen = new Set<Node>();
  const stack = group.kernels.map((k) => k.node);
  while (stack.length) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    if (n.op === 'gather' || n.op === 'take' || n.op === 'index_add') out.push(n);
    for (const a of n.args) if (!locations.has(a)) stack.push(a);
  }
  return out;
}

/** Materialized nodes a group's kernels read. */
function groupReads(group: Group, locations: Map<Node, Location>): Set<Node> {
  const out = new Set<Node>();
  const seen = new Set<Node>();
  const own = new Set(group.kernels.map((k) => k.node));
  const stack = group.kernels.flatMap((k) => [...k.node.args]);
  while (stack.length) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    if (!own.has(n) && locations.has(n)) out.add(n);
    else if (n.op !== 'input') stack.push(...n.args);
  }
  return out;
}

// ---- kernel bodies --------------------------------------------------------------------------

interface Segment {
  size: number;
  /** Emits the segment's statements into s and returns the value's expression; u is the local index. */
  body: (u: string, s: Scope) => string;
}

/** One function: the thread picks its segment, then computes one element of it. */
function renderKernel(w: Writer, segments: Segment[]): string {
  const lines: string[] = [];
  let start = 0;
  segments.forEach((seg, i) => {
    const last = i === segments.length - 1;
    const s: Scope = { lines: [], cache: new Map(), indent: last ? '  ' : '    ' };
    const u = start === 0 ? 't' : w.temp(s, `t - ${start}`);
    const v = seg.body(u, s);
    if (last) lines.push(...s.lines, `  return ${v};`);
    else lines.push(`  if (t < ${start + seg.size}) {`, ...s.lines, `    return ${v};`, '  }');
    start += seg.size;
  });
  const params = w.params.map((p) => w.param(p));
  const one = w.usesOne ? ['  const lcOne = Math.min(t + 1, 1);'] : [];
  return [`function KERNEL(${params.join(', ')}) {`, '  const t = lcFloat(this.thread.x);', ...one, ...lines, '}'].join('\n');
}

/** A reduction segment: thread u = row * blocks + block folds one block of its row. */
function reduceBody(w: Writer, k: Kernel, u: string, s: Scope): string {
  if (k.pick) return pickBody(w, k, u, s);
  const n = k.node;
  const S = k.loopShape;
  const dims = k.reduced;
  const keptDims = S.map((_, d) => d).filter((d) => !dims.includes(d));
  const keptShape = keptDims.map((d) => S[d]!);
  const redShape = dims.map((d) => S[d]!);
  const R = numel(redShape);
  const { blocks, length } = blocking(R);
  // A logsumexp's output is two halves of rows × blocks threads each (see its pass below).
  let half = '0';
  if (n.op === 'logsumexp') {
    const part = numel(keptShape) * blocks;
    half = w.temp(s, `(${u} >= ${part} ? 1 : 0)`);
    u = w.temp(s, `${u} - ${half} * ${part}`);
  }
  const row = blocks === 1 ? u : w.temp(s, `Math.floor((${u} + 0.5) / ${blocks})`);
  const blk = blocks === 1 ? '0' : w.temp(s, `${u} - ${row} * ${blocks}`);
  const rowIx = w.flatIx(keptShape, row, s);
  // Flat offset into S when the reduced dims are trailing (row-major rows) or are all dims.
  const trailing = dims.every((d, i) => d === S.length - dims.length + i);
  const ind = s.indent;

  /** One pass over the block: `step(value)` is the accumulation statement. */
  const pass = (step: (v: string, r: string) => string): string[] => {
    const j = w.fresh('j');
    const inner: Scope = { lines: [], cache: new Map(), indent: `${ind}  ` };
    const r = w.temp(inner, blocks === 1 ? `lcFloat(${j})` : `${blk} * ${length} + lcFloat(${j})`);
    const redIx = w.flatIx(redShape, r, inner);
    const flat = trailing ? (keptDims.length === 0 ? r : `${row} * ${R} + ${r}`) : undefined;
    const full = new Ix(S, () => {
      const vars = new Array<string>(S.length);
      keptDims.forEach((d, i) => (vars[d] = rowIx.vars[i]!));
      dims.forEach((d, i) => (vars[d] = redIx.vars[i]!));
      return vars;
    }, flat);
    const guarded = blocks * length > R;
    const body: Scope = guarded ? { lines: [], cache: inner.cache, indent: `${ind}    ` } : inner;
    const v = w.ex(n.args[0]!, full, body);
    const stmt = step(v, r);
    const loop = [`${ind}for (let ${j} = 0; ${j} < ${length}; ${j}++) {`];
    if (guarded) loop.push(...inner.lines, `${ind}  if (${r} < ${R}) {`, ...body.lines, `${body.indent}${stmt}`, `${ind}  }`);
    else loop.push(...inner.lines, `${inner.indent}${stmt}`);
    loop.push(`${ind}}`);
    return loop;
  };

  const acc = w.fresh('acc');
  if (n.op === 'logsumexp') {
    // Max-shifted, two passes over the block. The first finds the maximum and where it is, the
    // second sums exp(x - max) over the other elements: the block's logsumexp is max + log1p of
    // that sum, exact to float32 rounding of each part however close the sum is to 1. Threads
    // of the first half return the max, of the second half the log1p: one code path, so both
    // halves see the same maximum. A row whose max is not finite has that value (and log1p 0).
    const am = w.fresh('am');
    const sum = w.fresh('se');
    const first = pass((v, r) => `if (${v} > ${acc} || ${v} !== ${v}) { ${acc} = ${v}; ${am} = ${r}; }`);
    // The max is stored as float32: round it first, and add the maximum's own term as
    // expm1(x - max), so the parts stay exact where the arithmetic is float64 (mode cpu).
    const second = pass((v, r) => `${sum} += (${r} !== ${am} ? Math.exp(${v} - ${acc}) : lcExpm1(${v} - ${acc}));`);
    s.lines.push(`${ind}let ${acc} = ${REDUCE_INIT.logsumexp};`, `${ind}let ${am} = (-1);`, ...first, `${ind}${acc} = Math.fround(${acc});`, `${ind}let ${sum} = 0;`, `${ind}if (Math.abs(${acc}) < Infinity) {`, ...second.map((l) => `  ${l}`), `${ind}}`);
    return w.temp(s, `(${half} !== 0 ? lcLog1p(${sum}) : ${acc})`);
  }
  const op = n.op as ReduceOp;
  const p = n.attrs.p;
  const stepOf = (v: string): string => {
    switch (op) {
      case 'sum':
        return `${acc} += ${v};`;
      case 'prod':
        return `${acc} *= ${v};`;
      case 'amax':
        return `if (${acc} === ${acc} && (${v} > ${acc} || ${v} !== ${v})) { ${acc} = ${v}; }`;
      case 'amin':
        return `if (${acc} === ${acc} && (${v} < ${acc} || ${v} !== ${v})) { ${acc} = ${v}; }`;
      case 'norm':
        return p === 2 ? `${acc} += ${v} * ${v};` : p === 1 ? `${acc} += Math.abs(${v});` : `${acc} += Math.pow(Math.abs(${v}), ${kernelNum(p!)});`;
      default:
        throw new Error(`internal: no gpu.js accumulator for ${op}`);
    }
  };
  s.lines.push(`${ind}let ${acc} = ${REDUCE_INIT[op]};`, ...pass((v) => stepOf(v)));
  // A norm over one block is final here; block partials stay sums of |x|^p for the host.
  if (op === 'norm' && blocks === 1) return p === 2 ? `Math.sqrt(${acc})` : p === 1 ? acc : `Math.pow(${acc}, ${kernelNum(1 / p!)})`;
  return acc;
}

/**
 * sum_j -…-where(j == t, v_j, 0) over the last dim (schedule.ts's PickSum): -…-v_t where
 * 0 <= t < size, else 0. One read instead of a loop over the row.
 */
function pickBody(w: Writer, k: Kernel, u: string, s: Scope): string {
  const pick = k.pick!;
  const S = k.loopShape;
  const size = S[S.length - 1]!;
  const rowIx = w.flatIx(S.slice(0, -1), u, s);
  const at = (last: string) => new Ix(S, () => [...rowIx.vars, last], `${u} * ${size} + ${last}`);
  const t = w.ex(pick.index, w.broadcast(at('0'), pick.index.shape), s);
  const ok = w.temp(s, `(${t} >= 0 && ${t} < ${size} ? 1 : 0)`);
  const tc = w.temp(s, `Math.min(Math.max(${t}, 0), ${size - 1})`);
  const v = w.ex(pick.value, w.broadcast(at(tc), pick.value.shape), s);
  return w.temp(s, `(${ok} !== 0 ? ${pick.negations % 2 === 1 ? `(-${v})` : v} : 0)`);
}

/** One output element of a (batched) matmul: a dot product over the shared dim. */
function matmulBody(w: Writer, n: Node, u: string, s: Scope): string {
  const [a, b] = n.args as [Node, Node];
  const r = n.shape.length;
  const K = a.shape[r - 1]!;
  const outIx = w.flatIx(n.shape, u, s);
  const acc = w.fresh('acc');
  const p = w.fresh('p');
  const inner: Scope = { lines: [], cache: new Map(), indent: `${s.indent}  ` };
  const pf = w.temp(inner, `lcFloat(${p})`);
  const v = outIx.vars;
  const batch = v.slice(0, r - 2);
  const av = w.ex(a, fixedIx(a.shape, [...batch, v[r - 2]!, pf]), inner);
  const bv = w.ex(b, fixedIx(b.shape, [...batch, pf, v[r - 1]!]), inner);
  s.lines.push(`${s.indent}let ${acc} = 0;`, `${s.indent}for (let ${p} = 0; ${p} < ${K}; ${p}++) {`, ...inner.lines, `${inner.indent}${acc} += ${av} * ${bv};`, `${s.indent}}`);
  return acc;
}
