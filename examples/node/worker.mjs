// node examples/node/worker.mjs [--json] — the audio frontend in a worker thread (worker_threads through
// spawnWorker), checked bit for bit against the same call on the main thread; a typed error crosses back.
import { AudioFrontend, InvalidAudioError, SSCL_AUDIO, spawnWorker } from 'sscl-sdk';

const w = await spawnWorker();
try {
  const x = Float32Array.from({ length: SSCL_AUDIO.clipSamples }, (_, i) => Math.sin(i * 0.05) + 0.2 * Math.sin(i * 1.3));
  const t0 = performance.now();
  const inWorker = await w.melSpectrogram(x, SSCL_AUDIO); // x is copied; the result's buffer is moved back
  const ms = performance.now() - t0;
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
  const result = { runtime: i.runtime, thread: i.thread, selfTest: i.selfTest, bands: inWorker.bands, frames: inWorker.frames, differ, error, ms };
  console.log(`worker (${i.thread.kind}): ${inWorker.bands} x ${inWorker.frames} log-mel in ${ms.toFixed(1)} ms, ${differ} values differ from the main thread`);
  console.log(`typed error from the worker: ${error?.name} (${error?.code}): ${error?.message}`);
  if (process.argv.includes('--json')) console.log(JSON.stringify(result));
  process.exitCode = differ === 0 && error?.isInvalidAudioError && i.selfTest === 'ok' ? 0 : 1;
} finally {
  await w.terminate();
}
