// Runs the clip augmentation kernels on whatever WebGPU adapter Node finds and compares them with the TS
// reference, then times augmentClipsGpu on a paper-preset batch. For checking a real GPU (the CI machines
// only have software adapters). npm run build:ts && node bench/data/gpu-check.mjs
import { getDevice } from '../../build/tsc/src/gpu/device.js';
import { augmentClipsGpu } from '../../build/tsc/src/data/augment/gpu.js';
import { augmentClipReference, sampleClipAugment } from '../../build/tsc/src/data/augment/clip.js';
import { Rng } from '../../build/tsc/src/data/rng.js';

const dev = await getDevice();
console.log(`adapter: ${dev.adapter?.vendor} ${dev.adapter?.architecture} ${dev.adapter?.description} (software: ${dev.adapter?.isSoftware})`);
const rng = new Rng(3);
let worst = 0, worstNorm = 0;
for (const [t, h, w, oh, ow] of [[1, 1, 1, 3, 5], [3, 23, 29, 13, 17], [5, 7, 13, 11, 3], [16, 112, 112, 112, 112], [2, 64, 48, 31, 37]]) {
  const s = { c: 3, t, h, w };
  for (const norm of [null, undefined]) {
    const clips = [0, 1, 2].map(() => Float32Array.from({ length: 3 * t * h * w }, () => rng.uniform()));
    const ps = clips.map(() => sampleClipAugment(rng, h, w, { size: [oh, ow], jitterP: 1, grayscaleP: 0.3, normalize: norm }));
    const got = await augmentClipsGpu(dev.gpu, clips, s, ps);
    got.forEach((g, k) => {
      const r = augmentClipReference(clips[k], s, ps[k]);
      let m = 0;
      for (let i = 0; i < g.length; i++) m = Math.max(m, Math.abs(g[i] - r[i]));
      if (Number.isNaN(m)) m = Infinity;
      if (norm === null) worst = Math.max(worst, m);
      else worstNorm = Math.max(worstNorm, m);
    });
  }
}
console.log(`max |GPU - reference|: ${worst.toExponential(2)} on [0,1] values, ${worstNorm.toExponential(2)} after normalisation`);
const s = { c: 3, t: 16, h: 112, w: 112 };
const clips = Array.from({ length: 8 }, () => Float32Array.from({ length: 3 * 16 * 112 * 112 }, () => rng.uniform()));
const ps = clips.map(() => sampleClipAugment(rng, 112, 112, { size: [112, 112], jitterP: 1 }));
await augmentClipsGpu(dev.gpu, clips, s, ps);
const reps = 5;
const t0 = performance.now();
for (let r = 0; r < reps; r++) await augmentClipsGpu(dev.gpu, clips, s, ps);
const ms = (performance.now() - t0) / reps;
console.log(`augmentClipsGpu, 8 paper clips (3x16x112x112, all ops, upload + read-back included): ${ms.toFixed(1)} ms per batch = ${((8 * 1000) / ms).toFixed(0)} clips/s`);
dev.destroy();
