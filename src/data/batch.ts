// Packing items into batches, with the paper's augmentation: a random temporal shift (frames and audio
// together), the visual augmentation (GPU kernels or the TS reference) and audio gain jitter. Shared by
// every dataset. batch() returns engine Tensors (video + log-mel from the audio frontend, SpecAugment);
// batchArrays() the same clips as plain typed arrays (waveforms, no spectrogram).
import { AudioFrontend } from '../dsp/frontend.ts';
import { resolvePolicy, specAugment, type SpecAugmentOptions, type SpecAugmentParams } from '../dsp/specaugment.ts';
import { InvalidArgumentError } from '../errors.ts';
import { getDevice, type Device } from '../gpu/device.ts';
import { contextOf, Tensor } from '../tensor/tensor.ts';
import { augmentClipReference, sampleClipAugment, IMAGENET_NORMALIZE, type ClipAugmentParams } from './augment/clip.ts';
import { augmentClipsGpu, augmentClipsGpuInto } from './augment/gpu.ts';
import { normalize as normalizeRef, type ClipShape } from './augment/reference.ts';
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
  /** batch() only: the AudioFrontend computing the log-mels (e.g. one created with injected `wasm` bytes in a bundler). Default: one `AudioFrontend.create()` per dataset. */
  frontend?: AudioFrontend;
  /**
   * batch() only: SpecAugment policy applied to each clip's log-mel when augmenting (masks filled with the
   * clip's mean), or false. Default 'SM'. A named policy's time warp W is scaled to the frame count (see
   * `specAugmentFor`); a `{ W, F, mF, T, p, mT }` object is used as given.
   */
  specAugment?: SpecAugmentOptions['policy'] | false;
  /** Apply the paper's visual augmentation (random resized crop, flip, colour jitter, grayscale), audio gain jitter and a temporal shift. */
  augment?: boolean;
  /** Seed of the augmentation draws. Default 0. */
  seed?: number;
  /** Normalise frames with the ImageNet/Kinetics mean/std. Default true. */
  normalize?: boolean;
  /** Where to run the visual augmentation: 'gpu' (WGSL kernels, default) or 'cpu' (the TS reference, bit-exact everywhere). */
  augmentOn?: 'gpu' | 'cpu';
  /** Where tensors live and 'gpu' augmentation runs: a Device from getDevice() or a raw GPUDevice (default: the SDK's shared device). */
  device?: Device | GPUDevice;
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

/**
 * A batch as engine Tensors, ready for the encoders. The caller owns the tensors: call `dispose()` (or
 * `video.dispose()` and `audio.dispose()`) when done, else their GPU buffers stay taken (batch() is async,
 * so a synchronous `tidy` scope cannot collect them).
 */
export interface TensorBatch {
  /** (B, 3, T, H, W), augmented and normalised as requested. */
  video: Tensor;
  /** (B, 1, nMels, frames): the preset's log-mel (`audioFeatures`), SpecAugmented when augmenting. */
  audio: Tensor;
  /** (B, samples): the waveforms the spectrograms were computed from (after gain jitter). */
  waveform: Float32Array;
  sampleRate: number;
  labels?: Int32Array;
  audioLabels?: Int32Array;
  /** Disposes `video` and `audio`. */
  dispose(): void;
}

/** One dataset's item source: `get(index, shift)`. */
export type ItemSource = (i: number, shift: number) => Promise<AvItem>;

interface Gathered {
  items: AvItem[];
  /** (3, T, H, W) per clip, already augmented/normalised on the CPU; null when the GPU will do it. */
  frames: Float32Array[] | null;
  params: ClipAugmentParams[] | null;
  shape: ClipShape;
  waveform: Float32Array; // (B, samples), after gain jitter
  samples: number;
}

