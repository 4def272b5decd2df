// Which gpu.js modes this browser can run, found by feature detection: the library must accept
// the mode (compile() raises LossError otherwise, with its reason), and the browser must have
// the API behind it (a WebGL2 or WebGL context, a WebGPU adapter). Cheap enough to run at page
// load; running a kernel per mode instead would cost seconds of shader compilation on software
// renderers. A mode that passes and still fails shows its LossError when run.

import { compile, LossError } from '../../index.js';
import { compileOptions, type BackendChoice } from './run.js';

function canvasContext(kind: 'webgl2' | 'webgl'): boolean {
  try {
    return document.createElement('canvas').getContext(kind) !== null;
  } catch {
    return false;
  }
}

async function browserLacks(backend: BackendChoice): Promise<string | undefined> {
  switch (backend) {
    case 'webgpu': {
      const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
      if (!gpu) return 'this browser has no WebGPU (navigator.gpu is missing)';
      const adapter = await gpu.requestAdapter().catch(() => null);
      return adapter ? undefined : 'WebGPU found no adapter (no usable GPU or driver)';
    }
    case 'webgl2':
      return canvasContext('webgl2') ? undefined : 'this browser cannot create a WebGL2 context';
    case 'webgl':
      return canvasContext('webgl') ? undefined : 'this browser cannot create a WebGL context';
    default:
      return undefined;
  }
}

/** Undefined when `backend` can run here, else why not (the library's words first). */
export async function whyUnsupported(backend: BackendChoice): Promise<string | undefined> {
  try {
    compile('x * 2', compileOptions(backend));
  } catch (e) {
    if (!(e instanceof LossError)) return String(e);
    const message = e.diagnostics.map((d) => d.message).join('; ');
    // LD2045: the library does not know the backend at all (a build without gpu.js support).
    return e.code === 'LD2045' ? `this build of lossc has no gpu.js backend (${message})` : message;
  }
  return browserLacks(backend);
}
