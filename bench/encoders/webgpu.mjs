// Issue 5's target, measured: our WebGPU forward vs onnxruntime-web's WebGPU execution provider on the same
// adapter, side by side in one page / one process (timed part: ./webgpu-core.mjs).
//
//   npm run build:ts && node bench/encoders/webgpu.mjs [--runtime chromium|node|both] [--paper-s3d]
//        [--ort native,jsep] [--only arch:preset,...] [--onnx-dir DIR] [--json out.json] [--rounds N]
//
// onnxruntime-web 1.30 has two WebGPU execution providers, both named 'webgpu': 'native' (the C++ WebGPU EP
// compiled to WASM, ort.webgpu.* builds, the default of `onnxruntime-web/webgpu`) and 'jsep' (the older
// JavaScript kernels, ort.all.* / the package's default build). Each is run in its own page / pass, with our
// forward timed again beside it.
// chromium: Debian's headless Chromium (playwright-core), WebGPU on SwiftShader (the flags of
//   test/harness/chromium-run.mjs); the page loads our build/tsc modules and the ort bundle.
// node: Dawn from the `webgpu` package (lavapipe here); ort's WebGPU EP gets `navigator.gpu` from the same
//   package (its own Dawn instance of the same adapter). Dawn's Node binding rejects the SharedArrayBuffer
//   (ort's WASM memory) that ort passes to queue.writeBuffer, so GPUQueue.prototype.writeBuffer retries with
//   a copy of the bytes (./dawn-shim.mjs; only ort hits the retry).
// The ONNX files are exported by ./export_onnx.py (Debian's PyTorch) into --onnx-dir (default: a temp dir),
// unless that dir already has them. onnxruntime-web: 1 WASM thread (its CPU-side work; no cross-origin
// isolation on the page).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile, stat, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { patchWriteBuffer } from './dawn-shim.mjs';

const ROOT = resolve(new URL('../..', import.meta.url).pathname);
const TSC = join(ROOT, 'build/tsc');
const ORT_DIST = join(ROOT, 'node_modules/onnxruntime-web/dist');
const args = process.argv.slice(2);
const opt = (k, d) => (args.includes(k) ? args[args.indexOf(k) + 1] : d);
const runtime = opt('--runtime', 'both');
const rounds = Number(opt('--rounds', 2));
const jsonOut = opt('--json', null);
const BUILDS = { native: { node: 'ort.webgpu.min.js', browser: 'ort.webgpu.bundle.min.mjs' }, jsep: { node: 'ort.all.min.js', browser: 'ort.all.bundle.min.mjs' } };
const peers = opt('--ort', 'native,jsep').split(',');
for (const p of peers) if (!BUILDS[p]) throw new Error(`--ort: unknown build '${p}' (native, jsep)`);
const onnxDir = opt('--onnx-dir', null) ?? mkdtempSync(join(tmpdir(), 'sscl-onnx-'));

// [arch, preset, B, iters per round]
// --only arch:preset[,arch:preset] keeps those cases (e.g. --paper-s3d --only s3d:paper).
const only = opt('--only', null)?.split(',');
const cases = [
  ['audio-resnet10', 'tiny', 8, 5],
  ['s3d', 'tiny', 8, 5],
  ['audio-resnet10', 'paper', 2, 2],
  ...(args.includes('--paper-s3d') ? [['s3d', 'paper', 1, 1]] : []),
].filter(([a, p]) => !only || only.includes(`${a}:${p}`));
const need = cases.map(([a, p, b]) => `${a}:${p}:${b}`).filter((c) => !existsSync(join(onnxDir, c.replaceAll(':', '_') + '.onnx')));
if (need.length) process.stdout.write(execFileSync('/usr/bin/python3', [join(ROOT, 'bench/encoders/export_onnx.py'), onnxDir, ...need], { encoding: 'utf8' }));
const ortVersion = JSON.parse(readFileSync(join(ROOT, 'node_modules/onnxruntime-web/package.json'), 'utf8')).version;
const load = () => loadavg().map((v) => v.toFixed(2)).join(' ');
console.log(`onnxruntime-web ${ortVersion}; node ${process.version}; ${cpus().length} CPUs; load ${load()}`);

const out = { date: new Date().toISOString(), ortVersion, cases, rounds, runs: {} };

