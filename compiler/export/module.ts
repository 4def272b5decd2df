// Renders an exported program (program.ts) as the text of one standalone ES module, in
// TypeScript (strict-clean) or plain JavaScript: a header saying what it computes, the types
// of its inputs and results with the dims in TSDoc, input validation with the JIT's messages,
// the math helpers the kernels call, and the kernels — the fused code the JIT runs, with the
// sizes as parameters. It imports nothing. Formatting is prettier's job (export/index.ts).
//
// User text (the source, option values, names in messages) only ever appears in `//` comments
// split at every line terminator, and in string literals written by JSON.stringify.

import type { ExportedProgram, ExportKernel } from './program.js';
import type { DimSpec, ExportSignature } from './signature.js';
import type { RewriteEvent } from '../rewrite/engine.js';
import type { OptionValue } from '../lower.js';
import { printNode } from '../print.js';

export interface ModuleMeta {
  /** The loss's name (`formula` for a formula). */
  name: string;
  /** The source text and where it came from (a file name, `<formula>`, `stdlib`). */
  source: string;
  /** What the header shows of it: the formula, or the chosen loss's definition and its doc. */
  excerpt: string;
  sourceName: string;
  options: Record<string, OptionValue>;
  stabilize: boolean;
  version: string;
  /** Float inputs with no gradient (as in PyTorch), with the reason. */
  notDifferentiable: Record<string, string>;
}

/** TypeScript, JavaScript, or the declarations (`.d.ts`) of the JavaScript module. */
export type Target = 'ts' | 'js' | 'dts';

const json = (v: unknown) => JSON.stringify(v);

/** Comment lines for arbitrary text: every line terminator JS knows starts a new `//` line. */
function commentLines(text: string, indent = ''): string[] {
  return text.split(/\r\n|[\n\r\u2028\u2029]/).map((l) => `//${l || indent ? ' ' : ''}${indent}${l}`.trimEnd());
}

const dimsText = (dims: readonly DimSpec[]) => `[${dims.join(', ')}]`;

