// Runs in the offscreen document created by background.js. It may construct Workers, so spawnWorker() works
// here: the log-mel is computed in dist/worker/entry.js and checked against the same call in this page.
import { AudioFrontend, SSCL_AUDIO, spawnWorker } from './sscl/dist/index.js';

let worker = null;
chrome.runtime.onMessage.addListener((msg, _sender, reply) => {
  if (msg?.type !== 'sscl-worker-mel') return false;
  (async () => {
    worker ??= await spawnWorker();
    const x = Float32Array.from({ length: SSCL_AUDIO.clipSamples }, (_, i) => Math.sin(i * 0.05) + 0.2 * Math.sin(i * 1.3));
    const m = await worker.melSpectrogram(x, SSCL_AUDIO);
    const ref = (await AudioFrontend.create()).melSpectrogram(x, SSCL_AUDIO);
    let differ = 0;
    for (let i = 0; i < ref.data.length; i++) if (!Object.is(m.data[i], ref.data[i])) differ++;
    const i = await worker.info();
    return { bands: m.bands, frames: m.frames, differ, thread: i.thread, runtime: i.runtime };
  })().then(reply, (e) => reply({ error: { name: e.name, code: e.code, message: e.message } }));
  return true; // the reply comes asynchronously
});
