// Two stages: `tsc` type-checks and emits build/tsc (ES2022 + .d.ts, .ts imports rewritten to .js);
// rollup then writes dist/: ESM with the module tree preserved (so `new URL('../../build/wasm/…',
// import.meta.url)` in dist/dsp/wasm.js still points at the packaged build/wasm/), and one bundled
// .d.ts per entry.
import { dts } from 'rollup-plugin-dts';

const entries = {
  index: 'build/tsc/src/index.js',
  'index.node': 'build/tsc/src/index.node.js',
  'cli/sscl': 'build/tsc/src/cli/sscl.js',
};

export default [
  {
    input: entries,
    output: { dir: 'dist', format: 'es', preserveModules: true, preserveModulesRoot: 'build/tsc/src' },
    // Nothing third-party is bundled; `webgpu` is only ever reached through a runtime require in Node.
    external: (id) => !id.startsWith('.') && !id.startsWith('/'),
  },
  {
    input: { index: 'build/tsc/src/index.d.ts', 'index.node': 'build/tsc/src/index.node.d.ts' },
    output: { dir: 'dist', format: 'es' },
    plugins: [dts()],
  },
];