export function renderModule(p: ExportedProgram, meta: ModuleMeta, target: Target): string {
  const ts = target === 'ts';
  const T = (text: string) => (ts ? text : '');
  const sig = p.signature;
  const floats = p.floatInputs;
  const out: string[] = [];

  out.push(
    ...headerLines(meta, sig, p.valueDims.map((d) => d.doc), p.rewrites, ts, [
      '// Sizes are read from the inputs at each call; a dim named twice must have one size.',
      '// Reductions accumulate in float64; float32 inputs give float32 results.',
    ]),
  );

  if (ts) out.push(...typeLines(sig, floats, p.valueDims.map((d) => d.doc)));
  out.push(...identityLines(meta, sig, p.valueDims.map((d) => d.doc), ts));

  // ---- signature data and validation ------------------------------------------------------
  out.push(...inputDataLines(meta, sig, floats, ts), RUNTIME(ts), '');

  // ---- math helpers and kernels -----------------------------------------------------------
  const all = [...p.kernels, ...p.checks.map((c) => c.kernel)];
  const { prelude, kernels } = linkKernels(all);
  out.push(ts ? typePrelude(prelude) : prelude, '');
  out.push(`const SITES${T(': [string, string][]')} = ${json(collectSites(all, meta))};`, '');
  const lossParams = (k: ExportKernel) => sig.inputs.length + (k.gradOutput ? 1 : 0) + 1 + k.wrt.length;
  kernels.forEach((k, i) => {
    const check = i >= p.kernels.length ? p.checks[i - p.kernels.length] : undefined;
    const shape = check ? { dims: check.dimNames.length, params: 2 } : { dims: sig.dimNames.length, params: lossParams(k) };
    out.push(renderKernel(k, i, shape, siteOffset(all, i), ts), '');
  });
  out.push(
    '/** Conditions on input values, checked before the loss runs (as PyTorch checks them). */',
    `const CHECKS${T(': { input: number; message: string; dims: number[]; kernel: Kernel }[]')} = [`,
    ...p.checks.map((c, j) => {
      const input = sig.inputs.findIndex((i) => i.name === c.input);
      const dims = c.dimNames.map((n) => sig.dimNames.indexOf(n));
      return `  { input: ${input}, message: ${json(c.message)}, dims: ${json(dims)}, kernel: kernel${p.kernels.length + j} },`;
    }),
    '];',
    '',
  );

  // ---- entry points ---------------------------------------------------------------------------
  /** `[float64 kernel, float32 kernel]` for a gradient request. */
  const pair = (wrt: readonly string[]) => {
    const find = (dialect: string) => p.kernels.findIndex((k) => k.dialect === dialect && k.wrt.join(',') === wrt.join(','));
    return `[kernel${find('float64')}, kernel${find('float32')}]`;
  };
  const gradSets = [...new Set(p.kernels.filter((k) => k.wrt.length).map((k) => k.wrt.join(',')))];
  const valueShape = `[${p.valueDims.map((d) => d.code.replace(/\bd(\d+)\b/g, 'sizes[$1]')).join(', ')}]`;
  const gradOutputKernel = p.kernels.some((k) => k.wrt.length > 0 && k.gradOutput);
  out.push(
    `const VALUE_KERNELS${T(': [Kernel, Kernel]')} = ${pair([])};`,
    '/** The kernels of each gradient request, by the requested inputs in order; others compute all. */',
    `const GRAD_KERNELS${T(': Map<string, [Kernel, Kernel]>')} = new Map([`,
    ...gradSets.map((w) => `  [${json(w)}, ${pair(w.split(','))}],`),
    ']);',
    '',
    '/** The loss value. */',
    `export function forward(given${T(': Inputs')})${T(': Tensor')} {`,
    '  const { arrays, sizes, float32 } = prepare(given);',
    `  const value = allocate(float32, ${valueShape});`,
    '  instance(VALUE_KERNELS[float32 ? 1 : 0], sizes)(...arrays, value.data);',
    '  return value;',
    '}',
    '',
    '/** The loss value and its gradients with respect to `opts.wrt` (default: every float input). */',
    `export function valueAndGrad(given${T(': Inputs')}, opts${T(': GradOptions')} = {})${T(': ValueAndGrad')} {`,
    '  const { arrays, sizes, float32 } = prepare(given);',
    `  const value = allocate(float32, ${valueShape});`,
    '  const requested = gradRequest(opts);',
    `  const grads${T(': { [name: string]: Tensor }')} = {};`,
    '  const seed = gradOutputOf(opts, value.shape);',
    '  if (requested.length === 0) {',
    '    instance(VALUE_KERNELS[float32 ? 1 : 0], sizes)(...arrays, value.data);',
    '    return { value, grads };',
    '  }',
    '  const wanted = FLOAT_INPUTS.filter((n) => requested.indexOf(n) >= 0);',
    '  const computed = GRAD_KERNELS.has(wanted.join(",")) ? wanted : FLOAT_INPUTS;',
    '  const outs = gradientBuffers(opts, arrays, sizes, seed, wanted, computed, grads);',
    '  const run = instance(GRAD_KERNELS.get(computed.join(","))' + T('!') + '[float32 ? 1 : 0], sizes);',
    gradOutputKernel
      ? '  run(...arrays, seed === undefined ? ones(value.data.length) : seed.data, value.data, ...outs);'
      : '  run(...arrays, value.data, ...outs);',
    ...(gradOutputKernel
      ? []
      : ['  // A scalar value: the gradients are linear in the upstream gradient.', '  if (seed !== undefined && seed.data[0] !== 1) for (const o of outs) for (let i = 0; i < o.length; i++) o[i] *= seed.data[0]' + T('!') + ';']),
    '  return { value, grads };',
    '}',
    '',
  );
  return out.join('\n');
}

/** The module's header comment: source, options, inputs, value, rewrites, then `notes`. */
export function headerLines(meta: ModuleMeta, sig: ExportSignature, valueDocs: readonly string[], rewrites: readonly RewriteEvent[], ts: boolean, notes: readonly string[]): string[] {
  return [
    ...(ts ? ['/// <reference lib="es2015" />'] : []),
    `// ${meta.name}: generated by lossc ${meta.version} (\`lossc compile\`). Do not edit: export again.`,
    '//',
    `// Source (${meta.sourceName}):`,
    ...commentLines(meta.excerpt.trim(), '  '),
    '//',
    `// Options: ${Object.keys(meta.options).length ? '' : '(defaults)'}`,
    ...Object.entries(meta.options).flatMap(([k, v]) => commentLines(`${k} = ${json(v)}`, '  ')),
    `// Inputs: ${sig.inputs.map((i) => `${i.name}: ${i.dtype} ${dimsText(i.dims)}`).join(', ') || '(none)'}`,
    `// Value: ${valueDocs.length ? `[${valueDocs.join(', ')}]` : 'a scalar'}`,
    `// Stabilization: ${meta.stabilize ? 'on' : 'off (the formula as written)'}`,
    ...rewriteLines(rewrites, meta.source),
    '//',
    ...notes,
    '',
  ];
}

