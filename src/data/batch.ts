// Packing items into batches, with the paper's augmentation: a random temporal shift (frames and audio
// together), the visual augmentation (GPU kernels or the TS reference) and audio gain jitter. Shared by
// every dataset. TODO(engine): return GPU Tensors once src/tensor lands.
import { InvalidArgumentError } from '../errors.ts';
import { getDevice } from '../gpu/device.ts';
import { augmentClipReference, sampleClipAugment, IMAGENET_NORMALIZE, type ClipAugmentParams } from './augment/clip.ts';
import { augmentClipsGpu } from './augment/gpu.ts';
import { normalize as normalizeRef } from './augment/reference.ts';
import { gainJitter } from './audio.ts';
import type { ClipPreset } from './presets.ts';
import { mixSeed, Rng } from './rng.ts';

/** One clip: `video` (3, T, H, W) in [0, 1]; `audio` (preset.audioSeconds * sampleRate) in [-1, 1]. */
export interface AvItem {
  video: Float32Array;
  audio: Float32Array;
  sampleRate: number;
  /** Evaluation label (AV-Digits: the digit on screen, 'test' split only; manifests: the entry's label). */
  label?: number;
  /** AV-Digits: the digit spoken in the audio (differs from `label` for mismatched pairs), 'test' split only. */
  audioLabel?: number;
  shape: { c: 3; t: number; h: number; w: number };
}

export interface BatchOptions {
  /** Apply the paper's visual augmentation (random resized crop, flip, colour jitter, grayscale), audio gain jitter and a temporal shift. */
  augment?: boolean;
  /** Seed of the augmentation draws. Default 0. */
  seed?: number;
  /** Normalise frames with the ImageNet/Kinetics mean/std. Default true. */
  normalize?: boolean;
  /** Where to run the visual augmentation: 'gpu' (WGSL kernels, default) or 'cpu' (the TS reference, bit-exact everywhere). */
  augmentOn?: 'gpu' | 'cpu';
  /** GPUDevice for 'gpu' (default: the SDK's shared device). */
  device?: GPUDevice;
  /** Max temporal jitter of the clip start in seconds when augmenting (a nearby start of the same video). Default 0.25. */
  maxShift?: number;
}

/** A batch packed as plain typed arrays: `video` (B, 3, T, H, W), `audio` (B, samples). */
export interface AvBatch {
  video: Float32Array;
  audio: Float32Array;
  sampleRate: number;
  videoShape: [number, 3, number, number, number];
  audioShape: [number, number];
  labels?: Int32Array;
  audioLabels?: Int32Array;
}

/** Builds a batch from `get(index, shift)`; deterministic for (indices, options.seed). */
export async function makeBatch(get: (i: number, shift: number) => Promise<AvItem>, indices: number[], P: ClipPreset, options: BatchOptions): Promise<AvBatch> {
  if (!Array.isArray(indices) || indices.length === 0) throw new InvalidArgumentError('batch: indices must be a non-empty array of item indices');
  const augment = options.augment ?? false;
  const seed = options.seed ?? 0;
  const maxShift = options.maxShift ?? 0.25;
  if (!(maxShift >= 0 && maxShift <= 10)) throw new InvalidArgumentError(`batch: maxShift must be in [0, 10] seconds, got ${maxShift}`);
  const norm = (options.normalize ?? true) ? IMAGENET_NORMALIZE : null;
  const rngs = indices.map((i) => new Rng(mixSeed(seed, i, 0xa06)));
  const items: AvItem[] = [];
  for (let k = 0; k < indices.length; k++) items.push(await get(indices[k], augment ? rngs[k].range(-maxShift, maxShift) : 0));
  const s = { c: 3, t: P.frames, h: P.height, w: P.width };
  let frames: Float32Array[];
  if (augment) {
    const params: ClipAugmentParams[] = rngs.map((r) => sampleClipAugment(r, P.height, P.width, { size: [P.height, P.width], normalize: norm }));
    if ((options.augmentOn ?? 'gpu') === 'gpu') {
      const gpu = options.device ?? (await getDevice()).gpu;
      frames = await augmentClipsGpu(gpu, items.map((it) => it.video), s, params);
    } else {
      frames = items.map((it, k) => augmentClipReference(it.video, s, params[k]));
    }
    items.forEach((it, k) => gainJitter(it.audio, rngs[k]));
  } else {
    frames = items.map((it) => (norm ? normalizeRef(it.video, s, norm.mean, norm.std) : it.video));
  }
  const per = 3 * P.frames * P.height * P.width;
  const video = new Float32Array(indices.length * per);
  frames.forEach((f, k) => video.set(f, k * per));
  const samples = items[0].audio.length;
  const audio = new Float32Array(indices.length * samples);
  items.forEach((it, k) => audio.set(it.audio, k * samples));
  const out: AvBatch = { video, audio, sampleRate: P.sampleRate, videoShape: [indices.length, 3, P.frames, P.height, P.width], audioShape: [indices.length, samples] };
  if (items.every((it) => it.label !== undefined)) out.labels = Int32Array.from(items, (it) => it.label!);
  if (items.every((it) => it.audioLabel !== undefined)) out.audioLabels = Int32Array.from(items, (it) => it.audioLabel!);
  return out;
}
