// Two stages: `tsc` type-checks and emits build/tsc (ES2022 + .d.ts, .ts imports rewritten to .js);
// rollup then writes dist/: ESM with the module tree preserved (so `new URL('../../build/wasm/…',
// import.meta.url)` in dist/dsp/wasm.js still points at the packaged build/wasm/), and one bundled
// .d.ts per entry.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { dts } from 'rollup-plugin-dts';

// comlink is bundled (not left as a bare import), so dist/ runs in a browser without a bundler or an import
// map, including inside the module worker (dist/worker/entry.js), where import maps do not apply. The
// sources import it by the path '../../node_modules/comlink/dist/esm/comlink.mjs' (see src/worker/comlink.ts);
// that path, or a bare 'comlink', is resolved here to the installed ESM build, emitted as
// dist/vendor/comlink.js with its @license header, and comlink's LICENSE (Apache-2.0) is copied beside it.
const COMLINK_DIR = dirname(createRequire(import.meta.url).resolve('comlink/package.json'));
const COMLINK_ESM = join(COMLINK_DIR, 'dist/esm/comlink.mjs');
function vendorComlink() {
  return {
    name: 'vendor-comlink',
    resolveId(id) {
      if (id === 'comlink' || id.endsWith('/node_modules/comlink/dist/esm/comlink.mjs')) return COMLINK_ESM;
      return null;
    },
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: 'vendor/comlink.LICENSE', source: readFileSync(join(COMLINK_DIR, 'LICENSE'), 'utf8') });
    },
  };
}
const fileName = (chunk) => (chunk.facadeModuleId === COMLINK_ESM ? 'vendor/comlink.js' : '[name].js');

const entries = {
  index: 'build/tsc/src/index.js',
  'index.node': 'build/tsc/src/index.node.js',
  'cli/sscl': 'build/tsc/src/cli/sscl.js',
  // Not imported by anything: spawnWorker starts it with new Worker(new URL('./entry.js', import.meta.url)).
  'worker/entry': 'build/tsc/src/worker/entry.js',
};

export default [
  {
    input: entries,
    output: { dir: 'dist', format: 'es', preserveModules: true, preserveModulesRoot: 'build/tsc/src', entryFileNames: fileName },
    plugins: [vendorComlink()],
    // Nothing else third-party is bundled; `webgpu` is only ever reached through a runtime require in Node.
    external: (id) => id !== 'comlink' && !id.startsWith('.') && !id.startsWith('/'),
  },
  {
    input: { index: 'build/tsc/src/index.d.ts', 'index.node': 'build/tsc/src/index.node.d.ts' },
    output: { dir: 'dist', format: 'es' },
    plugins: [dts()],
  },
];
