// Runs the Deno suite (or, with --example, one example) with the deno binary from the `deno` npm package (no global install needed).
// XDG_RUNTIME_DIR must exist for Deno's WebGPU (wgpu) on headless Linux.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
let deno = process.env.SSCL_DENO;
if (!deno) {
  try {
    deno = require('deno/install_api.cjs').runInstall?.() ?? null;
  } catch {}
}
if (!deno) deno = join(fileURLToPath(new URL('../..', import.meta.url)), 'node_modules/.bin/deno');
const env = { ...process.env };
if (!env.XDG_RUNTIME_DIR) {
  env.XDG_RUNTIME_DIR = join(tmpdir(), `sscl-xdg-${process.getuid?.() ?? 0}`);
  mkdirSync(env.XDG_RUNTIME_DIR, { recursive: true, mode: 0o700 });
}
// `--example FILE args…` runs one example script instead of the test suite.
const argv = process.argv.slice(2);
const script = argv[0] === '--example' ? [argv[1], ...argv.slice(2)] : ['--config', 'deno.json', 'test/harness/deno-run.ts', ...argv];
const r = spawnSync(deno, ['run', '-A', '--unstable-webgpu', ...script], { stdio: 'inherit', env });
if (r.error) console.error(`could not start deno (${deno}): ${r.error.message}`);
process.exit(r.status ?? 1);
