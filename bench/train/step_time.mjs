// SSCL training step time vs the data pipeline, in ONE process on the same adapter (issue 6 asks that the
// pipeline keeps up with the step). For each preset: a trainer on AV-Digits (warm-up steps first, so shader
// compilation is not timed), then the timed steps of each phase kind, with the GPU part (step minus waiting
// for data) and the data part separated; then ds.batch(indices, { augment: true }) alone on the same
// dataset (warm utterance cache), as clips/s.
//
//   node bench/train/step_time.mjs [--presets tiny,small] [--batch 16] [--small-batch 4] [--steps 3]
// Runs the TypeScript sources through test/harness/node-ts-loader.mjs (no build step needed).
import { register } from 'node:module';
import os from 'node:os';

register(new URL('../../test/harness/node-ts-loader.mjs', import.meta.url).href);
const { getDevice } = await import('../../src/gpu/device.ts');
const { createTrainer } = await import('../../src/train/sscl/trainer.ts');

const args = process.argv.slice(2);
const opt = (k, d) => (args.includes(`--${k}`) ? args[args.indexOf(`--${k}`) + 1] : d);
const presets = String(opt('presets', 'tiny,small')).split(',');
const batchOf = { tiny: Number(opt('batch', 16)), small: Number(opt('small-batch', 4)), paper: Number(opt('paper-batch', 2)) };
const STEPS = Number(opt('steps', 3));

const device = await getDevice();
console.log(`adapter: ${device.adapter?.description}; ${os.cpus().length} CPUs (${os.cpus()[0]?.model}); Node ${process.version}; load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
const rows = [];
for (const preset of presets) {
  const B = batchOf[preset];
  // 1 warm-up + STEPS timed steps in each of the four step kinds: self-instance (video teacher), transfer
  // video -> audio, self-instance (audio teacher), transfer audio -> video
  const per = 1 + STEPS;
  const trainer = await createTrainer({ device, preset, batchSize: B, stages: 2, selfSteps: per, transferSteps: per, seed: 0, dataset: { kind: 'avDigits', size: Math.max(4 * B, 64), speakers: 8 } });
  const kinds = new Map();
  for await (const e of trainer.run()) {
    const kind = `${e.phase} (teacher ${e.teacher})`;
    process.stdout.write(`  ${preset} B=${B} ${kind} step ${e.phaseStep}: ${e.ms.toFixed(0)} ms (data ${e.dataMs.toFixed(0)} ms) loss ${e.loss.toFixed(3)}\n`);
    if (e.phaseStep === 0) continue; // warm-up: pipelines compile here
    const k = kinds.get(kind) ?? { ms: [], dataMs: [], views: e.phase === 'self-instance' ? 2 : 1 };
    k.ms.push(e.ms);
    k.dataMs.push(e.dataMs);
    kinds.set(kind, k);
  }
  // the pipeline alone, same dataset, warm caches (the steps above touched its utterances)
  const ds = trainer.dataset;
  const idx = Array.from({ length: B }, (_, i) => i);
  (await ds.batch(idx, { augment: true, seed: 1, device: device.gpu ?? device })).dispose();
  const n = 4;
  const t = performance.now();
  for (let r = 0; r < n; r++) {
    const b = await ds.batch(idx, { augment: true, seed: 100 + r, device: device.gpu ?? device });
    await b.video.toArray(); // wait for the GPU augmentation
    b.dispose();
  }
  const pipe = (n * B) / ((performance.now() - t) / 1000);
  const med = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  for (const [kind, k] of kinds) {
    const gpuMs = med(k.ms.map((m, i) => m - k.dataMs[i]));
    rows.push({ preset, B, kind, stepMs: med(k.ms), gpuMs, dataMs: med(k.dataMs), trainClipsPerS: B / (gpuMs / 1000), dataClipsNeededPerS: (k.views * B) / (gpuMs / 1000), pipelineClipsPerS: pipe });
  }
  trainer.dispose();
}
console.log(`\nload after: ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
console.log('| preset | batch | step kind | step ms (median) | of which data ms | GPU part ms | training clips/s | clips/s the step needs (views x B / GPU part) | pipeline clips/s (ds.batch, augment) | keeps up |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.preset} | ${r.B} | ${r.kind} | ${r.stepMs.toFixed(0)} | ${r.dataMs.toFixed(0)} | ${r.gpuMs.toFixed(0)} | ${r.trainClipsPerS.toFixed(1)} | ${r.dataClipsNeededPerS.toFixed(1)} | ${r.pipelineClipsPerS.toFixed(1)} | ${r.pipelineClipsPerS >= r.dataClipsNeededPerS ? 'yes' : 'no'} |`);
