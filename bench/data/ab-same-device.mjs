import os from 'node:os';
// augmentClipsGpu (upload + kernels + read-back) of two builds on ONE device, alternating 9 rounds (the first
// is warm-up): isolates the kernels and their recording from device differences. MODE=geo: geometry only;
// NCLIPS: clips per call (default 8 paper clips of 3x16x112x112).
//
//   npm run build:ts && node bench/data/ab-same-device.mjs --a <other checkout>/build/tsc
import { resolve } from 'node:path';
const args = process.argv.slice(2);
const N = new URL('../../build/tsc/src', import.meta.url).pathname, O = resolve(args[args.indexOf('--a') + 1], 'src');
const { getDevice } = await import(`${N}/gpu/device.js`);
const newer = await import(`${N}/data/augment/gpu.js`);
const older = await import(`${O}/data/augment/gpu.js`);
const { sampleClipAugment } = await import(`${N}/data/augment/clip.js`);
const { Rng } = await import(`${N}/data/rng.js`);
const dev = await getDevice();
const rng = new Rng(3);
const s = { c: 3, t: 16, h: 112, w: 112 };
const clips = Array.from({ length: Number(process.env.NCLIPS ?? 8) }, () => Float32Array.from({ length: 3 * 16 * 112 * 112 }, () => rng.uniform()));
const mode = process.env.MODE ?? 'all';
const ps = clips.map(() => sampleClipAugment(rng, 112, 112, mode === 'geo' ? { size: [112, 112], jitterP: 0, grayscaleP: 0, normalize: null } : { size: [112, 112], jitterP: 1 }));
const res = { old: [], new: [] };
for (let r = 0; r < 9; r++) for (const [k, m] of [['old', older], ['new', newer]]) {
  const t0 = performance.now();
  const out = await m.augmentClipsGpu(dev.gpu, clips, s, ps);
  if (r > 0) res[k].push(performance.now() - t0);
  if (r === 0 && k === 'new') console.log('first values equal:', out[0][12345] === (await older.augmentClipsGpu(dev.gpu, clips, s, ps))[0][12345]);
}
const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
for (const k in res) console.log(mode, k, res[k].map((x) => x.toFixed(0)).join(' '), 'median', med(res[k]).toFixed(0));
console.log('load', os.loadavg()[0].toFixed(1));