/** The exported types (TypeScript only): Tensor, TensorLike, Inputs, FloatInput, GradOptions, ValueAndGrad. */
export function typeLines(sig: ExportSignature, floats: readonly string[], valueDocs: readonly string[]): string[] {
  const floatNames = floats.length ? floats.map(json).join(' | ') : 'never';
  return [
    'export type FloatArray = Float32Array | Float64Array;',
    '/** A dense row-major tensor; a scalar has shape []. */',
    'export interface Tensor<D extends FloatArray | Int32Array = FloatArray> {',
    '  data: D;',
    '  shape: number[];',
    '}',
    '/** An input: a tensor, a plain `{ data, shape }` object, or a number (a scalar). */',
    'export type TensorLike = { data: ArrayLike<number>; shape: readonly number[] } | number;',
    '',
    '/** The inputs, by name. */',
    'export interface Inputs {',
    ...sig.inputs.flatMap((i) => [
      `  /** ${i.dtype === 'int' ? 'int (an Int32Array, or integers)' : 'float (a Float32Array or Float64Array)'}, shape ${dimsText(i.dims)}. */`,
      `  ${json(i.name)}: TensorLike;`,
    ]),
    '}',
    '/** The inputs a gradient can be taken with respect to. */',
    `export type FloatInput = ${floatNames};`,
    'export interface GradOptions {',
    '  /** Inputs to differentiate with respect to (default: every float input). */',
    '  wrt?: readonly FloatInput[];',
    `  /** Upstream gradient, of the value's shape (default: ones). */`,
    '  gradOutput?: TensorLike;',
    '  /** Buffers to write gradients into (each the size of its input, apart from every input). */',
    '  out?: { [K in FloatInput]?: FloatArray };',
    '}',
    'export interface ValueAndGrad {',
    `  /** Shape [${valueDocs.join(', ')}]. */`,
    '  value: Tensor;',
    '  grads: { [K in FloatInput]?: Tensor };',
    '}',
    '',
  ];
}

/**
 * The declarations of a JavaScript export (`--target dts`; `lossc compile -o x.js` writes
 * `x.d.ts` beside it): its types and signatures without the implementation, for projects whose
 * compiler settings go beyond `--strict` (noUncheckedIndexedAccess, noUnusedLocals …).
 */
export function renderDeclarations(meta: ModuleMeta, sig: ExportSignature, floats: readonly string[], valueDocs: readonly string[], extra: readonly string[] = []): string {
  return [
    `// Types of the JavaScript module of ${meta.name}, generated by lossc ${meta.version} (\`lossc compile\`). Do not edit: export again.`,
    `// Inputs: ${sig.inputs.map((i) => `${i.name}: ${i.dtype} ${dimsText(i.dims)}`).join(', ') || '(none)'}`,
    `// Value: ${valueDocs.length ? `[${valueDocs.join(', ')}]` : 'a scalar'}`,
    '',
    ...typeLines(sig, floats, valueDocs),
    '/** Every mistake in a call (missing input, wrong shape or dtype, index out of range). */',
    'export declare class LossError extends Error {',
    '  readonly code: string;',
    '  constructor(code: string, message: string);',
    '}',
    `/** The loss's name and its inputs, in order. */`,
    'export declare const name: string;',
    'export declare const inputs: readonly string[];',
    "/** Each input's dtype and dims (a name: any size, the same wherever it appears; a number: that size), and the value's dims. */",
    "export declare const signature: { inputs: { name: string; dtype: 'float' | 'int'; dims: (string | number)[] }[]; value: string[] };",
    '/** The loss value. */',
    'export declare function forward(inputs: Inputs): Tensor;',
    '/** The loss value and its gradients with respect to `opts.wrt` (default: every float input). */',
    'export declare function valueAndGrad(inputs: Inputs, opts?: GradOptions): ValueAndGrad;',
    ...extra,
    '',
  ].join('\n');
}

