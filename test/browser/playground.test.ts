// End-to-end: the playground, built with Vite and served on 127.0.0.1, driven in Debian's
// headless Chromium (never a downloaded browser). Values computed in the page must equal the
// library's in Node (float32 tolerance), on the JS backend and on every gpu.js mode the page
// offers as available (WebGL2 and WebGPU run in headless Chromium on SwiftShader). Also: the
// explain view shows the stabilizing rewrite, a syntax error is underlined at its span, and the
// mish plot is drawn. LOSSC_SCREENSHOT=1 rewrites docs/playground.png from the plot.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile, type CompiledLoss } from '../../index.js';
import { rng, randn, randint } from '../helpers.js';
import { serveFolder, type StaticServer } from './server.js';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu-sandbox',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  // WebGPU on SwiftShader's Vulkan (docs: gpujs-notes §11); harmless for the WebGL modes.
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
];
const GPU_MODES = ['webgl2', 'webgpu'] as const;
const TOL = { js: 1e-9, gpu: 2e-5 };
/** Generous waits: WebGL shaders compile on SwiftShader, on two cores shared with other tests. */
const WAIT_MS = 90000;

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`playground e2e tests skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`);

type JsonTensor = { shape: number[]; data: number[]; dtype?: 'int32' };
const asJson = (t: { data: ArrayLike<number>; shape: number[] }): JsonTensor => ({
  shape: t.shape,
  data: Array.from(t.data),
  ...(t.data instanceof Int32Array ? { dtype: 'int32' as const } : {}),
});

interface Case {
  formula: string;
  inputs: Record<string, JsonTensor>;
}

const r = rng(2026);
const TRIPLET: Case = {
  formula: 'mean(max(0, d(a, p) - d(a, n) + 1))',
  inputs: { a: asJson(randn([8, 5], r)), p: asJson(randn([8, 5], r)), n: asJson(randn([8, 5], r)) },
};
const CROSS_ENTROPY: Case = {
  formula: 'cross_entropy(x, y)',
  inputs: { x: asJson(randn([8, 5], r)), y: asJson(randint([8], 5, r)) },
};

/** The library's own result in Node, or undefined when the formula does not compile here yet. */
function nodeResult(formula: string, inputs: Record<string, JsonTensor>): { value: number; grads: Record<string, number[]> } | undefined {
  let loss: CompiledLoss;
  try {
    loss = compile(formula);
  } catch {
    return undefined;
  }
  const out = loss.valueAndGrad(inputs) as Awaited<ReturnType<CompiledLoss['valueAndGrad']>>;
  return { value: out.value.data[0]!, grads: Object.fromEntries(Object.entries(out.grads).map(([k, g]) => [k, Array.from(g.data)])) };
}

const close = (got: number, want: number, rel: number) => Math.abs(got - want) <= rel * Math.max(1, Math.abs(want));

