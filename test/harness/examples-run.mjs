// Runs every example the README documents, in its own runtime, after `npm run build`:
// Node (package self-reference through the exports map), Deno (dist/), a browser page (dist/ as plain ESM,
// no bundler) and an MV3 extension service worker (injected WASM bytes, no dynamic import()), each also
// with a worker (spawnWorker) where the runtime has one.
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

function expectWorkerOk(r, runtime, kind) {
  if (r.runtime !== runtime) throw new Error(`runtime ${r.runtime}, expected ${runtime}`);
  if (r.thread?.kind !== kind) throw new Error(`thread ${JSON.stringify(r.thread)}, expected ${kind}`);
  if (r.bands !== 128 || r.frames !== 128) throw new Error(`log-mel ${r.bands} x ${r.frames}, expected 128 x 128`);
  if (r.differ !== 0) throw new Error(`${r.differ} values differ between the worker and the main thread`);
  if (r.error?.code !== 'INVALID_AUDIO' || !r.error.isInvalidAudioError) throw new Error(`typed error lost: ${JSON.stringify(r.error)}`);
  if (r.selfTest !== 'ok') throw new Error(`worker selfTest ${r.selfTest}`);
  return `${kind} in ${r.thread.runtime}: bit-exact log-mel, ${r.error.name} (${r.error.code}) crossed back`;
}

await check('examples/node/worker.mjs (Node, worker_threads)', () => {
  const r = spawnSync(process.execPath, ['examples/node/worker.mjs', '--json'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`exit ${r.status}\n${r.stdout}\n${r.stderr}`);
  return expectWorkerOk(lastJson(r.stdout), 'node', 'worker_threads');
});

await check('examples/deno/info.ts (Deno, dist/)', () => {
  const r = spawnSync(process.execPath, ['test/harness/deno.mjs', '--example', 'examples/deno/info.ts', '--json'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`exit ${r.status}\n${r.stdout}\n${r.stderr}`);
  return expectOk(lastJson(r.stdout), 'deno');
});

await check('examples/deno/worker.ts (Deno web worker, dist/)', () => {
  const r = spawnSync(process.execPath, ['test/harness/deno.mjs', '--example', 'examples/deno/worker.ts', '--json'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`exit ${r.status}\n${r.stdout}\n${r.stderr}`);
  return expectWorkerOk(lastJson(r.stdout), 'deno', 'web-worker');
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

await check('examples/browser/worker.html (module worker from dist/, no bundler)', async () => {
  const server = await serve(0);
  try {
    return await withChromium([], async (ctx) => {
      const page = ctx.pages()[0] ?? (await ctx.newPage());
      await page.goto(`http://127.0.0.1:${server.address().port}/examples/browser/worker.html`);
      await page.waitForFunction(() => window.__ssclWorker !== undefined, null, { timeout: 120_000 });
      const r = await page.evaluate(() => window.__ssclWorker);
      if (r.error && !r.thread) throw new Error(`page: ${JSON.stringify(r.error)}`);
      return expectWorkerOk(r, 'browser', 'web-worker');
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
    // and no bare specifier (e.g. 'comlink'): a browser without an import map could not resolve it
    for (const m of code.matchAll(/(?:\bfrom|^\s*import)\s*['"]([^'"]+)['"]/gm)) {
      if (!m[1].startsWith('./') && !m[1].startsWith('../')) throw new Error(`dist/${f} imports '${m[1]}'`);
    }
  }
  const ext = join(ROOT, 'examples/extension');
  return withChromium([`--disable-extensions-except=${ext}`, `--load-extension=${ext}`], async (ctx) => {
    const sw = ctx.serviceWorkers()[0] ?? (await ctx.waitForEvent('serviceworker', { timeout: 60_000 }));
    const r = await sw.evaluate(() => self.ssclInfo());
    const detail = expectOk(r, 'worker');
    // No Worker constructor in a service worker: spawnWorker() must say so with a typed error.
    const s = await sw.evaluate(() => self.ssclSpawnWorker());
    if (s.spawned || s.name !== 'WorkerUnavailableError' || s.code !== 'WORKER_UNAVAILABLE' || !/offscreen/.test(s.message)) {
      throw new Error(`spawnWorker() in the service worker: ${JSON.stringify(s)}`);
    }
    // ... and the documented way out works: a worker spawned from an offscreen document
    const o = await sw.evaluate(() => self.ssclOffscreenWorker());
    if (o?.error || o.bands !== 128 || o.frames !== 128 || o.differ !== 0 || o.thread?.kind !== 'web-worker') {
      throw new Error(`offscreen-document worker: ${JSON.stringify(o)}`);
    }
    return `${detail}; spawnWorker in the service worker: ${s.name}; in an offscreen document: bit-exact log-mel`;
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
    // info() plus a worker started from the installed package (dist/worker/entry.js, dist/vendor/comlink.js)
    await writeFile(join(dir, 'main.mjs'), [
      "import { info, spawnWorker } from 'sscl-sdk';",
      'const w = await spawnWorker();',
      'const m = await w.melSpectrogram(new Float32Array(48000).map((_, i) => Math.sin(i / 10)), { sampleRate: 24000, nFft: 1024, hopLength: 376 });',
      'const t = (await w.info()).thread;',
      'await w.terminate();',
      'console.log(JSON.stringify({ ...(await info()), workerMel: [m.bands, m.frames], thread: t }));',
      '',
    ].join('\n'));
    const n = spawnSync(process.execPath, ['main.mjs'], { cwd: dir, encoding: 'utf8' });
    if (n.status !== 0) throw new Error(`node: ${n.stderr}`);
    const d = spawnSync(process.execPath, [join(ROOT, 'test/harness/deno.mjs'), '--example', 'main.mjs'], { cwd: dir, encoding: 'utf8' });
    if (d.status !== 0) throw new Error(`deno: ${d.stdout}\n${d.stderr}`);
    const nj = lastJson(n.stdout);
    const dj = lastJson(d.stdout);
    for (const [j, kind] of [[nj, 'worker_threads'], [dj, 'web-worker']]) {
      if (String(j.workerMel) !== '128,128' || j.thread?.kind !== kind) throw new Error(`worker from the installed package: ${JSON.stringify({ workerMel: j.workerMel, thread: j.thread })}`);
    }
    return `node: ${expectOk(nj, 'node')} + worker; deno: ${expectOk(dj, 'deno')} + worker`;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

const passed = results.filter(Boolean).length;
console.log(`examples: ${passed} passed, ${results.length - passed} failed`);
process.exit(passed === results.length ? 0 : 1);
