// Runs every example the README documents, in its own runtime, after `npm run build`:
// Node (package self-reference through the exports map), Deno (dist/), a browser page (dist/ as plain ESM,
// no bundler) and an MV3 extension service worker (injected WASM bytes, no dynamic import()).
// Prints 'examples: N passed, N failed'.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from '../../examples/serve.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHROMIUM_ARGS = [
  '--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader', '--no-sandbox', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
];
const results = [];

async function check(name, fn) {
  const t0 = Date.now();
  try {
    const detail = await fn();
    results.push(true);
    console.log(`  ✓ ${name} (${Date.now() - t0} ms)${detail ? ` — ${detail}` : ''}`);
  } catch (e) {
    results.push(false);
    console.log(`  ✗ ${name}\n      ${String(e?.stack ?? e).replace(/\n/g, '\n      ')}`);
  }
}

function lastJson(stdout) {
  const line = stdout.trim().split('\n').reverse().find((l) => l.startsWith('{'));
  if (!line) throw new Error(`no JSON in output:\n${stdout}`);
  return JSON.parse(line);
}
function expectOk(r, runtime) {
  if (r.error) throw new Error(r.error);
  if (r.runtime !== runtime) throw new Error(`runtime ${r.runtime}, expected ${runtime}`);
  if (r.selfTest !== 'ok') throw new Error(`selfTest ${r.selfTest}: gpu ${r.gpuSelfTest}; wasm ${r.wasmSelfTest}`);
  return `${r.adapter?.description || r.adapter?.architecture} (wasm ${r.wasm.variant})`;
}

async function withChromium(extraArgs, fn) {
  const dir = await mkdtemp(join(tmpdir(), 'sscl-chromium-'));
  const ctx = await chromium.launchPersistentContext(dir, { executablePath: process.env.SSCL_CHROMIUM ?? '/usr/bin/chromium', headless: true, args: [...CHROMIUM_ARGS, ...extraArgs] });
  try {
    return await fn(ctx);
  } finally {
    await ctx.close().catch(() => {});
    await rm(dir, { recursive: true, force: true });
  }
}

await check('examples/node/info.mjs (Node, exports map)', () => {
  const r = spawnSync(process.execPath, ['examples/node/info.mjs', '--json'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`exit ${r.status}\n${r.stdout}\n${r.stderr}`);
  return expectOk(lastJson(r.stdout), 'node');
});

await check('examples/deno/info.ts (Deno, dist/)', () => {
  const r = spawnSync(process.execPath, ['test/harness/deno.mjs', '--example', 'examples/deno/info.ts', '--json'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`exit ${r.status}\n${r.stdout}\n${r.stderr}`);
  return expectOk(lastJson(r.stdout), 'deno');
});

await check('examples/browser/ (Chromium page, plain ESM from dist/)', async () => {
  const server = await serve(0);
  try {
    return await withChromium([], async (ctx) => {
      const page = ctx.pages()[0] ?? (await ctx.newPage());
      await page.goto(`http://127.0.0.1:${server.address().port}/examples/browser/`);
      await page.waitForFunction(() => window.__ssclInfo !== undefined, null, { timeout: 120_000 });
      const r = await page.evaluate(() => window.__ssclInfo);
      const shown = await page.textContent('#out');
      if (!shown.includes('self-test: GPU ok; WASM ok => ok')) throw new Error(`page shows: ${shown}`);
      return expectOk(r, 'browser');
    });
  } finally {
    server.close();
  }
});

await check('examples/extension/ (MV3 service worker, injected WASM)', async () => {
  const b = spawnSync(process.execPath, ['examples/extension/build.mjs'], { cwd: ROOT, encoding: 'utf8' });
  if (b.status !== 0) throw new Error(b.stderr);
  // The service-worker path must not contain dynamic import(). data/optional.js is the one documented
  // exception: it loads optional dataset packages, and callers inject those modules where import() is forbidden.
  for (const f of await readdir(join(ROOT, 'dist'), { recursive: true })) {
    if (!f.endsWith('.js') || f.startsWith('cli') || f === 'index.node.js' || f.includes('node-') || f === 'data/optional.js') continue;
    const code = (await readFile(join(ROOT, 'dist', f), 'utf8')).replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    if (/\bimport\s*\(/.test(code)) throw new Error(`dist/${f} contains import()`);
  }
  const ext = join(ROOT, 'examples/extension');
  return withChromium([`--disable-extensions-except=${ext}`, `--load-extension=${ext}`], async (ctx) => {
    const sw = ctx.serviceWorkers()[0] ?? (await ctx.waitForEvent('serviceworker', { timeout: 60_000 }));
    const r = await sw.evaluate(() => self.ssclInfo());
    return expectOk(r, 'worker');
  });
});

await check('npm pack -> npm i sscl-sdk in a fresh project -> import in Node and Deno', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sscl-install-'));
  try {
    const pack = spawnSync('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, npm_config_ignore_scripts: 'true' } });
    if (pack.status !== 0) throw new Error(`npm pack: ${pack.stderr}`);
    const tgz = join(dir, pack.stdout.trim().split('\n').pop());
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    const inst = spawnSync('npm', ['i', '--no-audit', '--no-fund', '--loglevel=error', tgz], { cwd: dir, encoding: 'utf8' });
    if (inst.status !== 0) throw new Error(`npm i: ${inst.stderr}`);
    await writeFile(join(dir, 'main.mjs'), "import { info } from 'sscl-sdk';\nconsole.log(JSON.stringify(await info()));\n");
    const n = spawnSync(process.execPath, ['main.mjs'], { cwd: dir, encoding: 'utf8' });
    if (n.status !== 0) throw new Error(`node: ${n.stderr}`);
    const d = spawnSync(process.execPath, [join(ROOT, 'test/harness/deno.mjs'), '--example', 'main.mjs'], { cwd: dir, encoding: 'utf8' });
    if (d.status !== 0) throw new Error(`deno: ${d.stdout}\n${d.stderr}`);
    return `node: ${expectOk(lastJson(n.stdout), 'node')}; deno: ${expectOk(lastJson(d.stdout), 'deno')}`;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

const passed = results.filter(Boolean).length;
console.log(`examples: ${passed} passed, ${results.length - passed} failed`);
process.exit(passed === results.length ? 0 : 1);
