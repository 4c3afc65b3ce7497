// MV3 service worker. Service workers may not use dynamic import(), and sscl-sdk has none on this path.
// `node examples/extension/build.mjs` copies dist/ and the .wasm files into ./sscl/ first.
// The WASM bytes are injected (fetched from the extension's own files), as bundlers and stores expect.
import { info, spawnWorker } from './sscl/dist/index.js';

async function ssclInfo() {
  const url = chrome.runtime.getURL('sscl/build/wasm/sscl-dsp.simd.wasm');
  const wasm = new Uint8Array(await (await fetch(url)).arrayBuffer());
  return info({ wasm: { wasm } });
}
self.ssclInfo = ssclInfo;

// A service worker cannot construct a Worker: spawnWorker() says so with a typed error (WorkerUnavailableError)
// naming the two ways out: call the SDK right here (as ssclInfo does), or spawn the worker in an offscreen
// document (chrome.offscreen.createDocument).
self.ssclSpawnWorker = () => spawnWorker().then(
  (w) => w.terminate().then(() => ({ spawned: true })),
  (e) => ({ spawned: false, name: e.name, code: e.code, message: e.message }),
);

// The offscreen-document way: offscreen.js spawns the worker and answers { type: 'sscl-worker-mel' } messages.
async function ssclOffscreenWorker() {
  if (!(await chrome.offscreen.hasDocument?.())) {
    await chrome.offscreen.createDocument({ url: 'offscreen.html', reasons: ['WORKERS'], justification: 'run the sscl-sdk audio frontend in a worker' });
  }
  return chrome.runtime.sendMessage({ type: 'sscl-worker-mel' });
}
self.ssclOffscreenWorker = ssclOffscreenWorker;
chrome.runtime.onInstalled.addListener(() => {
  ssclInfo().then((r) => console.log('sscl-sdk self-test:', r.selfTest, r.adapter?.description));
});
