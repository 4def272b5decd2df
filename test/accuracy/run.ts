// `npm run accuracy`: the accuracy table of lossc. For every stable primitive, every stability
// rule (its example, as a user writes it) and every stdlib loss, sample points in strata
// (sample.ts), compute the truth in arbitrary precision (oracle.ts) and report the worst and
// mean bits of error of the value and the gradient, stabilized and as written, and the count
// of non-finite results where the truth is finite.
//
//   npm run accuracy [-- --points N] [--group primitive,rule,stdlib] [--dtype float64|float32]
//                    [--only SUBSTRING] [--update]
// --update stores the float64 points of the primitive and rule cases in test/accuracy/truth.json,
// which the vitest check (accuracy.test.ts) reads; with --only or --group it replaces just those.

import { parseArgs } from 'node:util';
import { primitiveCases, ruleCases, stdlibCases, type Case } from './cases.js';
import { measure, truthPoints, type CaseStats, type ErrorStats } from './harness.js';
import { existsSync } from 'node:fs';
import { readStore, STORE, writeStore, type StoredCase } from './store.js';
import type { Dtype } from './truth.js';
import { UnsupportedOp } from './truth.js';

const { values } = parseArgs({
  options: {
    points: { type: 'string', default: '3' },
    group: { type: 'string' },
    dtype: { type: 'string', default: 'float64' },
    only: { type: 'string' },
    update: { type: 'boolean', default: false },
  },
});
const points = Number(values.points);
const dtype = values.dtype as Dtype;
if (dtype !== 'float64' && dtype !== 'float32') throw new Error(`--dtype must be float64 or float32, not ${values.dtype}`);
if (values.update && dtype !== 'float64') throw new Error('--update stores float64 truths');

const groups: [string, () => Case[]][] = [
  ['primitive', primitiveCases],
  ['rule', ruleCases],
  ['stdlib', stdlibCases],
];

const fmt = (s: ErrorStats) => (s.count ? `${s.worstBits.toFixed(1).padStart(4)} / ${s.meanBits.toFixed(1).padStart(4)}` : '   -   /  -  ');
const stored: StoredCase[] = [];
const started = performance.now();

console.log(`lossc accuracy, ${dtype}: bits of error (Herbie's metric), worst / mean over ${points} points per stratum`);
console.log('strata: typical, log-scale (1e-300..1e4), edges (exp overflow, probabilities within 1e-15 of 0 and 1), kinks-ties');
console.log('gradients: against high-precision central differences, off the kinks-ties stratum; nf = non-finite where the truth is finite');
for (const [group, make] of groups) {
  if (values.group && !values.group.split(',').includes(group)) continue;
  const cases = make().filter((c) => !values.only || values.only.split(',').some((o) => c.id.includes(o)));
  if (!cases.length) continue;
  console.log(`\n${group}`.padEnd(44) + 'value       grad        | as written: value  grad        | nf stable/written | digits');
  for (const c of cases) {
    let stats: CaseStats;
    try {
      const pts = truthPoints(c, points, dtype, { grads: true });
      if (values.update && group !== 'stdlib') stored.push({ id: c.id, label: c.label, points: pts });
      stats = measure(c, pts, dtype);
    } catch (e) {
      console.log(`  ${c.label.padEnd(42).slice(0, 42)} ${e instanceof UnsupportedOp ? `not measured: ${e.message}` : `error: ${(e as Error).message}`}`);
      continue;
    }
    const nfStable = stats.value.nonFinite + stats.grad.nonFinite;
    const nfWritten = stats.writtenValue.nonFinite + stats.writtenGrad.nonFinite;
    const hidden = stats.value.hiddenNaN ? `  (hides ${stats.value.hiddenNaN} NaN)` : '';
    console.log(
      `  ${c.label.replace(/\n/g, ' ').padEnd(42).slice(0, 42)} ${fmt(stats.value)}  ${fmt(stats.grad)} |        ${fmt(stats.writtenValue)}  ${fmt(stats.writtenGrad)} | ${String(nfStable).padStart(6)} / ${String(nfWritten).padEnd(8)} | ${stats.digits}${hidden}`,
    );
  }
}
if (values.update) {
  // With --only or --group, the other stored cases are kept; the order follows the catalogue.
  const previous = (values.only || values.group) && existsSync(STORE) ? readStore() : new Map<string, StoredCase>();
  for (const c of stored) previous.set(c.id, c);
  const order = [...primitiveCases(), ...ruleCases()].map((c) => c.id);
  writeStore(order.filter((id) => previous.has(id)).map((id) => previous.get(id)!));
  console.log(`\nstored ${stored.reduce((n, c) => n + c.points.length, 0)} points of ${stored.length} cases in test/accuracy/truth.json`);
}
console.log(`\n${((performance.now() - started) / 1000).toFixed(0)} s`);
