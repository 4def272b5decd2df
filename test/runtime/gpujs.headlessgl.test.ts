// The gpu.js backend in mode headlessgl (GLSL shaders through headless-gl; Mesa's llvmpipe
// under Xvfb in CI): see gpujsCases.ts. Needs the gl build and an X display (xvfb-run -a);
// without them the suite is skipped with a message saying which is missing. Shader compiles
// cost ~0.3 s each here, so it runs the first standard-library case of each fixture file and
// checks forward() through the other modes only.
import { gpujsSuite } from './gpujsCases.js';

gpujsSuite('headlessgl', (i) => i === 0, { forward: false });
