// bench/worker: what a worker costs and gives, in Node (worker_threads, from dist/): spawn time, the round
// trip of a near-empty call, and SSCL_AUDIO log-mel clips/s on the main thread vs through 1 and 2 workers.
// Writes bench/worker/RESULTS.md. Run (after `npm run build`):  node bench/worker/run.mjs [seconds]
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';

const root = new URL('../../', import.meta.url);
const { AudioFrontend, SSCL_AUDIO, spawnWorker } = await import(new URL('dist/index.node.js', root).href);
const SECONDS = Number(process.argv[2] ?? 1);
const x = new Float32Array(SSCL_AUDIO.clipSamples).map((_, i) => Math.sin(i * 0.01) + 0.1 * Math.sin(i * 1.3));
const median = (a) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)];

// spawn -> first answer (init), and the first real call (loads the WASM in the worker)
const spawnMs = [];
const firstCallMs = [];
for (let i = 0; i < 5; i++) {
  const t0 = performance.now();
  const w = await spawnWorker();
  const t1 = performance.now();
  await w.melSpectrogram(x, SSCL_AUDIO);
  const t2 = performance.now();
  spawnMs.push(t1 - t0);
  firstCallMs.push(t2 - t1);
  await w.terminate();
}

const w1 = await spawnWorker();
const w2 = await spawnWorker();
const tiny = new Float32Array(16).fill(0.5);
for (let i = 0; i < 50; i++) await w1.resample(tiny, 2, 2); // warm-up
const rtt = [];
for (let i = 0; i < 500; i++) {
  const t0 = performance.now();
  await w1.resample(tiny, 2, 2); // returns a copy of 16 samples: almost only the round trip
  rtt.push(performance.now() - t0);
}

async function rate(step, clipsPerStep) {
  for (let i = 0; i < 10; i++) await step();
  let clips = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < SECONDS * 1000) {
    await step();
    clips += clipsPerStep;
    t = performance.now();
  }
  return (clips * 1000) / (t - t0);
}
const fe = await AudioFrontend.create();
const out = new Float32Array(128 * 128);
const batch = new Float32Array(16 * x.length);
for (let i = 0; i < 16; i++) batch.set(x, i * x.length);
const rows = [
  ['main thread, melSpectrogram into out (sync)', await rate(() => fe.melSpectrogram(x, SSCL_AUDIO, out), 1)],
  ['1 worker, melSpectrogram, one call at a time', await rate(() => w1.melSpectrogram(x, SSCL_AUDIO), 1)],
  ['1 worker, melSpectrogramBatch of 16 clips', await rate(() => w1.melSpectrogramBatch(batch, x.length, SSCL_AUDIO), 16)],
  ['2 workers, melSpectrogram, one call each in flight', await rate(() => Promise.all([w1.melSpectrogram(x, SSCL_AUDIO), w2.melSpectrogram(x, SSCL_AUDIO)]), 2)],
];
await w1.terminate();
await w2.terminate();

const f = (v, d = 2) => v.toFixed(d);
const md = `# bench/worker results

Command: \`npm run build && node bench/worker/run.mjs ${SECONDS}\`
Date: ${new Date().toISOString()} — machine: \`nproc\` = ${cpus().length}, ${cpus()[0]?.model ?? 'CPU'}, Node ${process.version}; load average at the end: ${loadavg().map((v) => v.toFixed(2)).join(' ')}.
The machine is shared with other jobs: treat absolute numbers as ±20%.

| what | median | all |
|---|---:|---|
| spawnWorker() until the worker answers init (ms) | ${f(median(spawnMs), 1)} | ${spawnMs.map((v) => f(v, 1)).join(', ')} |
| first melSpectrogram in a new worker, WASM load included (ms) | ${f(median(firstCallMs), 1)} | ${firstCallMs.map((v) => f(v, 1)).join(', ')} |
| round trip of a near-empty call, resample(16 samples, 2, 2) (ms, 500 calls) | ${f(median(rtt), 3)} | p90 ${f([...rtt].sort((p, q) => p - q)[Math.floor(rtt.length * 0.9)], 3)} |

SSCL_AUDIO log-mel (2 s at 24 kHz -> 128 x 128), ${SECONDS} s per row:

| how | clips/s |
|---|---:|
${rows.map(([k, v]) => `| ${k} | ${f(v, 0)} |`).join('\n')}
`;
writeFileSync(new URL('bench/worker/RESULTS.md', root), md);
console.log(md);
