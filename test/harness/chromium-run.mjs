// Chromium test runner (Node script). Serves the tsc output of src/ and test/ (build/tsc) on 127.0.0.1,
// mirrored at the source paths so `new URL('../../build/wasm/…', import.meta.url)` and fixture URLs resolve
// exactly as in the source tree; opens a page with an import map ('vitest' -> mini-vitest) in Debian's
// headless Chromium driven by playwright-core; prints one line per test and
// 'chromium: N passed, N failed, N skipped'.
// Usage: node test/harness/chromium-run.mjs [substring filter ...]   (after `npm run build`)
import { createServer } from 'node:http';
import { readFile, readdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, extname, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const ROOT = resolve(new URL('../..', import.meta.url).pathname);
const TSC = join(ROOT, 'build/tsc');
const EXE = process.env.SSCL_CHROMIUM ?? '/usr/bin/chromium';
const TIMEOUT_MS = Number(process.env.SSCL_BROWSER_TIMEOUT_MS ?? 30 * 60_000);
const MIME = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json', '.html': 'text/html', '.bin': 'application/octet-stream', '.png': 'image/png', '.wav': 'audio/wav' };

const { runsEverywhere } = await import(join(TSC, 'test/harness/files.js'));

async function walk(dir, rel, out) {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const r = `${rel}/${e.name}`;
    if (e.isDirectory() && e.name !== 'fixtures') await walk(join(dir, e.name), r, out);
    else if (e.isFile() && runsEverywhere(r)) out.push(r);
  }
}
const all = [];
await walk(join(ROOT, 'test'), 'test', all);
all.sort();
const filters = process.argv.slice(2);
const files = filters.length ? all.filter((f) => filters.some((x) => f.includes(x))) : all;

const page = `<!doctype html><meta charset="utf-8"><title>sscl-sdk tests</title>
<script type="importmap">{ "imports": { "vitest": "/test/harness/mini-vitest.js" } }</script>
<script>window.__SSCL_TEST_FILES = ${JSON.stringify(files)};</script>
<script type="module" src="/test/harness/browser-entry.js"></script>`;

const server = createServer(async (req, res) => {
  try {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (path === '/' || path === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html' }).end(page);
      return;
    }
    // Debian's Tux Paint stamps (TuxAV in the browser: the directory and its file list, as a user serves them)
    if (path.startsWith('/__system/tuxpaint/')) {
      const TUX = '/usr/share/tuxpaint/stamps';
      if (path === '/__system/tuxpaint/files.txt') {
        const list = (await readdir(TUX, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => join(e.parentPath ?? e.path, e.name).slice(TUX.length + 1));
        res.writeHead(200, { 'content-type': 'text/plain' }).end(list.sort().join('\n'));
        return;
      }
      const file = resolve(TUX, '.' + path.slice('/__system/tuxpaint/stamps'.length));
      if (!path.startsWith('/__system/tuxpaint/stamps/') || !file.startsWith(TUX + '/')) throw new Error('not found');
      res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream' }).end(await readFile(file));
      return;
    }
    // Compiled modules come from build/tsc; everything else (wasm, fixtures) from the source tree.
    const fromTsc = (path.startsWith('/src/') || path.startsWith('/test/')) && path.endsWith('.js');
    const file = resolve(fromTsc ? TSC : ROOT, '.' + path);
    if (!file.startsWith(ROOT) || !(await stat(file)).isFile()) throw new Error('not found');
    res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream' }).end(await readFile(file));
  } catch {
    res.writeHead(404).end('not found');
  }
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const url = `http://127.0.0.1:${server.address().port}/`;

const userDataDir = await mkdtemp(join(tmpdir(), 'sscl-chromium-'));
const args = [
  '--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader', '--no-sandbox', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
];
let context;
const results = [];
let fatal = null;
try {
  context = await chromium.launchPersistentContext(userDataDir, { executablePath: EXE, headless: true, args });
  const p = context.pages()[0] ?? (await context.newPage());
  let finish;
  const done = new Promise((ok) => (finish = ok));
  p.on('console', (msg) => {
    const text = msg.text();
    if (!text.startsWith('@@sscl ')) {
      console.log(`  [page ${msg.type()}] ${text}`);
      return;
    }
    const m = JSON.parse(text.slice(7));
    if (m.type === 'result') {
      results.push(m.result);
      const r = m.result;
      const mark = r.state === 'pass' ? '✓' : r.state === 'skip' ? '↓' : '✗';
      console.log(`  ${mark} ${r.file} > ${r.name}${r.state === 'pass' ? ` (${Math.round(r.ms)} ms)` : ''}`);
      if (r.error) console.log(`      ${r.error.replace(/\n/g, '\n      ')}`);
    } else if (m.type === 'fatal') fatal = m.error;
    else if (m.type === 'done') finish();
  });
  p.on('pageerror', (e) => {
    fatal = String(e?.stack ?? e);
    finish();
  });
  p.on('crash', () => {
    fatal = 'page crashed';
    finish();
  });
  await p.goto(url);
  const timer = setTimeout(() => {
    fatal = `timed out after ${TIMEOUT_MS} ms`;
    finish();
  }, TIMEOUT_MS);
  await done;
  clearTimeout(timer);
} catch (e) {
  fatal = String(e?.stack ?? e);
} finally {
  await context?.close().catch(() => {});
  server.close();
  await rm(userDataDir, { recursive: true, force: true });
}
const passed = results.filter((r) => r.state === 'pass').length;
const failed = results.filter((r) => r.state === 'fail').length + (fatal ? 1 : 0);
const skipped = results.filter((r) => r.state === 'skip').length;
if (fatal) console.log(`  ✗ runner: ${fatal}`);
console.log(`chromium: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed || results.length === 0 ? 1 : 0);