/** Items with their temporal shift, CPU augmentation (or GPU params) and gain jitter. */
async function gather(get: ItemSource, indices: number[], P: ClipPreset, options: BatchOptions, gpuVideo: boolean): Promise<Gathered> {
  if (!Array.isArray(indices) || indices.length === 0) throw new InvalidArgumentError('batch: indices must be a non-empty array of item indices');
  const augment = options.augment ?? false;
  const seed = options.seed ?? 0;
  const maxShift = options.maxShift ?? 0.25;
  if (!(maxShift >= 0 && maxShift <= 10)) throw new InvalidArgumentError(`batch: maxShift must be in [0, 10] seconds, got ${maxShift}`);
  const on = options.augmentOn ?? 'gpu';
  if (on !== 'gpu' && on !== 'cpu') throw new InvalidArgumentError(`batch: augmentOn must be 'gpu' or 'cpu', got ${String(on)}`);
  const norm = (options.normalize ?? true) ? IMAGENET_NORMALIZE : null;
  const rngs = indices.map((i) => new Rng(mixSeed(seed, i, 0xa06)));
  const items: AvItem[] = [];
  for (let k = 0; k < indices.length; k++) items.push(await get(indices[k], augment ? rngs[k].range(-maxShift, maxShift) : 0));
  const shape = { c: 3, t: P.frames, h: P.height, w: P.width };
  let frames: Float32Array[] | null = null;
  let params: ClipAugmentParams[] | null = null;
  if (augment) {
    params = rngs.map((r) => sampleClipAugment(r, P.height, P.width, { size: [P.height, P.width], normalize: norm }));
    if (on === 'cpu') frames = items.map((it, k) => augmentClipReference(it.video, shape, params![k]));
    else if (!gpuVideo) frames = await augmentClipsGpu(contextOf(options.device ?? (await getDevice())).gpu, items.map((it) => it.video), shape, params);
    items.forEach((it, k) => gainJitter(it.audio, rngs[k]));
  } else {
    frames = items.map((it) => (norm ? normalizeRef(it.video, shape, norm.mean, norm.std) : it.video));
  }
  const samples = items[0].audio.length;
  const waveform = new Float32Array(indices.length * samples);
  items.forEach((it, k) => waveform.set(it.audio, k * samples));
  return { items, frames, params, shape, waveform, samples };
}

function labelsOf(items: AvItem[], out: { labels?: Int32Array; audioLabels?: Int32Array }): void {
  if (items.every((it) => it.label !== undefined)) out.labels = Int32Array.from(items, (it) => it.label!);
  if (items.every((it) => it.audioLabel !== undefined)) out.audioLabels = Int32Array.from(items, (it) => it.audioLabel!);
}

function packFrames(frames: Float32Array[], per: number): Float32Array {
  const video = new Float32Array(frames.length * per);
  frames.forEach((f, k) => video.set(f, k * per));
  return video;
}

/** Builds a typed-array batch from `get(index, shift)`; deterministic for (indices, options.seed). */
export async function makeBatchArrays(get: ItemSource, indices: number[], P: ClipPreset, options: BatchOptions): Promise<AvBatch> {
  const g = await gather(get, indices, P, options, false);
  const B = indices.length;
  const video = packFrames(g.frames!, 3 * P.frames * P.height * P.width);
  const out: AvBatch = { video, audio: g.waveform, sampleRate: P.sampleRate, videoShape: [B, 3, P.frames, P.height, P.width], audioShape: [B, g.samples] };
  labelsOf(g.items, out);
  return out;
}

/** One AudioFrontend (one WASM instance) per dataset. */
const frontends = new WeakMap<object, Promise<AudioFrontend>>();

function frontendOf(owner: object): Promise<AudioFrontend> {
  let fe = frontends.get(owner);
  if (!fe) {
    fe = AudioFrontend.create();
    frontends.set(owner, fe);
    fe.catch(() => frontends.delete(owner));
  }
  return fe;
}

/**
 * Builds a Tensor batch (see TensorBatch) from `get(index, shift)`; `owner` (the dataset) keys the cached
 * audio frontend. Deterministic for (indices, options.seed).
 */
