// build/tsc mirrors the source tree one level deeper, so the worker's relative import of
// ../../node_modules/comlink (src/worker/comlink.ts) resolves from build/tsc/src/worker/ only when
// build/tsc/node_modules exists: link it to the repository's node_modules. (dist/ is unaffected: rollup
// vendors comlink there.)
import { symlinkSync, lstatSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const link = fileURLToPath(new URL('../../build/tsc/node_modules', import.meta.url));
try {
  if (lstatSync(link).isSymbolicLink()) rmSync(link);
} catch {}
symlinkSync('../../node_modules', link, 'dir');