async function inNode(peer) {
  const require = createRequire(import.meta.url);
  const dawn = require('webgpu');
  for (const [k, v] of Object.entries(dawn.globals)) if (!(k in globalThis)) globalThis[k] = v;
  patchWriteBuffer(dawn);
  const engine = await import(join(TSC, 'src/engine.js'));
  const { getDevice } = await import(join(TSC, 'src/gpu/device.js'));
  const { createModel } = await import(join(TSC, 'src/models/encoder.js'));
  const { runCases } = await import('./webgpu-core.mjs');
  const device = await getDevice({ powerPreference: 'high-performance' });
  Object.defineProperty(globalThis, 'navigator', { value: { gpu: dawn.create([]), userAgent: 'node' }, configurable: true });
  const ort = require(join(ORT_DIST, BUILDS[peer].node));
  ort.env.wasm.numThreads = 1;
  const a = device.adapter;
  console.log(`node: adapter ${a?.description} (software: ${a?.isSoftware}); ort ${peer} (${BUILDS[peer].node})`);
  const results = await runCases({ engine, createModel, device, peers: [{ label: `ort-${peer}`, ort }], cases, rounds, log: (s) => console.log(`node  ${s}`), onnx: async (n) => new Uint8Array(await readFile(join(onnxDir, `${n}.onnx`))) });
  return { adapter: a, load: load(), results };
}

const PAGE = (cfg, peer) => `<!doctype html><meta charset="utf-8"><title>encoders vs ort-webgpu</title>
<script type="module">
const log = (s) => console.log('@@bench ' + JSON.stringify({ log: s }));
try {
  const ort = await import('/ort/${BUILDS[peer].browser}');
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.wasmPaths = '/ort/';
  const engine = await import('/src/engine.js');
  const { getDevice } = await import('/src/gpu/device.js');
  const { createModel } = await import('/src/models/encoder.js');
  const { runCases } = await import('/bench/encoders/webgpu-core.mjs');
  const device = await getDevice({ powerPreference: 'high-performance' });
  const a = device.adapter;
  log('chromium: adapter ' + a?.description + ' (software: ' + a?.isSoftware + '); ' + navigator.userAgent + '; ort ${peer} (${BUILDS[peer].browser})');
  const cfg = ${JSON.stringify(cfg)};
  const results = await runCases({ engine, createModel, device, peers: [{ label: 'ort-${peer}', ort }], cases: cfg.cases, rounds: cfg.rounds, log,
    onnx: async (n) => new Uint8Array(await (await fetch('/onnx/' + n + '.onnx')).arrayBuffer()) });
  console.log('@@bench ' + JSON.stringify({ done: { adapter: a, results } }));
} catch (e) {
  console.log('@@bench ' + JSON.stringify({ fatal: String(e?.stack ?? e) }));
}
</script>`;

async function inChromium(peer) {
  const { chromium } = await import('playwright-core');
  const MIME = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.onnx': 'application/octet-stream' };
  const server = createServer(async (req, res) => {
    try {
      const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
      if (path === '/') return void res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE({ cases, rounds }, peer));
      let file;
      if (path.startsWith('/ort/')) file = resolve(ORT_DIST, '.' + path.slice(4));
      else if (path.startsWith('/onnx/')) file = resolve(onnxDir, '.' + path.slice(5));
      else if (path.startsWith('/src/') && path.endsWith('.js')) file = resolve(TSC, '.' + path);
      else file = resolve(ROOT, '.' + path); // /bench/..., /build/wasm/...
      if (!(await stat(file)).isFile()) throw new Error('not a file');
      res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream' }).end(await readFile(file));
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const userDataDir = await mkdtemp(join(tmpdir(), 'sscl-bench-chromium-'));
  const flags = ['--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader', '--no-sandbox', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];
  let context, result = null;
  try {
    context = await chromium.launchPersistentContext(userDataDir, { executablePath: process.env.SSCL_CHROMIUM ?? '/usr/bin/chromium', headless: true, args: flags });
    const p = context.pages()[0] ?? (await context.newPage());
    let finish;
    const done = new Promise((ok) => (finish = ok));
    p.on('console', (msg) => {
      const t = msg.text();
      if (!t.startsWith('@@bench ')) return void (process.env.BENCH_VERBOSE && console.log(`  [page] ${t}`));
      const m = JSON.parse(t.slice(8));
      if (m.log) console.log(`chromium  ${m.log}`);
      if (m.done) (result = m.done), finish();
      if (m.fatal) console.log(`chromium fatal: ${m.fatal}`), finish();
    });
    p.on('pageerror', (e) => (console.log(`chromium pageerror: ${e}`), finish()));
    p.on('crash', () => (console.log('chromium page crashed'), finish()));
    await p.goto(`http://127.0.0.1:${server.address().port}/`);
    await done;
  } finally {
    await context?.close().catch(() => {});
    server.close();
    await rm(userDataDir, { recursive: true, force: true });
  }
  return result && { ...result, load: load() };
}

for (const peer of peers) {
  if (runtime === 'chromium' || runtime === 'both') out.runs[`chromium/${peer}`] = await inChromium(peer);
  if (runtime === 'node' || runtime === 'both') out.runs[`node/${peer}`] = await inNode(peer);
}
console.log(`load after: ${load()}`);
if (jsonOut) writeFileSync(jsonOut, JSON.stringify(out, null, 1));
process.exit(0);