export async function makeBatch(owner: object, get: ItemSource, indices: number[], P: ClipPreset, options: BatchOptions): Promise<TensorBatch> {
  const feats = P.audioFeatures;
  if (!feats) throw new InvalidArgumentError('batch: the preset has no audioFeatures (log-mel settings): add them (e.g. CLIP_PRESETS.tiny.audioFeatures, adapted to your rate) or use batchArrays()');
  if ((feats.sampleRate ?? 16000) !== P.sampleRate) throw new InvalidArgumentError(`batch: preset.audioFeatures.sampleRate (${feats.sampleRate ?? 16000}) must equal preset.sampleRate (${P.sampleRate})`);
  const named = options.specAugment ?? 'SM';
  if (named !== false) resolvePolicy(named); // a bad policy is a typed error even when not augmenting
  const ctx = contextOf(options.device ?? (await getDevice()));
  const fe = options.frontend ?? (await frontendOf(owner));
  const gpuVideo = (options.augment ?? false) && (options.augmentOn ?? 'gpu') === 'gpu';
  const g = await gather(get, indices, P, options, gpuVideo);
  const B = indices.length;

  // audio: (B, samples) -> log-mel (B, 1, nMels, frames), SpecAugment per clip with its own seed
  const { bands, frames } = fe.outputShape(g.samples, feats);
  const sa = named === false ? false : specAugmentFor(named, frames);
  const per = bands * frames;
  let mel = new Float32Array(B * per);
  fe.melSpectrogramBatch(g.waveform, g.samples, mel, feats);
  if ((options.augment ?? false) && sa !== false) {
    const aug = new Float32Array(B * per);
    for (let k = 0; k < B; k++) {
      const spec = { data: mel.subarray(k * per, (k + 1) * per), bands, frames };
      specAugment(spec, { policy: sa, seed: specAugmentSeed(options.seed ?? 0, indices[k]), maskValue: 'mean' }, aug.subarray(k * per, (k + 1) * per));
    }
    mel = aug;
  }

  // video: (B, 3, T, H, W), augmented on the GPU straight into the tensor (recorded in the engine's encoder,
  // submitted with the engine's next flush), or uploaded once
  const vshape = [B, 3, P.frames, P.height, P.width];
  let video: Tensor;
  if (gpuVideo) {
    video = new Tensor(ctx, vshape);
    try {
      augmentClipsGpuInto(ctx, g.items.map((it) => it.video), g.shape, g.params!, video.buffer);
    } catch (e) {
      video.dispose();
      throw e;
    }
  } else {
    video = Tensor.fromArray(ctx, packFrames(g.frames!, 3 * P.frames * P.height * P.width), vshape);
  }
  let audio: Tensor;
  try {
    audio = Tensor.fromArray(ctx, mel, [B, 1, bands, frames]);
  } catch (e) {
    video.dispose();
    throw e;
  }
  const out: TensorBatch = {
    video,
    audio,
    waveform: g.waveform,
    sampleRate: P.sampleRate,
    dispose() {
      video.dispose();
      audio.dispose();
    },
  };
  labelsOf(g.items, out);
  return out;
}

/**
 * The SpecAugment parameters batch() applies to a log-mel of `frames` frames. Named policies (Park et al.
 * 2019) are used as published except the time warp: W is scaled by frames / 128 (the paper preset's frame
 * count, where it is used as published), rounded. Unscaled, 'SM''s W = 40 on the tiny preset's 64 frames
 * would be clamped only to floor(64 / 2) - 1 = 31, i.e. a warp of up to half the clip; scaled it is 20.
 * Objects are returned as given.
 */
export function specAugmentFor(policy: SpecAugmentOptions['policy'], frames: number): SpecAugmentParams {
  const p = resolvePolicy(policy);
  if (typeof policy !== 'string') return p;
  return { ...p, W: Math.round((p.W * frames) / SPEC_AUGMENT_REFERENCE_FRAMES) };
}

/** Frames of the paper preset's log-mel (SSCL_AUDIO: 128 x 128), for which the named policies are used as published. */
export const SPEC_AUGMENT_REFERENCE_FRAMES = 128;

/** The SpecAugment seed of item `index` in a batch drawn with `seed` (exported for tests). */
export function specAugmentSeed(seed: number, index: number): number {
  return mixSeed(seed, index, 0x5ec);
}
