// WGSL clip augmentation vs the TS reference (itself checked against torchvision in augment_reference.test.ts),
// on awkward sizes: 1x1 frames, primes, outputs that do not fill a workgroup, every jitter order.
import { describe, expect, it, beforeAll } from 'vitest';
import { getDevice } from '../../src/gpu/device.ts';
import { contextFor } from '../../src/gpu/context.ts';
import { augmentClipsGpu } from '../../src/data/augment/gpu.ts';
import { augmentClipReference, sampleClipAugment, type ClipAugmentParams } from '../../src/data/augment/clip.ts';
import type { ClipShape } from '../../src/data/augment/reference.ts';
import { Rng } from '../../src/data/rng.ts';
import { expectAllClose } from '../helpers/close.ts';
import { InvalidArgumentError } from '../../src/errors.ts';

let gpu: GPUDevice;
beforeAll(async () => {
  gpu = (await getDevice()).gpu;
});

function randomClip(rng: Rng, s: ClipShape): Float32Array {
  const x = new Float32Array(s.c * s.t * s.h * s.w);
  for (let i = 0; i < x.length; i++) x[i] = rng.uniform();
  // a few greys and channel ties (the hue kernel's special cases)
  const n = s.t * s.h * s.w;
  for (let i = 0; i < n; i += 5) x[n + i] = x[i];
  for (let i = 0; i < n; i += 7) x[2 * n + i] = x[n + i] = x[i];
  return x;
}

// GPU division/FMA contraction may differ from the reference by a few ulp; values are O(1) (O(5) after normalize).
const TOL = { atol: 2e-5, rtol: 2e-5 };

const base: ClipAugmentParams = { crop: { top: 0, left: 0, height: 1, width: 1 }, size: [1, 1], flip: false, jitter: null, grayscale: false, normalize: null };

describe('augment GPU vs TS reference', () => {
  it('geometry only: crop/resize/flip on awkward sizes, including padding', async () => {
    const rng = new Rng(1);
    const cases: [ClipShape, ClipAugmentParams][] = [
      [{ c: 3, t: 1, h: 1, w: 1 }, { ...base }],
      [{ c: 3, t: 1, h: 1, w: 1 }, { ...base, size: [3, 5] }],
      [{ c: 3, t: 5, h: 7, w: 13 }, { ...base, crop: { top: 1, left: 2, height: 5, width: 11 }, size: [11, 3], flip: true }],
      [{ c: 3, t: 2, h: 17, w: 9 }, { ...base, crop: { top: -2, left: -1, height: 20, width: 12 }, size: [23, 7] }],
      [{ c: 3, t: 3, h: 32, w: 32 }, { ...base, crop: { top: 3, left: 0, height: 29, width: 31 }, size: [112, 112], flip: true }],
    ];
    const clips = cases.map(([s]) => randomClip(rng, s));
    for (let k = 0; k < cases.length; k++) {
      const [s, p] = cases[k];
      const [got] = await augmentClipsGpu(gpu, [clips[k]], s, [p]);
      expectAllClose(got, augmentClipReference(clips[k], s, p), { ...TOL, what: `geometry case ${k}` });
    }
  });

  it('each colour op alone, including hue at +-0.5 and contrast of a 1-pixel frame', async () => {
    const rng = new Rng(2);
    for (const s of [{ c: 3, t: 1, h: 1, w: 1 }, { c: 3, t: 4, h: 5, w: 19 }] as ClipShape[]) {
      const clip = randomClip(rng, s);
      const full = { top: 0, left: 0, height: s.h, width: s.w };
      const ps: ClipAugmentParams[] = [];
      for (const [op, v] of [[0, 1.37], [1, 0.41], [1, 1.9], [2, 0], [2, 1.6], [3, -0.5], [3, 0.5], [3, 0.23]] as const) {
        const jitter = { order: [op], brightness: 1, contrast: 1, saturation: 1, hue: 0 };
        jitter[(['brightness', 'contrast', 'saturation', 'hue'] as const)[op]] = v;
        ps.push({ ...base, crop: full, size: [s.h, s.w], jitter });
      }
      ps.push({ ...base, crop: full, size: [s.h, s.w], grayscale: true });
      ps.push({ ...base, crop: full, size: [s.h, s.w], normalize: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } });
      const got = await augmentClipsGpu(gpu, ps.map(() => clip), s, ps);
      ps.forEach((p, k) => expectAllClose(got[k], augmentClipReference(clip, s, p), { ...TOL, what: `colour op ${k} on ${s.h}x${s.w}` }));
    }
  });

  it('random paper-style params (all ops, random order) on a batch in one submission', async () => {
    const rng = new Rng(3);
    const s: ClipShape = { c: 3, t: 3, h: 23, w: 29 };
    const clips = [0, 1, 2, 3, 4, 5].map(() => randomClip(rng, s));
    const params = clips.map(() => sampleClipAugment(rng, s.h, s.w, { size: [13, 17], jitterP: 1, grayscaleP: 0.5 }));
    const got = await augmentClipsGpu(gpu, clips, s, params);
    for (let k = 0; k < clips.length; k++) expectAllClose(got[k], augmentClipReference(clips[k], s, params[k]), { ...TOL, what: `clip ${k}` });
    // the params really differ between clips (not one draw reused)
    expect(JSON.stringify(params[0])).not.toBe(JSON.stringify(params[1]));
  });

  it('under lowered limits (2 workgroups per dimension, 2 KiB bindings): bit-identical, really split', async () => {
    const ctx = contextFor(gpu);
    const rng = new Rng(4);
    const s: ClipShape = { c: 3, t: 5, h: 9, w: 11 }; // 5.9 KB clips, 6.3 KB output: every binding splits
    const clips = [0, 1, 2].map(() => randomClip(rng, s));
    const params = clips.map(() => sampleClipAugment(rng, s.h, s.w, { size: [7, 5], jitterP: 1, grayscaleP: 0.5 }));
    params[0].jitter = { ...params[0].jitter!, order: [1, 0, 2, 3] }; // contrast: a frame-mean grid of T = 5 > 2
    let d0 = ctx.dispatches;
    const normal = await augmentClipsGpu(gpu, clips, s, params);
    const normalCount = ctx.dispatches - d0;
    d0 = ctx.dispatches;
    const p0 = ctx.pipelineCount;
    const low = await ctx.withLimits({ maxComputeWorkgroupsPerDimension: 2, maxStorageBufferBindingSize: 2048, minStorageBufferOffsetAlignment: 256 }, () => augmentClipsGpu(gpu, clips, s, params));
    expect(ctx.dispatches - d0).toBeGreaterThan(normalCount); // grids were cut
    expect(ctx.pipelineCount).toBeGreaterThan(p0); // bindings were split (new accessor layouts)
    for (let k = 0; k < clips.length; k++) {
      expect(Array.from(low[k])).toEqual(Array.from(normal[k]));
      expectAllClose(low[k], augmentClipReference(clips[k], s, params[k]), { ...TOL, what: `clip ${k} under low limits` });
    }
  });

  it('typed errors', async () => {
    const s: ClipShape = { c: 3, t: 1, h: 2, w: 2 };
    await expect(augmentClipsGpu(gpu, [new Float32Array(5)], s, [base])).rejects.toThrow(InvalidArgumentError);
    await expect(augmentClipsGpu(gpu, [new Float32Array(12)], s, [{ ...base, size: [0, 2] }])).rejects.toThrow(/positive/);
  });
});
