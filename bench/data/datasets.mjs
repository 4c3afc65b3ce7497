// Clips/s the AV-Digits pipeline delivers, per preset: cold (speech synthesised on the way) and warm
// (every utterance already in the dataset's cache: the steady state once an epoch has touched the
// split's speakers x digits), plus augmented batches (batchArrays: GPU kernels and the CPU reference;
// batch(): engine Tensors with the log-mel spectrogram). Then TuxAV
// (cold = PNG + Ogg Vorbis decoded on the way, warm = cached) when tuxpaint-stamps-default is installed.
//
//   npm run build:ts && node bench/data/datasets.mjs [--items 100] [--batch 8]
import { readFileSync } from 'node:fs';
import os from 'node:os';
// data + device modules directly: build/tsc/src/index.js pulls in src/worker/comlink.js, whose relative
// path into node_modules does not resolve from build/tsc/.
import { datasets } from '../../build/tsc/src/data/public.js';
import { getDevice } from '../../build/tsc/src/gpu/device.js';
import { AudioFrontend } from '../../build/tsc/src/dsp/frontend.js';
import { contextOf } from '../../build/tsc/src/tensor/tensor.js';

// build/tsc/ has no build/wasm next to it: hand the frontend its bytes
const frontend = await AudioFrontend.create({ wasm: readFileSync(new URL('../../build/wasm/sscl-dsp.simd.wasm', import.meta.url)) });

const args = process.argv.slice(2);
const opt = (k, d) => (args.includes(`--${k}`) ? Number(args[args.indexOf(`--${k}`) + 1]) : d);
const ITEMS = opt('items', 100);
const B = opt('batch', 8);

const rows = [];
for (const preset of ['tiny', 'paper']) {
  const n = preset === 'paper' ? Math.max(8, ITEMS >> 1) : ITEMS;
  const ds = await datasets.avDigits({ split: 'train', seed: 0, size: 100000, noise: 0.2, preset });
  const idx = Array.from({ length: n }, (_, i) => i);
  let t = performance.now();
  for (const i of idx) await ds.get(i);
  const cold = n / ((performance.now() - t) / 1000);
  t = performance.now();
  for (const i of idx) await ds.get(i);
  const warm = n / ((performance.now() - t) / 1000);
  const batches = [];
  for (let k = 0; k + B <= n; k += B) batches.push(idx.slice(k, k + B));
  const rate = async (o) => {
    await ds.batchArrays(batches[0], o); // compile pipelines
    const tt = performance.now();
    for (const b of batches) await ds.batchArrays(b, o);
    return (batches.length * B) / ((performance.now() - tt) / 1000);
  };
  // batch(): Tensors (video augmented on the GPU into the tensor, log-mel + SpecAugment uploaded). The
  // augmentation is only recorded into the engine's encoder (a training step would submit it with its own
  // work): flush the engine, wait for the queue, then dispose.
  const device = await getDevice();
  const tensorRate = async (o) => {
    (await ds.batch(batches[0], o)).dispose();
    const tt = performance.now();
    for (const b of batches) {
      const t = await ds.batch(b, o);
      contextOf(device).flush();
      await device.gpu.queue.onSubmittedWorkDone();
      t.dispose();
    }
    return (batches.length * B) / ((performance.now() - tt) / 1000);
  };
  const gpu = await rate({ augment: true, seed: 1 });
  const cpu = await rate({ augment: true, seed: 1, augmentOn: 'cpu' });
  const tensors = await tensorRate({ augment: true, seed: 1, frontend });
  rows.push({ preset, items: n, cold, warm, gpu, cpu, tensors });
  console.log(`${preset}: (load ${os.loadavg()[0].toFixed(1)}) cold ${cold.toFixed(1)} clips/s, warm ${warm.toFixed(1)} clips/s, augmented batches of ${B}: batchArrays GPU ${gpu.toFixed(1)} clips/s, CPU ${cpu.toFixed(1)} clips/s; batch() tensors ${tensors.toFixed(1)} clips/s`);
}
const tux = [];
try {
  for (const preset of ['tiny', 'paper']) {
    const ds = await datasets.tuxAv({ split: 'train', seed: 0, preset });
    const n = preset === 'paper' ? Math.max(8, ITEMS >> 1) : ITEMS;
    let t = performance.now();
    for (let i = 0; i < n; i++) await ds.get(i);
    const cold = n / ((performance.now() - t) / 1000);
    t = performance.now();
    for (let i = 0; i < n; i++) await ds.get(i);
    const warm = n / ((performance.now() - t) / 1000);
    tux.push({ preset, items: n, cold, warm });
    console.log(`tuxav ${preset}: cold ${cold.toFixed(1)} clips/s, warm ${warm.toFixed(1)} clips/s`);
  }
} catch (e) {
  console.log(`tuxav skipped: ${e.message}`);
}
console.log(`\n| preset | items | get() cold | get() warm | batchArrays+augment (GPU) | batchArrays+augment (CPU ref) | batch() tensors + log-mel + SpecAugment (GPU augment) |\n|---|---|---|---|---|---|---|`);
for (const r of rows) console.log(`| ${r.preset} | ${r.items} | ${r.cold.toFixed(1)} | ${r.warm.toFixed(1)} | ${r.gpu.toFixed(1)} | ${r.cpu.toFixed(1)} | ${r.tensors.toFixed(1)} |`);
if (tux.length) {
  console.log(`\n| TuxAV preset | items | get() cold | get() warm |\n|---|---|---|---|`);
  for (const r of tux) console.log(`| ${r.preset} | ${r.items} | ${r.cold.toFixed(1)} | ${r.warm.toFixed(1)} |`);
}
console.log(`\nnode ${process.version}, ${os.cpus()[0]?.model} x${os.cpus().length}, ${new Date().toISOString()}, load average at the end ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
