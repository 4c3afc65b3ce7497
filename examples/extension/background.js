// MV3 service worker. Service workers may not use dynamic import(), and sscl-sdk has none on this path.
// `node examples/extension/build.mjs` copies dist/ and the .wasm files into ./sscl/ first.
// The WASM bytes are injected (fetched from the extension's own files), as bundlers and stores expect.
import { info } from './sscl/dist/index.js';

async function ssclInfo() {
  const url = chrome.runtime.getURL('sscl/build/wasm/sscl-dsp.simd.wasm');
  const wasm = new Uint8Array(await (await fetch(url)).arrayBuffer());
  return info({ wasm: { wasm } });
}
self.ssclInfo = ssclInfo;
chrome.runtime.onInstalled.addListener(() => {
  ssclInfo().then((r) => console.log('sscl-sdk self-test:', r.selfTest, r.adapter?.description));
});
