// Runs the clip augmentation as engine KernelSpecs (./augment.wgsl.ts) recorded into the engine's open
// command encoder (GpuContext.launch): batch() augments straight into its video Tensor with no submit of
// its own, so the augmentation joins the engine's next submit (e.g. the training step's). Temporaries come
// from the engine's pool and go back to it as soon as they are recorded (commands run in recording order,
// and GpuContext.upload stages writes into buffers that recorded work may still read).
import { InvalidArgumentError } from '../../errors.ts';
import { contextFor, type GpuContext } from '../../gpu/context.ts';
import { COLOR_SPEC, FRAME_MEAN_SPEC, GEOMETRY_SPEC, MAX_COLOR_OPS, WG } from './augment.wgsl.ts';
import type { ClipAugmentParams } from './clip.ts';
import { checkClip, type ClipShape } from './reference.ts';

function checkParams(s: ClipShape, p: ClipAugmentParams): void {
  const { top, left, height, width } = p.crop;
  if (![top, left, height, width, p.size[0], p.size[1]].every(Number.isInteger) || height <= 0 || width <= 0 || p.size[0] <= 0 || p.size[1] <= 0) {
    throw new InvalidArgumentError(`augment params: crop box and size must be integers with positive sizes, got crop ${JSON.stringify(p.crop)} size ${p.size}`);
  }
  if (s.c !== 3) throw new InvalidArgumentError(`augment: needs RGB clips (C=3), got C=${s.c}`);
  if (p.jitter && !(p.jitter.hue >= -0.5 && p.jitter.hue <= 0.5)) throw new InvalidArgumentError(`augment: hue factor must be in [-0.5, 0.5], got ${p.jitter.hue}`);
}

/**
 * Augments clips on the GPU: each (3, T, H, W) clip with its own params, all in one submission (with the engine's pending work).
 * Returns one (3, T, size[0], size[1]) Float32Array per clip. Matches `augmentClipReference` to ~1e-6
 * (measured on llvmpipe: <= 9e-7 on [0, 1] values, <= 1.1e-5 after normalisation, which divides by std ~0.22).
 *
 * @example
 * ```ts
 * const gpu = (await getDevice()).gpu;
 * const rng = new Rng(7);
 * const params = clips.map(() => sampleClipAugment(rng, 32, 32, { size: [32, 32] }));
 * const out = await augmentClipsGpu(gpu, clips, { c: 3, t: 8, h: 32, w: 32 }, params);
 * ```
 */
export async function augmentClipsGpu(gpu: GPUDevice, clips: Float32Array[], s: ClipShape, params: ClipAugmentParams[]): Promise<Float32Array[]> {
  const ctx = contextFor(gpu);
  const sizes = checkAll(clips, s, params);
  const total = sizes.reduce((a, b) => a + b, 0);
  const out = ctx.pool.acquire(Math.max(4, total * 4));
  try {
    recordAugment(ctx, clips, s, params, { buffer: out, bytes: total * 4 });
    const all = new Float32Array(await ctx.read(out, total * 4));
    let off = 0;
    return sizes.map((n) => all.slice(off, (off += n)));
  } finally {
    ctx.pool.release(out);
  }
}

/**
 * @internal Records the augmentation of every clip into `ctx`'s open encoder, clip k written to `target`
 * at element k * 3*T*oh*ow (the engine's video Tensor in batch()). Nothing is submitted here.
 */
export function augmentClipsGpuInto(ctx: GpuContext, clips: Float32Array[], s: ClipShape, params: ClipAugmentParams[], target: GPUBuffer): void {
  const total = checkAll(clips, s, params).reduce((a, b) => a + b, 0);
  recordAugment(ctx, clips, s, params, { buffer: target, bytes: total * 4 });
}

