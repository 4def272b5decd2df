// Playground wiring: reads the panels, runs the library, writes the outputs. Each completed run
// (success or error) bumps <body data-runs>, each completed plot <body data-plots>, and
// <body data-backends="ready"> marks the end of the backend checks, so scripted browsers can
// wait for a result instead of sleeping.

import { LossError } from '../../index.js';
import { collectInputs, InputError } from './inputs.js';
import { BACKENDS, compileFor, runLoss, type BackendChoice } from './run.js';
import { whyUnsupported } from './support.js';
import { renderExplain, tensorTable, underline } from './views.js';
import { EXAMPLES, PLOT_EXAMPLE } from './examples.js';
import { plotSvg } from './plot.js';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const formula = $<HTMLTextAreaElement>('formula');
const overlay = $<HTMLPreElement>('overlay');
const spec = $<HTMLTextAreaElement>('spec');
const seed = $<HTMLInputElement>('seed');
const json = $<HTMLTextAreaElement>('inputs');
const backend = $<HTMLSelectElement>('backend');
const errorBox = $<HTMLPreElement>('error');
const valueOut = $<HTMLOutputElement>('value');
const plotFormula = $<HTMLInputElement>('plot-formula');
const plotFrom = $<HTMLInputElement>('plot-from');
const plotTo = $<HTMLInputElement>('plot-to');
const plotBox = $<HTMLDivElement>('plot');
const plotError = $<HTMLPreElement>('plot-error');

/** Checks the gpu.js backends and disables those that cannot run here, saying why. */
async function checkBackends(): Promise<void> {
  const note = $<HTMLParagraphElement>('backend-note');
  const problems: string[] = [];
  for (const b of BACKENDS) {
    if (b.value === 'js') continue;
    const why = await whyUnsupported(b.value);
    if (!why) continue;
    const option = backend.querySelector<HTMLOptionElement>(`option[value="${b.value}"]`)!;
    option.disabled = true;
    option.textContent = `${b.label} (unavailable)`;
    problems.push(`${b.label}: ${why}`);
  }
  note.hidden = problems.length === 0;
  note.textContent = problems.length ? `Unavailable here — ${problems.join(' · ')}` : '';
  document.body.dataset.backends = 'ready';
}

function setupExamples(): void {
  const menu = $<HTMLSelectElement>('examples');
  EXAMPLES.forEach((e, i) => menu.append(new Option(e.title, String(i))));
  const load = (i: number): void => {
    formula.value = EXAMPLES[i]!.formula;
    spec.value = EXAMPLES[i]!.inputs;
    underline(overlay, formula.value, undefined);
  };
  menu.addEventListener('change', () => {
    load(Number(menu.value));
    void run();
  });
  load(0);
}

function showError(box: HTMLElement, e: unknown, source?: string): void {
  box.hidden = false;
  box.textContent = e instanceof LossError || e instanceof InputError ? e.message : `unexpected error: ${String(e)}`;
  // Only a span in the editor's own text can be underlined (a stdlib loss's error points into the stdlib).
  if (source !== undefined && e instanceof LossError && e.source?.text === source) underline(overlay, source, e.span);
}

function bump(key: 'runs' | 'plots'): void {
  document.body.dataset[key] = String(Number(document.body.dataset[key] ?? 0) + 1);
}

async function run(): Promise<void> {
  const source = formula.value;
  errorBox.hidden = true;
  underline(overlay, source, undefined);
  for (const id of ['value-table', 'grads', 'explain']) $(id).replaceChildren();
  $('generated-js').textContent = '';
  valueOut.textContent = '';
  $('ran-on').textContent = '';
  try {
    const loss = compileFor(source, backend.value as BackendChoice);
    const inputs = collectInputs(loss.inputs, spec.value, json.value, Number(seed.value) || 0);
    const r = await runLoss(loss, inputs);
    valueOut.textContent = r.value.shape.length === 0 ? String(r.value.data[0]) : `tensor [${r.value.shape.join(', ')}]`;
    if (r.value.shape.length > 0) $('value-table').append(tensorTable('value', r.value));
    $('ran-on').textContent = `ran on ${r.ranOn} in ${r.ms.toFixed(1)} ms`;
    const grads = Object.entries(r.grads);
    if (!grads.length) $('grads').textContent = r.value.shape.length ? 'Gradients are shown for a scalar loss: reduce the value (mean, sum).' : 'No float inputs to differentiate.';
    for (const [name, g] of grads) $('grads').append(tensorTable(`∂loss/∂${name}`, g));
    renderExplain($('explain'), $('generated-js'), r.explain);
  } catch (e) {
    showError(errorBox, e, source);
  }
  bump('runs');
}

async function plot(): Promise<void> {
  plotError.hidden = true;
  plotBox.replaceChildren();
  const text = plotFormula.value;
  try {
    const svg = await plotSvg(compileFor(text, backend.value as BackendChoice), text, Number(plotFrom.value), Number(plotTo.value));
    const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
    plotBox.append(document.importNode(doc.documentElement, true));
  } catch (e) {
    showError(plotError, e);
  }
  bump('plots');
}

for (const b of BACKENDS) backend.append(new Option(b.label, b.value));
setupExamples();
plotFormula.value = PLOT_EXAMPLE.formula;
plotFrom.value = String(PLOT_EXAMPLE.from);
plotTo.value = String(PLOT_EXAMPLE.to);
formula.addEventListener('input', () => underline(overlay, formula.value, undefined));
formula.addEventListener('scroll', () => (overlay.scrollTop = formula.scrollTop));
formula.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
    e.preventDefault();
    void run();
  }
});
$('run').addEventListener('click', () => void run());
$('plot-run').addEventListener('click', () => void plot());
plotFormula.addEventListener('keydown', (e) => e.key === 'Enter' && void plot());
void run().then(plot).then(checkBackends);
