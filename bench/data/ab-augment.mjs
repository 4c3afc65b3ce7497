// The augmentation alone, two builds side by side (rounds alternate A, B): 8 paper clips (3x16x112x112,
// all ops) recorded into the engine context with augmentClipsGpuInto, then flushed and waited on the queue.
// Prints per round the CPU-side time of the call and the wait.
//
//   npm run build:ts && node bench/data/ab-augment.mjs --a <other checkout>/build/tsc
import os from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
const load = async (dir) => {
  const m = (p) => import(`${dir}/src/${p}`);
  const [{ getDevice }, { augmentClipsGpu, augmentClipsGpuInto }, { sampleClipAugment }, { Rng }, { contextFor }] = await Promise.all([m('gpu/device.js'), m('data/augment/gpu.js'), m('data/augment/clip.js'), m('data/rng.js'), m('gpu/context.js')]);
  return { dev: await getDevice({ fresh: true }), augmentClipsGpu, augmentClipsGpuInto, sampleClipAugment, Rng, contextFor };
};
const args = process.argv.slice(2);
const A = resolve(args[args.indexOf('--a') + 1]);
const X = { A: await load(pathToFileURL(A).href), B: await load(new URL('../../build/tsc', import.meta.url).href) };
const rng = new X.B.Rng(3);
const s = { c: 3, t: 16, h: 112, w: 112 };
const clips = Array.from({ length: 8 }, () => Float32Array.from({ length: 3 * 16 * 112 * 112 }, () => rng.uniform()));
const ps = clips.map(() => X.B.sampleClipAugment(rng, 112, 112, { size: [112, 112], jitterP: 1 }));
const res = { A: [], B: [] };
for (const k of ['A', 'B']) { const x = X[k]; const ctx = x.contextFor(x.dev.gpu); const out = ctx.pool.acquire(8 * 3 * 16 * 112 * 112 * 4); await x.augmentClipsGpuInto(ctx, clips, s, ps, out); ctx.flush(); await x.dev.gpu.queue.onSubmittedWorkDone(); x.out = out; }
for (let r = 0; r < 6; r++) for (const k of ['A', 'B']) {
  const x = X[k]; const ctx = x.contextFor(x.dev.gpu);
  const t0 = performance.now();
  await x.augmentClipsGpuInto(ctx, clips, s, ps, x.out);
  const t1 = performance.now();
  ctx.flush(); await x.dev.gpu.queue.onSubmittedWorkDone();
  res[k].push([t1 - t0, performance.now() - t0]);
}
for (const k of ['A', 'B']) console.log(k, res[k].map(([a, b]) => `${a.toFixed(0)}+${(b - a).toFixed(0)}`).join(' '), 'ms (record/submit-side + GPU wait)');
console.log('load', os.loadavg()[0].toFixed(1));
