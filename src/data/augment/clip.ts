// The paper's visual augmentation of one clip, as parameters drawn once per clip and applied to all of its
// T frames: random resized crop (+ resize to the model size), horizontal flip, colour jitter (brightness,
// contrast, saturation, hue in a random order, applied with probability p), random grayscale, normalise.
// `sampleClipAugment` draws the parameters from our seeded Rng (not torch's generator, so the draws differ
// from torchvision's; the transforms themselves match torchvision, see reference.ts).
import { InvalidArgumentError } from '../../errors.ts';
import { Rng } from '../rng.ts';
import { detExp, detLog } from '../detmath.ts';
import { adjustBrightness, adjustContrast, adjustHue, adjustSaturation, cropResizeFlip, normalize, rgbToGrayscale, type ClipShape } from './reference.ts';

/** Colour jitter op names, in the order `ClipAugmentParams.jitter.order` indexes them (torchvision's fn_idx). */
export const JITTER_OPS = ['brightness', 'contrast', 'saturation', 'hue'] as const;

/** Everything one clip's augmentation needs; applied identically to every frame of the clip. */
export interface ClipAugmentParams {
  /** Crop box in input pixels. */
  crop: { top: number; left: number; height: number; width: number };
  /** Output frame size [H, W] after the crop. */
  size: [number, number];
  flip: boolean;
  /** Colour jitter factors and their order, or null when jitter was not applied to this clip. */
  jitter: { order: number[]; brightness: number; contrast: number; saturation: number; hue: number } | null;
  grayscale: boolean;
  /** Per-channel mean/std for the final normalisation, or null to leave values in [0, 1]. */
  normalize: { mean: [number, number, number]; std: [number, number, number] } | null;
}

/** Options of the random clip augmentation; defaults follow SimCLR-style video SSL (documented in docs/data.md). */
export interface ClipAugmentOptions {
  /** Output [H, W]. */
  size: [number, number];
  /** Crop area fraction range of RandomResizedCrop. Default [0.3, 1] (torchvision's 0.08 loses small digits). */
  scale?: [number, number];
  /** Crop aspect ratio range. Default [3/4, 4/3]. */
  ratio?: [number, number];
  /** Probability of a horizontal flip. Default 0.5. */
  flipP?: number;
  /** ColorJitter strengths (brightness, contrast, saturation, hue). Default [0.4, 0.4, 0.4, 0.1]. */
  jitter?: [number, number, number, number];
  /** Probability the jitter is applied. Default 0.8. */
  jitterP?: number;
  /** Probability of grayscale. Default 0.2. */
  grayscaleP?: number;
  /** Normalisation; default the Kinetics/ImageNet mean/std; null to skip. */
  normalize?: { mean: [number, number, number]; std: [number, number, number] } | null;
}

export const IMAGENET_NORMALIZE = { mean: [0.485, 0.456, 0.406] as [number, number, number], std: [0.229, 0.224, 0.225] as [number, number, number] };

/**
 * Draws one clip's augmentation parameters for an input of `inH` x `inW` pixels (torchvision's get_params logic).
 *
 * @example
 * ```ts
 * const p = sampleClipAugment(new Rng(1), 128, 171, { size: [112, 112] });
 * const out = augmentClipReference(clip, { c: 3, t: 16, h: 128, w: 171 }, p); // (3, 16, 112, 112)
 * ```
 */
export function sampleClipAugment(rng: Rng, inH: number, inW: number, opts: ClipAugmentOptions): ClipAugmentParams {
  const [scaleLo, scaleHi] = opts.scale ?? [0.3, 1];
  const [ratioLo, ratioHi] = opts.ratio ?? [3 / 4, 4 / 3];
  if (!(scaleLo > 0 && scaleLo <= scaleHi && scaleHi <= 1)) throw new InvalidArgumentError(`augment scale must satisfy 0 < lo <= hi <= 1, got [${scaleLo}, ${scaleHi}]`);
  if (!(ratioLo > 0 && ratioLo <= ratioHi)) throw new InvalidArgumentError(`augment ratio must satisfy 0 < lo <= hi, got [${ratioLo}, ${ratioHi}]`);
  const [sh, sw] = opts.size;
  if (!(Number.isInteger(sh) && Number.isInteger(sw) && sh > 0 && sw > 0)) throw new InvalidArgumentError(`augment size must be two positive integers, got [${sh}, ${sw}]`);
  // RandomResizedCrop.get_params: 10 tries of (area, log-uniform ratio), then a central fallback crop.
  const area = inH * inW;
  let crop: ClipAugmentParams['crop'] | null = null;
  for (let i = 0; i < 10 && !crop; i++) {
    const target = area * rng.range(scaleLo, scaleHi);
    const aspect = detExp(rng.range(detLog(ratioLo), detLog(ratioHi)));
    const w = Math.round(Math.sqrt(target * aspect));
    const h = Math.round(Math.sqrt(target / aspect));
    if (w > 0 && w <= inW && h > 0 && h <= inH) crop = { top: rng.int(inH - h + 1), left: rng.int(inW - w + 1), height: h, width: w };
  }
  if (!crop) {
    const r = inW / inH;
    let w = inW, h = inH;
    if (r < ratioLo) h = Math.round(w / ratioLo);
    else if (r > ratioHi) w = Math.round(h * ratioHi);
    crop = { top: Math.floor((inH - h) / 2), left: Math.floor((inW - w) / 2), height: h, width: w };
  }
  const flip = rng.bernoulli(opts.flipP ?? 0.5);
  const [jb, jc, js, jh] = opts.jitter ?? [0.4, 0.4, 0.4, 0.1];
  let jitter: ClipAugmentParams['jitter'] = null;
  if (rng.bernoulli(opts.jitterP ?? 0.8)) {
    jitter = {
      order: rng.shuffle([0, 1, 2, 3]),
      brightness: rng.range(Math.max(0, 1 - jb), 1 + jb),
      contrast: rng.range(Math.max(0, 1 - jc), 1 + jc),
      saturation: rng.range(Math.max(0, 1 - js), 1 + js),
      hue: rng.range(-jh, jh),
    };
  }
  const grayscale = rng.bernoulli(opts.grayscaleP ?? 0.2);
  const normalize = opts.normalize === undefined ? IMAGENET_NORMALIZE : opts.normalize;
  return { crop, size: [sh, sw], flip, jitter, grayscale, normalize };
}

/** Applies `p` to a (3, T, H, W) clip with the TS reference transforms: (3, T, size[0], size[1]). */
export function augmentClipReference(clip: Float32Array, s: ClipShape, p: ClipAugmentParams): Float32Array {
  let x = cropResizeFlip(clip, s, p.crop, p.size[0], p.size[1], p.flip);
  const o: ClipShape = { c: s.c, t: s.t, h: p.size[0], w: p.size[1] };
  if (p.jitter) {
    for (const op of p.jitter.order) {
      if (op === 0) x = adjustBrightness(x, o, p.jitter.brightness);
      else if (op === 1) x = adjustContrast(x, o, p.jitter.contrast);
      else if (op === 2) x = adjustSaturation(x, o, p.jitter.saturation);
      else x = adjustHue(x, o, p.jitter.hue);
    }
  }
  if (p.grayscale) x = rgbToGrayscale(x, o, 3);
  if (p.normalize) x = normalize(x, o, p.normalize.mean, p.normalize.std);
  return x;
}