describe.skipIf(!haveChromium)('playground in headless Chromium', () => {
  let server: StaticServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    // A private output folder: test runs in parallel never serve each other's half-written build.
    const outDir = mkdtempSync(join(tmpdir(), 'lossc-playground-'));
    const args = ['node_modules/vite/bin/vite.js', 'build', '--config', 'playground/vite.config.ts', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'];
    const built = spawnSync(process.execPath, args, { encoding: 'utf8' });
    if (built.status !== 0) throw new Error(`vite build failed:\n${built.stdout}\n${built.stderr}`);
    server = await serveFolder(outDir);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(server.url);
    // The page runs its first example and draws the mish plot on load.
    await page.locator('body[data-runs="1"][data-plots="1"][data-backends="ready"]').waitFor({ timeout: WAIT_MS });
  }, 2 * WAIT_MS);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function runInPage(formula: string, inputs: Record<string, JsonTensor>, backend: string): Promise<void> {
    const before = Number(await page.locator('body').getAttribute('data-runs'));
    await page.getByTestId('backend').selectOption(backend);
    await page.getByTestId('formula').fill(formula);
    await page.getByTestId('inputs').fill(JSON.stringify(inputs));
    await page.getByTestId('run').click();
    await page.locator(`body[data-runs="${before + 1}"]`).waitFor({ timeout: WAIT_MS });
  }

  /** Runs a case and compares value and every gradient entry (from the cells' titles) with Node. */
  async function expectSameAsNode(c: Case, backend: string, rel: number): Promise<void> {
    const want = nodeResult(c.formula, c.inputs)!;
    await runInPage(c.formula, c.inputs, backend);
    const error = page.getByTestId('error');
    expect(await error.isVisible() ? await error.textContent() : '', `${backend}: no error`).toBe('');
    const shown = await page.getByTestId('value').textContent();
    expect(close(Number(shown), want.value, rel), `${backend}: page ${shown}, Node ${want.value}`).toBe(true);
    for (const [name, g] of Object.entries(want.grads)) {
      const titles = await page.locator(`figure[data-name="∂loss/∂${name}"] td`).evaluateAll((tds) => tds.map((td) => td.getAttribute('title') ?? ''));
      const got = titles.map((t) => Number(t.slice(t.lastIndexOf('=') + 1)));
      expect(got.length, `${backend}: cells of the gradient of ${name}`).toBe(g.length);
      got.forEach((v, i) => expect(close(v, g[i]!, rel), `${backend}: d/d${name}[${i}] page ${v}, Node ${g[i]}`).toBe(true));
    }
  }

  async function availableGpuModes(): Promise<string[]> {
    const out: string[] = [];
    for (const m of GPU_MODES) if (!(await page.locator(`[data-testid="backend"] option[value="${m}"]`).isDisabled())) out.push(m);
    return out;
  }

  it('draws the mish plot: f(t) and its derivative as SVG', async () => {
    expect(await page.getByTestId('plot-formula').inputValue()).toBe('t * tanh(softplus(t))');
    const curves = page.locator('[data-testid="plot"] svg path.curve');
    expect(await curves.count()).toBe(2);
    expect(await curves.evaluateAll((ps) => ps.map((p) => p.getAttribute('data-label')))).toEqual(['f(t)', "f'(t)"]);
    // One point per sample: 201 samples, all finite for mish.
    const d = (await curves.first().getAttribute('d')) ?? '';
    expect(d.split(/[ML]/).filter(Boolean)).toHaveLength(201);
    const write = process.env.LOSSC_SCREENSHOT === '1';
    const file = write ? 'docs/playground.png' : join(mkdtempSync(join(tmpdir(), 'lossc-')), 'playground.png');
    await page.getByTestId('plot').screenshot({ path: file });
    expect(readFileSync(file).subarray(1, 4).toString()).toBe('PNG');
  });

  it('computes the triplet margin loss and its gradients as Node does (JS backend)', async () => {
    await expectSameAsNode(TRIPLET, 'js', TOL.js);
    expect(await page.getByTestId('ran-on').textContent()).toMatch(/^ran on js/);
  });

  it('computes cross_entropy(x, y) from the stdlib as Node does (JS backend)', async () => {
    if (!nodeResult(CROSS_ENTROPY.formula, CROSS_ENTROPY.inputs)) {
      console.warn('cross_entropy is not in the stdlib yet: skipping its playground check');
      return;
    }
    await expectSameAsNode(CROSS_ENTROPY, 'js', TOL.js);
  });

  it('runs on the gpu.js modes the page offers, or says why they are unavailable', async () => {
    const modes = await availableGpuModes();
    if (!modes.length) {
      expect(await page.getByTestId('backend-note').isVisible()).toBe(true);
      const note = (await page.getByTestId('backend-note').textContent()) ?? '';
      for (const label of ['gpu.js · WebGL2:', 'gpu.js · WebGPU:']) expect(note).toContain(label);
      console.warn('gpu.js backend not in this build: WebGL2/WebGPU playground checks skipped');
      return;
    }
    for (const mode of modes) {
      await expectSameAsNode(TRIPLET, mode, TOL.gpu);
      expect(await page.getByTestId('ran-on').textContent()).toContain(mode);
      if (nodeResult(CROSS_ENTROPY.formula, CROSS_ENTROPY.inputs)) await expectSameAsNode(CROSS_ENTROPY, mode, TOL.gpu);
    }
  }, 2 * WAIT_MS);

  it('explains the stabilizing rewrite of log(softmax(x, dim=1)) by rule name', async () => {
    const x = asJson(randn([4, 3], r));
    const formula = 'log(softmax(x, dim=1))';
    // A rewrite is reported as a line `rule_name [group] at line:column …`.
    const rules = [...compile(formula).explain({ x }).matchAll(/^([A-Za-z_][\w-]*) \[[^\]\n]+\]/gm)].map((m) => m[0]);
    expect(rules.length, 'Node reports a stabilizing rewrite').toBeGreaterThan(0);
    await runInPage(formula, { x }, 'js');
    const text = (await page.getByTestId('explain').textContent()) ?? '';
    for (const rule of rules) expect(text).toContain(rule);
    expect(text).toContain('logsumexp');
    expect(await page.getByTestId('generated-js').textContent()).toContain('function run');
  });

  it('underlines a syntax error at the span the LossError reports', async () => {
    const formula = 'mean(x +* 2)';
    await page.getByTestId('formula').fill('');
    await page.getByTestId('formula').pressSequentially(formula);
    await page.getByTestId('run').click();
    await page.getByTestId('error').waitFor({ state: 'visible' });
    let span: { start: number; end: number } | undefined;
    try {
      compile(formula);
    } catch (e) {
      span = (e as { span?: { start: number; end: number } }).span;
    }
    expect(span).toBeDefined();
    expect(await page.getByTestId('error').textContent()).toMatch(/LD1\d{3}/);
    expect(await page.getByTestId('error-span').textContent()).toBe(formula.slice(span!.start, span!.end));
    // The mark sits on the editor's text line, after the characters before the span.
    const mark = (await page.getByTestId('error-span').boundingBox())!;
    const editor = (await page.getByTestId('formula').boundingBox())!;
    expect(mark.x).toBeGreaterThan(editor.x + 20);
    expect(mark.y).toBeLessThan(editor.y + 40);
  });

  it('raised no uncaught exception in the page', () => {
    expect(pageErrors).toEqual([]);
  });
});