/** Checks clips and params; returns each clip's output element count. */
function checkAll(clips: Float32Array[], s: ClipShape, params: ClipAugmentParams[]): number[] {
  if (clips.length !== params.length) throw new InvalidArgumentError(`augmentClipsGpu: ${clips.length} clips but ${params.length} param sets`);
  clips.forEach((c, k) => {
    checkClip(c, s, `augmentClipsGpu clip ${k}`);
    checkParams(s, params[k]);
  });
  return params.map((p) => 3 * s.t * p.size[0] * p.size[1]);
}

/** One clip's colour passes: a frame-mean pass before a run that opens with contrast, then the run's op rows. */
interface ColorRun {
  means: boolean;
  /** First row of the run in the batch's op table, and its length. */
  row: number;
  count: number;
}

/** Splits a clip's colour ops into runs (contrast opens a run after a frame-mean pass; at most MAX_COLOR_OPS each); appends their rows to `table`. */
function colorRuns(p: ClipAugmentParams, table: number[]): ColorRun[] {
  const ops: [number, number][] = [];
  if (p.jitter) for (const op of p.jitter.order) ops.push([op, [p.jitter.brightness, p.jitter.contrast, p.jitter.saturation, p.jitter.hue][op]]);
  if (p.grayscale) ops.push([4, 0]);
  if (p.normalize) ops.push([5, 0]);
  const runs: ColorRun[] = [];
  let run: ColorRun | null = null;
  for (const [op, factor] of ops) {
    if (!run || op === 1 || run.count === MAX_COLOR_OPS) runs.push((run = { means: op === 1, row: table.length / 4, count: 0 }));
    table.push(op, factor, 1 - factor, 0);
    run.count++;
  }
  return runs;
}

/** Records the kernels of every clip, clip k's output at element offset sum of the earlier outputs of `out`. */
function recordAugment(ctx: GpuContext, clips: Float32Array[], s: ClipShape, params: ClipAugmentParams[], out: { buffer: GPUBuffer; bytes: number }): void {
  const table: number[] = [];
  const runs = params.map((p) => colorRuns(p, table));
  const opsData = Float32Array.from(table.length ? table : [0, 0, 0, 0]);
  // Every upload before the first kernel: with nothing recorded yet they are plain queue writes, while an
  // upload after a recorded kernel has to go through a staging buffer (GpuContext.upload).
  const srcs = clips.map((c) => ctx.pool.acquire(c.byteLength));
  const means = ctx.pool.acquire(s.t * 4);
  const opsBuf = ctx.pool.acquire(opsData.byteLength);
  try {
    clips.forEach((c, k) => ctx.upload(srcs[k], c));
    ctx.upload(opsBuf, opsData);
    const meansArg = { buffer: means, bytes: s.t * 4 };
    const opsArg = { buffer: opsBuf, bytes: opsData.byteLength };
    let off = 0;
    for (let k = 0; k < clips.length; k++) {
      const p = params[k];
      const [oh, ow] = p.size;
      const srcArg = { buffer: srcs[k], bytes: clips[k].byteLength };
      const n = s.t * oh * ow; // pixels
      const { top, left, height, width } = p.crop;
      ctx.launch(GEOMETRY_SPEC, [srcArg, out], Math.ceil((3 * n) / WG), [s.c * s.t, s.h, s.w, oh, ow, top, left, height, width, p.flip ? 1 : 0, height / oh, width / ow, off]);
      const [m, sd] = p.normalize ? [p.normalize.mean, p.normalize.std] : [[0, 0, 0], [1, 1, 1]];
      for (const r of runs[k]) {
        if (r.means) ctx.launch(FRAME_MEAN_SPEC, [out, meansArg], [s.t, 1, 1], [s.t, oh * ow, off]);
        ctx.launch(COLOR_SPEC, [out, meansArg, opsArg], Math.ceil(n / WG), [n, oh * ow, s.t, r.count, off, r.row, ...m, ...sd]);
      }
      off += 3 * n;
    }
  } finally {
    // back to the pool at once: later users are recorded after these kernels, so they run after them
    for (const b of srcs) ctx.pool.release(b);
    ctx.pool.release(means);
    ctx.pool.release(opsBuf);
  }
}