/** LossError, name, inputs and signature. */
export function identityLines(meta: ModuleMeta, sig: ExportSignature, valueDocs: readonly string[], ts: boolean): string[] {
  const T = (text: string) => (ts ? text : '');
  return [
    '/** Every mistake in a call (missing input, wrong shape or dtype, index out of range). */',
    'export class LossError extends Error {',
    ...(ts ? ['  readonly code: string;'] : []),
    `  constructor(code${T(': string')}, message${T(': string')}) {`,
    '    super(`error ${code}: ${message}`);',
    "    this.name = 'LossError';",
    '    this.code = code;',
    '    Object.setPrototypeOf(this, new.target.prototype);',
    '  }',
    '}',
    '',
    `/** The loss's name and its inputs, in order. */`,
    `export const name = ${json(meta.name)};`,
    `export const inputs${T(': readonly string[]')} = ${json(sig.inputs.map((i) => i.name))};`,
    '/** Each input\'s dtype and dims (a name: any size, the same wherever it appears; a number: that size), and the value\'s dims. */',
    `export const signature${T(": { inputs: { name: string; dtype: 'float' | 'int'; dims: (string | number)[] }[]; value: string[] }")} = ${json({
      inputs: sig.inputs.map((i) => ({ name: i.name, dtype: i.dtype, dims: i.dims })),
      value: valueDocs,
    })};`,
    '',
  ];
}

/** The signature as data for validation (VALIDATION): dim names, inputs, float inputs. */
export function inputDataLines(meta: ModuleMeta, sig: ExportSignature, floats: readonly string[], ts: boolean): string[] {
  const T = (text: string) => (ts ? text : '');
  const inputInfo = sig.inputs.map((i) => ({ name: i.name, int: i.dtype === 'int', dims: i.dims.map((d) => (typeof d === 'number' ? d : sig.dimNames.indexOf(d))), fixed: i.dims.map((d) => typeof d === 'number') }));
  return [
    T('type AnyArray = FloatArray | Int32Array;'),
    T('interface InputInfo { name: string; int: boolean; dims: number[]; fixed: boolean[] }'),
    `const DIM_NAMES${T(': string[]')} = ${json(sig.dimNames)};`,
    `const INPUTS${T(': InputInfo[]')} = ${json(inputInfo)};`,
    `const FLOAT_INPUTS${T(': string[]')} = ${json(floats)};`,
    `const NOT_DIFFERENTIABLE${T(': Map<string, string>')} = new Map(${json(Object.entries(meta.notDifferentiable))});`,
    `const MAX_ELEMENTS = 2147483647;`,
    '',
  ];
}

/** One comment line per stability rewrite: rule, table and where in the source. */
function rewriteLines(rewrites: readonly RewriteEvent[], source: string): string[] {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const r of rewrites) {
    if (r.kind !== 'stability') continue;
    const at = r.span ? ` at ${r.span.line}:${r.span.column}` : '';
    const text = r.span ? source.slice(r.span.start, r.span.end).replace(/\s+/g, ' ') : '';
    const line = `${r.rule} [${r.table}]${at}${text ? `: ${text.length > 60 ? `${text.slice(0, 60)}…` : text}` : ''}${r.phase.endsWith('gradient') ? ' (gradient)' : ''}`;
    if (seen.has(line)) continue;
    seen.add(line);
    lines.push(...commentLines(line, '  '));
  }
  return lines.length ? ['// Stability rewrites applied:', ...lines] : ['// Stability rewrites applied: none'];
}

/** [what, where] for each index check of each kernel, numbered across kernels. */
function collectSites(kernels: readonly ExportKernel[], meta: ModuleMeta): [string, string][] {
  return kernels.flatMap((k) =>
    k.sites.map((s): [string, string] => {
      const what = s.node.op === 'take' || s.node.op === 'index_add' ? 'row index' : 'class index';
      const text = printNode(s.node);
      const at = s.node.span ? ` (${meta.sourceName}:${s.node.span.line}:${s.node.span.column})` : '';
      return [what, `${text.length > 60 ? `${text.slice(0, 60)}…` : text}${at}`];
    }),
  );
}

/**
 * The kernels' helper functions as one prelude: shared where both dialects' texts agree, the
 * float32 version renamed (`$softplus_f32`) where they differ.
 */
