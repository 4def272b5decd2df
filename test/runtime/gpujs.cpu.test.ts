// The gpu.js backend in mode cpu (gpu.js's JavaScript backend): see gpujsCases.ts. Runs the
// even-indexed standard-library fixture cases; webasm runs the odd ones.
import { gpujsSuite } from './gpujsCases.js';

gpujsSuite('cpu', (i) => i % 2 === 0);
