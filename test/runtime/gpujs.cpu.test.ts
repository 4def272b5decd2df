// The gpu.js backend in mode cpu (gpu.js's JavaScript backend): see gpujsCases.ts. Every
// formula and every standard-library fixture case.
import { gpujsSuite } from './gpujsCases.js';

gpujsSuite('cpu');
