// augmentClipsGpu outputs of a fixed case set (48 clips, 6 shapes, all ops, with and without normalisation):
// prints their sha256 and writes the raw float32s, for a bit-identity check between two builds.
//
//   npm run build:ts && node bench/data/augment-dump.mjs out.bin [--build <checkout>/build/tsc]
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
const args = process.argv.slice(2);
const B = args.includes('--build') ? `${args[args.indexOf('--build') + 1]}/src` : new URL('../../build/tsc/src', import.meta.url).pathname;
const { getDevice } = await import(`${B}/gpu/device.js`);
const { augmentClipsGpu } = await import(`${B}/data/augment/gpu.js`);
const { sampleClipAugment } = await import(`${B}/data/augment/clip.js`);
const { Rng } = await import(`${B}/data/rng.js`);
const dev = await getDevice();
const rng = new Rng(3);
const h = createHash('sha256');
const all = [];
for (const [t, hh, w, oh, ow] of [[1, 1, 1, 3, 5], [3, 23, 29, 13, 17], [5, 7, 13, 11, 3], [4, 64, 64, 32, 32], [2, 64, 48, 31, 37], [8, 32, 32, 32, 32]]) {
  const s = { c: 3, t, h: hh, w };
  for (const norm of [null, undefined]) {
    const clips = [0, 1, 2, 3].map(() => Float32Array.from({ length: 3 * t * hh * w }, () => rng.uniform()));
    const ps = clips.map(() => sampleClipAugment(rng, hh, w, { size: [oh, ow], jitterP: 1, grayscaleP: 0.3, normalize: norm }));
    const got = await augmentClipsGpu(dev.gpu, clips, s, ps);
    for (const g of got) { h.update(new Uint8Array(g.buffer, g.byteOffset, g.byteLength)); all.push(g); }
  }
}
const out = process.argv[2];
const total = all.reduce((a, g) => a + g.length, 0);
const buf = new Float32Array(total); let o = 0; for (const g of all) { buf.set(g, o); o += g.length; }
writeFileSync(out, new Uint8Array(buf.buffer));
console.log(h.digest('hex'), total);
dev.destroy();
