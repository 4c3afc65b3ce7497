// deno run -A --unstable-webgpu examples/deno/worker.ts [--json]
// The audio frontend in a web worker (spawnWorker), checked bit for bit against the main thread.
// From a local checkout (after `npm run build`); from npm use: import { spawnWorker } from 'npm:sscl-sdk';
import { AudioFrontend, InvalidAudioError, SSCL_AUDIO, spawnWorker } from '../../dist/index.js';

const w = await spawnWorker();
try {
  const x = Float32Array.from({ length: SSCL_AUDIO.clipSamples }, (_, i) => Math.sin(i * 0.05) + 0.2 * Math.sin(i * 1.3));
  const inWorker = await w.melSpectrogram(x, SSCL_AUDIO);
  const onMain = (await AudioFrontend.create()).melSpectrogram(x, SSCL_AUDIO);
  let differ = 0;
  for (let i = 0; i < onMain.data.length; i++) if (!Object.is(inWorker.data[i], onMain.data[i])) differ++;
  const bad = x.slice();
  bad[100] = NaN;
  const error = await w.melSpectrogram(bad, SSCL_AUDIO).then(
    () => null,
    (e) => ({ name: e.name, code: e.code, isInvalidAudioError: e instanceof InvalidAudioError, message: e.message }),
  );
  const i = await w.info();
  console.log(`worker (${i.thread.kind}): ${inWorker.bands} x ${inWorker.frames} log-mel, ${differ} values differ from the main thread`);
  console.log(`typed error from the worker: ${error?.name} (${error?.code}): ${error?.message}`);
  if (Deno.args.includes('--json')) {
    console.log(JSON.stringify({ runtime: i.runtime, thread: i.thread, selfTest: i.selfTest, bands: inWorker.bands, frames: inWorker.frames, differ, error }));
  }
  Deno.exitCode = differ === 0 && error?.isInvalidAudioError && i.selfTest === 'ok' ? 0 : 1;
} finally {
  await w.terminate();
}