function linkKernels(kernels: readonly ExportKernel[]): { prelude: string; kernels: ExportKernel[] } {
  const defined = new Map<string, string>();
  const chunks: string[] = [];
  const linked = kernels.map((k) => {
    let { prelude, run, scratch } = k;
    for (const chunk of splitPrelude(k.prelude)) {
      const fn = /^function (\$\w+)\(/.exec(chunk)?.[1];
      const key = fn ?? chunk;
      const have = defined.get(key);
      if (have === undefined) {
        defined.set(key, chunk);
        chunks.push(chunk);
      } else if (fn && have !== chunk) {
        const renamed = `${fn}_f32`;
        const re = new RegExp(`\\${fn}(?![\\w$])`, 'g');
        const chunk32 = chunk.replace(re, renamed);
        prelude = prelude.replace(re, renamed);
        run = run.replace(re, renamed);
        scratch = scratch.map((l) => l.replace(re, renamed));
        if (!defined.has(renamed)) {
          defined.set(renamed, chunk32);
          chunks.push(chunk32);
        }
      }
    }
    return { ...k, prelude, run, scratch };
  });
  return { prelude: chunks.join('\n'), kernels: linked };
}

/** A prelude split into its top-level functions and statement blocks. */
function splitPrelude(text: string): string[] {
  return text
    .split(/^(?=function |const \$)/m)
    .map((c) => c.trim())
    .filter((c) => c !== '');
}

/** The helper functions with their (all-number) types. */
function typePrelude(text: string): string {
  return text.replace(/^function (\$\w+)\(([^)]*)\) \{/gm, (_m, name: string, params: string) => {
    const typed = params
      .split(',')
      .map((q) => q.trim())
      .filter((q) => q !== '')
      .map((q) => `${q}: number`)
      .join(', ');
    return `function ${name}(${typed}): number {`;
  });
}

function renderKernel(k: ExportKernel, index: number, shape: { dims: number; params: number }, firstSite: number, ts: boolean): string {
  const dims = Array.from({ length: shape.dims }, (_, i) => `d${i}${ts ? ': number' : ''}`);
  // Every array is typed AnyArray: one Run type for every kernel (the signature, not the
  // kernel, decides which array is which).
  const paramTypes = Array.from({ length: shape.params }, () => 'AnyArray');
  const run = k.run.replace(/^return function run\(([^)]*)\) \{/, (_m, params: string) => {
    const names = params.split(',').map((q) => q.trim());
    if (names.length !== paramTypes.length) throw new Error(`internal: kernel has ${names.length} parameters, expected ${paramTypes.length}`);
    return `return function run(${names.map((n, i) => (ts ? `${n}: ${paramTypes[i]}` : n)).join(', ')})${ts ? ': void' : ''} {`;
  });
  const what = `${k.wrt.length ? `value and the gradients of ${k.wrt.join(', ')}` : 'value'}, ${k.dialect} inputs${k.gradOutput ? ', upstream gradient after the inputs' : ''}`;
  return [
    `// Kernel ${index}: ${what}.`,
    `function kernel${index}(fail${ts ? ': Fail' : ''}${dims.length ? `, ${dims.join(', ')}` : ''}) {`,
    ...k.scratch.map((l) => `  ${l}`),
    ...run.split('\n').map((l) => `  ${l}`),
    '}',
    `kernel${index}.firstSite = ${firstSite};`,
  ].join('\n');
}

/** The first SITES index of kernel i (sites are numbered within each kernel). */
function siteOffset(kernels: readonly ExportKernel[], i: number): number {
  return kernels.slice(0, i).reduce((n, k) => n + k.sites.length, 0);
}

/** Validation, allocation and kernel instantiation: the same text in every module. */
function RUNTIME(ts: boolean): string {
  const T = (text: string) => (ts ? text : '');
  return `${T('type Fail = (site: number, value: number, position: number[], limit: number) => never;')}
${T('type Run = (...arrays: AnyArray[]) => void;')}
${T('type Kernel = { (fail: Fail, ...sizes: number[]): Run; firstSite: number };')}

${VALIDATION(ts, CHECK_VALUES(ts, `instance(c.kernel, c.dims.map((d) => sizes[d]${T('!')}))(data, ok);`))}

/** Index errors inside a kernel: which index, where in the source, at which position. */
function failAt(firstSite${T(': number')})${T(': Fail')} {
  return (site, value, position, limit) => {
    const [what, where] = SITES[firstSite + site]${T('!')};
    throw new LossError('LD3007', \`\${what} \${value} is out of range [0, \${limit}) in \${where} at position \${describe(position)}\`);
  };
}

const instances = new Map${T('<Kernel, { key: string; run: Run }>')}();

/** The kernel instantiated for these sizes (scratch buffers included), reused while they repeat. */
function instance(kernel${T(': Kernel')}, sizes${T(': number[]')})${T(': Run')} {
  const key = sizes.join(',');
  const hit = instances.get(kernel);
  if (hit !== undefined && hit.key === key) return hit.run;
  let run${T(': Run')};
  try {
    run = kernel(failAt(kernel.firstSite), ...sizes);
  } catch (e) {
    if (e instanceof RangeError) throw new LossError('LD2048', \`an intermediate tensor for sizes \${describe(sizes)} is more than a typed array holds\`);
    throw e;
  }
  instances.set(kernel, { key, run });
  return run;
}`;
}

/**
 * Input validation and allocation, shared by every exported module (JS and gpu.js back ends):
 * own, describe, prepare (which calls the module's \`checkValues(arrays, sizes)\`, given as
 * \`checkValues\` text), tensorOf, shapeOf, allocate, ones, gradRequest, gradOutputOf, overlaps,
 * outBuffer. It reads the module's INPUTS, DIM_NAMES, FLOAT_INPUTS, NOT_DIFFERENTIABLE,
 * MAX_ELEMENTS, name, inputs and LossError (inputDataLines, identityLines).
 */
export function VALIDATION(ts: boolean, checkValues: string): string {
  const T = (text: string) => (ts ? text : '');
  return `const own = (o${T(': object')}, k${T(': string')}) => Object.prototype.hasOwnProperty.call(o, k);
/** An own property, whatever its name (an input named \`__proto__\` included). */
const define = (o${T(': object')}, k${T(': string')}, v${T(': unknown')}) => Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
const describe = (shape${T(': readonly (number | string)[]')}) => \`[\${shape.join(', ')}]\`;

/** Checks every input against the signature; returns the arrays in order and the dim sizes. */
function prepare(given${T(': Inputs')})${T(': { arrays: AnyArray[]; sizes: number[]; float32: boolean }')} {
  if (typeof given !== 'object' || given === null) throw new LossError('LD3008', "Input 'inputs': expected an object mapping input names to tensors");
  for (const k of Object.keys(given)) {
    if (!INPUTS.some((i) => i.name === k)) throw new LossError('LD3002', \`Unknown input '\${k}' (inputs: \${inputs.join(', ') || 'none'})\`);
  }
  const sizes = DIM_NAMES.map(() => -1);
  const owner${T(': string[]')} = DIM_NAMES.map(() => '');
  let float32 = FLOAT_INPUTS.length > 0;
  const arrays = INPUTS.map((info) => {
    const v = own(given, info.name) ? ${ts ? '(given as unknown as { [name: string]: unknown })' : 'given'}[info.name] : undefined;
    if (v === undefined) throw new LossError('LD3001', \`Missing input '\${info.name}'\`);
    const t = tensorOf(info, v);
    if (t.shape.length !== info.dims.length) {
      throw new LossError('LD3006', \`Input '\${info.name}': expected \${info.dims.length} dim\${info.dims.length === 1 ? '' : 's'} \${describe(info.dims.map((d, k) => (info.fixed[k] ? d : DIM_NAMES[d]${T('!')})))} but got shape \${describe(t.shape)}\`);
    }
    info.dims.forEach((d, k) => {
      const size = t.shape[k]${T('!')};
      if (info.fixed[k]) {
        if (size !== d) throw new LossError('LD3006', \`Input '\${info.name}': dim \${k} must be \${d} but is \${size}\`);
      } else if (sizes[d]${T('!')} < 0) {
        sizes[d] = size;
        owner[d] = info.name;
      } else if (sizes[d] !== size) {
        throw new LossError('LD3005', \`Input '\${info.name}' has \${DIM_NAMES[d]} = \${size}, but '\${owner[d]}' has \${DIM_NAMES[d]} = \${sizes[d]}\`);
      }
    });
    if (!info.int && !(t.data instanceof Float32Array)) float32 = false;
    return t.data;
  });
  checkValues(arrays, sizes);
  return { arrays, sizes, float32 };
}

${checkValues}

/** One input as a typed array of the right dtype (plain arrays are copied). */
function tensorOf(info${T(': InputInfo')}, v${T(': unknown')})${T(': { data: AnyArray; shape: number[] }')} {
  if (typeof v === 'number') v = { data: [v], shape: [] };
  if (typeof v !== 'object' || v === null || !('data' in v) || !('shape' in v)) throw new LossError('LD3008', \`Input '\${info.name}': expected a tensor { data, shape } or a number\`);
  const { data, shape } = v${T(' as { data: unknown; shape: unknown }')};
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0 && d <= MAX_ELEMENTS)) {
    throw new LossError('LD3008', \`Input '\${info.name}': its shape must be an array of non-negative integers\`);
  }
  const dims = shape.map((d) => (d${T(' as number')}) + 0);
  const count = dims.reduce((a, b) => a * b, 1);
  if (count > MAX_ELEMENTS) throw new LossError('LD3008', \`Input '\${info.name}': shape \${describe(dims)} has more elements than a typed array holds\`);
  let out${T(': AnyArray')};
  if (data instanceof Float32Array || data instanceof Float64Array) {
    if (info.int) throw new LossError('LD3003', \`Input '\${info.name}' must be int32 (class indices: an Int32Array) but is \${data instanceof Float32Array ? 'float32' : 'float64'}\`);
    out = data;
  } else if (data instanceof Int32Array) {
    if (!info.int) throw new LossError('LD3003', \`Input '\${info.name}' must be float32 or float64 but is int32\`);
    out = data;
  } else if (Array.isArray(data) && data.every((x) => typeof x === 'number')) {
    if (info.int && !data.every((x) => Number.isInteger(x) && Math.abs(x) < 2147483648)) throw new LossError('LD3003', \`Input '\${info.name}' must be int32 (class indices) but has non-integer entries\`);
    out = info.int ? Int32Array.from(data${T(' as number[]')}) : Float64Array.from(data${T(' as number[]')});
  } else {
    throw new LossError('LD3008', \`Input '\${info.name}': data must be a typed array or an array of numbers\`);
  }
  if (out.length !== count) throw new LossError('LD3004', \`Input '\${info.name}' has \${out.length} elements but its shape \${describe(dims)} needs \${count}\`);
  return { data: out, shape: dims };
}

function shapeOf(info${T(': InputInfo')}, sizes${T(': number[]')})${T(': number[]')} {
  return info.dims.map((d, k) => (info.fixed[k] ? d : sizes[d]${T('!')}));
}

function allocate(float32${T(': boolean')}, shape${T(': number[]')})${T(': Tensor')} {
  const n = shape.reduce((a, b) => a * b, 1);
  return { data: float32 ? new Float32Array(n) : new Float64Array(n), shape };
}

function ones(n${T(': number')})${T(': Float64Array')} {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = 1;
  return out;
}

function gradRequest(opts${T(': GradOptions')})${T(': string[]')} {
  const wrt = opts.wrt === undefined ? FLOAT_INPUTS.filter((n) => !NOT_DIFFERENTIABLE.has(n)) : opts.wrt;
  if (!Array.isArray(wrt)) throw new LossError('LD3009', \`Cannot differentiate with respect to '\${String(wrt)}': not a float input (float inputs: \${FLOAT_INPUTS.join(', ') || 'none'})\`);
  for (const w of wrt) {
    if (FLOAT_INPUTS.indexOf(w) < 0) throw new LossError('LD3009', \`Cannot differentiate with respect to '\${String(w)}': not a float input (float inputs: \${FLOAT_INPUTS.join(', ') || 'none'})\`);
    if (NOT_DIFFERENTIABLE.has(w)) throw new LossError('LD3061', \`\${name} cannot be differentiated with respect to '\${w}' (as in PyTorch): \${NOT_DIFFERENTIABLE.get(w)}\`);
  }
  return wrt${T(' as string[]')};
}

function gradOutputOf(opts${T(': GradOptions')}, shape${T(': number[]')})${T(': { data: AnyArray; shape: number[] } | undefined')} {
  if (opts.gradOutput === undefined) return undefined;
  const g = tensorOf({ name: 'gradOutput', int: false, dims: [], fixed: [] }, opts.gradOutput);
  if (g.shape.length !== shape.length || g.shape.some((d, i) => d !== shape[i])) {
    throw new LossError('LD3010', \`gradOutput has shape \${describe(g.shape)} but the value has shape \${describe(shape)}\`);
  }
  return g;
}

const overlaps = (a${T(': AnyArray')}, b${T(': AnyArray')}) => a.buffer === b.buffer && a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;

/** The caller's buffer for one gradient, checked: right type and length, no memory shared. */
function outBuffer(opts${T(': GradOptions')}, name${T(': string')}, input${T(': FloatArray')}, arrays${T(': AnyArray[]')}, seed${T(': { data: AnyArray } | undefined')}, outs${T(': FloatArray[]')})${T(': FloatArray | undefined')} {
  const given = opts.out !== undefined && own(opts.out, name) ? ${ts ? '(opts.out as { [name: string]: FloatArray | undefined })' : 'opts.out'}[name] : undefined;
  if (given === undefined) return undefined;
  if (!(given instanceof Float32Array || given instanceof Float64Array) || given.length !== input.length) {
    throw new LossError('LD3011', \`out buffer for '\${name}' must be a Float32Array or Float64Array of \${input.length} elements (the input is \${input instanceof Float32Array ? 'float32' : 'float64'})\`);
  }
  const clash = arrays.findIndex((a) => overlaps(given, a));
  if (clash >= 0) throw new LossError('LD3012', \`out buffer for '\${name}' shares memory with input '\${INPUTS[clash]${T('!')}.name}'\`);
  if (seed !== undefined && overlaps(given, seed.data)) throw new LossError('LD3012', \`out buffer for '\${name}' shares memory with gradOutput\`);
  if (outs.some((o) => overlaps(given, o))) throw new LossError('LD3012', \`out buffer for '\${name}' shares memory with another gradient's buffer\`);
  return given;
}

/**
 * The gradient buffers of a call, one per input the kernel computes (in order): the caller's
 * where given, else new ones of the input's dtype. Those asked for become properties of grads.
 */
function gradientBuffers(opts${T(': GradOptions')}, arrays${T(': AnyArray[]')}, sizes${T(': number[]')}, seed${T(': { data: AnyArray } | undefined')}, wanted${T(': string[]')}, computed${T(': string[]')}, grads${T(': { [name: string]: Tensor }')})${T(': FloatArray[]')} {
  const outs${T(': FloatArray[]')} = [];
  for (const name of computed) {
    const k = INPUTS.findIndex((i) => i.name === name);
    const input = arrays[k]${T(' as FloatArray')};
    const shape = shapeOf(INPUTS[k]${T('!')}, sizes);
    const keep = wanted.indexOf(name) >= 0;
    const buffer = keep ? outBuffer(opts, name, input, arrays, seed, outs) : undefined;
    const g = buffer !== undefined ? { data: buffer, shape } : allocate(input instanceof Float32Array, shape);
    if (keep) define(grads, name, g);
    outs.push(g.data);
  }
  return outs;
}`;
}

/**
 * checkValues over the module's CHECKS ({ input, message, … }): `compute` is the statement that
 * fills \`ok\` (a Float64Array, nonzero where the check holds) from \`data\` for check \`c\`.
 */
export function CHECK_VALUES(ts: boolean, compute: string): string {
  const T = (text: string) => (ts ? text : '');
  return `/** Raises LossError at the first element that breaks one of the loss's value checks. */
function checkValues(arrays${T(': AnyArray[]')}, sizes${T(': number[]')})${T(': void')} {
  for (const c of CHECKS) {
    const data = arrays[c.input]${T('!')};
    const ok = new Float64Array(data.length);
    ${compute}
    for (let i = 0; i < ok.length; i++) {
      if (ok[i] !== 0) continue;
      const info = INPUTS[c.input]${T('!')};
      const shape = shapeOf(info, sizes);
      const at = shape.map(() => 0);
      for (let d = shape.length - 1, f = i; d >= 0; d--) {
        at[d] = f % shape[d]${T('!')};
        f = Math.floor(f / shape[d]${T('!')});
      }
      throw new LossError('LD3060', \`Input '\${info.name}' of \${name}: \${c.message} (element \${describe(at)} is \${data[i]})\`);
    }
  }
}`;
}
