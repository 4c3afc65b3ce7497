// batch() clips/s of two builds of the SDK side by side in one process (rounds alternate A, B, A, B, ...),
// so a change can be judged on a shared, noisy machine. Each build gets its own device, AV-Digits dataset
// and warm caches; each round times augmented batches (GPU augmentation into the video tensor, log-mel +
// SpecAugment), flushed and waited on the queue, disposed.
//
//   npm run build:ts && node bench/data/ab.mjs --a <other checkout>/build/tsc [--items 16] [--batch 8] [--rounds 3] [--preset paper]
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const arg = (k, d) => (args.includes(`--${k}`) ? args[args.indexOf(`--${k}`) + 1] : d);
const A = resolve(arg('a', ''));
const Bdir = resolve(arg('b', new URL('../../build/tsc', import.meta.url).pathname));
const ITEMS = Number(arg('items', 16)), BATCH = Number(arg('batch', 8)), ROUNDS = Number(arg('rounds', 3));
const presets = arg('preset', 'tiny,paper').split(',');

async function load(dir, wasmDir) {
  const m = (p) => import(pathToFileURL(`${dir}/src/${p}`).href);
  const [{ datasets }, { getDevice }, { AudioFrontend }, { contextOf }] = await Promise.all([m('data/public.js'), m('gpu/device.js'), m('dsp/frontend.js'), m('tensor/tensor.js')]);
  const frontend = await AudioFrontend.create({ wasm: readFileSync(`${wasmDir}/sscl-dsp.simd.wasm`) });
  return { datasets, device: await getDevice({ fresh: true }), frontend, contextOf };
}
const builds = { A: await load(A, resolve(A, '../wasm')), B: await load(Bdir, resolve(Bdir, '../wasm')) };
console.log(`A = ${A}\nB = ${Bdir}`);
for (const preset of presets) {
  const sets = {};
  const idx = Array.from({ length: ITEMS }, (_, i) => i);
  const batches = [];
  for (let k = 0; k + BATCH <= ITEMS; k += BATCH) batches.push(idx.slice(k, k + BATCH));
  for (const [name, b] of Object.entries(builds)) {
    const ds = await b.datasets.avDigits({ split: 'train', seed: 0, size: 100000, noise: 0.2, preset });
    for (const i of idx) await ds.get(i); // warm the speech cache
    (await ds.batch(batches[0], { augment: true, seed: 1, frontend: b.frontend, device: b.device })).dispose(); // compile pipelines
    sets[name] = ds;
  }
  const rates = { A: [], B: [] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const name of ['A', 'B']) {
      const b = builds[name];
      const t0 = performance.now();
      for (const ix of batches) {
        const t = await sets[name].batch(ix, { augment: true, seed: 1 + r, frontend: b.frontend, device: b.device });
        b.contextOf(b.device).flush(); // no-op where batch() submitted its own work
        await b.device.gpu.queue.onSubmittedWorkDone();
        t.dispose();
      }
      rates[name].push((batches.length * BATCH) / ((performance.now() - t0) / 1000));
    }
  }
  const med = (xs) => [...xs].sort((x, y) => x - y)[xs.length >> 1];
  console.log(`${preset}: batch() clips/s A ${rates.A.map((x) => x.toFixed(1)).join(' / ')} (median ${med(rates.A).toFixed(1)}), B ${rates.B.map((x) => x.toFixed(1)).join(' / ')} (median ${med(rates.B).toFixed(1)}), B/A per round ${rates.B.map((x, i) => (x / rates.A[i]).toFixed(2)).join(' ')}; load ${os.loadavg()[0].toFixed(1)}`);
}
for (const b of Object.values(builds)) b.device.destroy();
