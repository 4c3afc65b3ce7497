// Copies the built package (dist/ and build/wasm/) into examples/extension/sscl/ so the unpacked extension is
// self-contained. Run after `npm run build`; then load examples/extension/ as an unpacked extension.
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const out = fileURLToPath(new URL('./sscl', import.meta.url));
rmSync(out, { recursive: true, force: true });
mkdirSync(`${out}/build`, { recursive: true });
cpSync(`${root}/dist`, `${out}/dist`, { recursive: true, filter: (p) => !p.endsWith('.d.ts') });
cpSync(`${root}/build/wasm`, `${out}/build/wasm`, { recursive: true, filter: (p) => !p.endsWith('.wat') });
console.log(`copied dist/ and build/wasm/ into ${out}`);
