// Plain-TS reference of the deterministic visual transforms, matching torchvision 0.14's
// `transforms.functional` on float tensors (functional_tensor.py): every intermediate is rounded to float32
// with Math.fround where torch stores a float32, so results agree with torch to ~1 ulp. This is the oracle
// for the WGSL kernels in this folder and is itself tested against torchvision fixtures
// (test/fixtures/gen/data_augment.py).
//
// A clip is a Float32Array laid out (C, T, H, W) — channel-major, as the encoders take it. torchvision works
// on frames (T, C, H, W); every transform here is applied to each of the T frames with the SAME parameters,
// which is what "consistent across the clip" means. Per-frame statistics (adjust_contrast's mean) are per
// frame, exactly as torchvision computes them on a (T, C, H, W) batch.
import { InvalidArgumentError } from '../../errors.ts';

const f = Math.fround;

/** Shape of a clip buffer laid out (C, T, H, W). */
export interface ClipShape {
  c: number;
  t: number;
  h: number;
  w: number;
}

export function checkClip(clip: Float32Array, s: ClipShape, what: string): void {
  for (const k of ['c', 't', 'h', 'w'] as const) {
    if (!(Number.isInteger(s[k]) && s[k] > 0)) throw new InvalidArgumentError(`${what}: shape.${k} must be a positive integer, got ${s[k]}`);
  }
  if (!(clip instanceof Float32Array)) throw new InvalidArgumentError(`${what}: expected a Float32Array clip (C, T, H, W)`);
  const n = s.c * s.t * s.h * s.w;
  if (clip.length !== n) throw new InvalidArgumentError(`${what}: clip has ${clip.length} values, but shape (${s.c}, ${s.t}, ${s.h}, ${s.w}) needs ${n}`);
}

function checkRgb(s: ClipShape, what: string): void {
  if (s.c !== 3) throw new InvalidArgumentError(`${what}: needs 3 colour channels (RGB), got C=${s.c}`);
}

/** Source index and weights of 1-D linear interpolation, as PyTorch's upsample (align_corners=False). */
export interface LinearTaps {
  i0: Int32Array; // first source index per output index
  i1: Int32Array; // second source index (== i0 at the last input pixel)
  w0: Float32Array; // weight of i0
  w1: Float32Array; // weight of i1
}

/** PyTorch `area_pixel_compute_source_index` + `guard_index_and_lambda` in float32. */
export function linearTaps(inSize: number, outSize: number): LinearTaps {
  const scale = f(inSize / outSize);
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const w0 = new Float32Array(outSize);
  const w1 = new Float32Array(outSize);
  for (let o = 0; o < outSize; o++) {
    const src = Math.max(f(f(scale * f(o + 0.5)) - 0.5), 0);
    const idx = Math.min(Math.floor(src), inSize - 1);
    const lambda = Math.min(Math.max(f(src - idx), 0), 1);
    i0[o] = idx;
    i1[o] = idx < inSize - 1 ? idx + 1 : idx;
    w1[o] = lambda;
    w0[o] = f(1 - lambda);
  }
  return { i0, i1, w0, w1 };
}

/**
 * Crop then bilinear resize (torchvision `resized_crop` with antialias=False), optionally followed by a
 * horizontal flip; the geometry kernel does the same in one pass. Crop boxes outside the frame read zeros,
 * as torchvision's `crop` pads. `resize` is the full-frame box; `crop` is out size == box size.
 */
export function cropResizeFlip(clip: Float32Array, s: ClipShape, box: { top: number; left: number; height: number; width: number }, outH: number, outW: number, flip = false): Float32Array {
  checkClip(clip, s, 'cropResizeFlip');
  for (const [k, v] of Object.entries(box)) if (!Number.isInteger(v)) throw new InvalidArgumentError(`crop box ${k} must be an integer, got ${v}`);
  if (!(box.height > 0 && box.width > 0)) throw new InvalidArgumentError(`crop box must have a positive size, got ${box.height}x${box.width}`);
  if (!(Number.isInteger(outH) && Number.isInteger(outW) && outH > 0 && outW > 0)) throw new InvalidArgumentError(`output size must be positive integers, got ${outH}x${outW}`);
  const ty = linearTaps(box.height, outH);
  const tx = linearTaps(box.width, outW);
  const out = new Float32Array(s.c * s.t * outH * outW);
  const at = (plane: number, y: number, x: number): number => {
    const sy = y + box.top;
    const sx = x + box.left;
    return sy >= 0 && sy < s.h && sx >= 0 && sx < s.w ? clip[plane + sy * s.w + sx] : 0;
  };
  for (let p = 0; p < s.c * s.t; p++) {
    const inBase = p * s.h * s.w;
    const outBase = p * outH * outW;
    for (let oy = 0; oy < outH; oy++) {
      const y0 = ty.i0[oy], y1 = ty.i1[oy], hy0 = ty.w0[oy], hy1 = ty.w1[oy];
      for (let ox = 0; ox < outW; ox++) {
        const x0 = tx.i0[ox], x1 = tx.i1[ox], wx0 = tx.w0[ox], wx1 = tx.w1[ox];
        const top = f(f(wx0 * at(inBase, y0, x0)) + f(wx1 * at(inBase, y0, x1)));
        const bot = f(f(wx0 * at(inBase, y1, x0)) + f(wx1 * at(inBase, y1, x1)));
        const v = f(f(hy0 * top) + f(hy1 * bot));
        out[outBase + oy * outW + (flip ? outW - 1 - ox : ox)] = v;
      }
    }
  }
  return out;
}

/** torchvision `resize(img, [outH, outW], antialias=False)` (bilinear, align_corners=False). */
export function resize(clip: Float32Array, s: ClipShape, outH: number, outW: number): Float32Array {
  return cropResizeFlip(clip, s, { top: 0, left: 0, height: s.h, width: s.w }, outH, outW);
}

/** torchvision `crop(img, top, left, height, width)`; out-of-frame pixels are 0. */
export function crop(clip: Float32Array, s: ClipShape, top: number, left: number, height: number, width: number): Float32Array {
  return cropResizeFlip(clip, s, { top, left, height, width }, height, width);
}

/** torchvision `resized_crop(img, top, left, height, width, [outH, outW], antialias=False)`. */
export function resizedCrop(clip: Float32Array, s: ClipShape, top: number, left: number, height: number, width: number, outH: number, outW: number): Float32Array {
  return cropResizeFlip(clip, s, { top, left, height, width }, outH, outW);
}

/** torchvision `hflip`. */
export function hflip(clip: Float32Array, s: ClipShape): Float32Array {
  return cropResizeFlip(clip, s, { top: 0, left: 0, height: s.h, width: s.w }, s.h, s.w, true);
}

/** ITU-R 601-2 luma as torchvision: 0.2989 r + 0.587 g + 0.114 b, in float32. */
function luma(r: number, g: number, b: number): number {
  return f(f(f(f(0.2989) * r) + f(f(0.587) * g)) + f(f(0.114) * b));
}

/** torchvision `rgb_to_grayscale(img, numOutputChannels)`: (3, T, H, W) -> (numOutputChannels, T, H, W). */
export function rgbToGrayscale(clip: Float32Array, s: ClipShape, numOutputChannels: 1 | 3 = 1): Float32Array {
  checkClip(clip, s, 'rgbToGrayscale');
  checkRgb(s, 'rgbToGrayscale');
  if (numOutputChannels !== 1 && numOutputChannels !== 3) throw new InvalidArgumentError(`rgbToGrayscale: numOutputChannels must be 1 or 3, got ${numOutputChannels}`);
  const n = s.t * s.h * s.w;
  const out = new Float32Array(numOutputChannels * n);
  for (let i = 0; i < n; i++) {
    const l = luma(clip[i], clip[n + i], clip[2 * n + i]);
    for (let c = 0; c < numOutputChannels; c++) out[c * n + i] = l;
  }
  return out;
}

/** `_blend(a, b, ratio)` = clamp(ratio * a + (1 - ratio) * b, 0, 1) in float32. */
function blend(a: number, b: number, ratio: number, oneMinus: number): number {
  return Math.min(Math.max(f(f(ratio * a) + f(oneMinus * b)), 0), 1);
}

function checkFactor(name: string, v: number): void {
  if (!(Number.isFinite(v) && v >= 0)) throw new InvalidArgumentError(`${name} must be a finite number >= 0, got ${v}`);
}

/** torchvision `adjust_brightness`: clamp(factor * img, 0, 1). */
export function adjustBrightness(clip: Float32Array, s: ClipShape, factor: number): Float32Array {
  checkClip(clip, s, 'adjustBrightness');
  checkFactor('brightness factor', factor);
  const r = f(factor), om = f(1 - factor);
  return clip.map((v) => blend(v, 0, r, om));
}

/** Mean grey level of each frame: (T). torchvision's `adjust_contrast` blends every frame with its own mean. */
export function frameMeans(clip: Float32Array, s: ClipShape): Float32Array {
  const hw = s.h * s.w;
  const n = s.t * hw;
  const means = new Float32Array(s.t);
  for (let t = 0; t < s.t; t++) {
    let sum = 0; // float64 accumulation: torch's float32 pairwise sum agrees to ~1 ulp
    for (let i = t * hw; i < (t + 1) * hw; i++) sum += luma(clip[i], clip[n + i], clip[2 * n + i]);
    means[t] = sum / hw;
  }
  return means;
}

/** torchvision `adjust_contrast`: blend each frame with the mean of its grayscale. */
export function adjustContrast(clip: Float32Array, s: ClipShape, factor: number): Float32Array {
  checkClip(clip, s, 'adjustContrast');
  checkRgb(s, 'adjustContrast');
  checkFactor('contrast factor', factor);
  const means = frameMeans(clip, s);
  const r = f(factor), om = f(1 - factor);
  const hw = s.h * s.w;
  const out = new Float32Array(clip.length);
  for (let i = 0; i < clip.length; i++) out[i] = blend(clip[i], means[Math.floor(i / hw) % s.t], r, om);
  return out;
}

/** torchvision `adjust_saturation`: blend with the grayscale image. */
export function adjustSaturation(clip: Float32Array, s: ClipShape, factor: number): Float32Array {
  checkClip(clip, s, 'adjustSaturation');
  checkRgb(s, 'adjustSaturation');
  checkFactor('saturation factor', factor);
  const r = f(factor), om = f(1 - factor);
  const n = s.t * s.h * s.w;
  const out = new Float32Array(clip.length);
  for (let i = 0; i < n; i++) {
    const l = luma(clip[i], clip[n + i], clip[2 * n + i]);
    for (let c = 0; c < 3; c++) out[c * n + i] = blend(clip[c * n + i], l, r, om);
  }
  return out;
}

/** One pixel through torchvision's `_rgb2hsv`, hue shift `(h + factor) % 1`, `_hsv2rgb`, in float32. */
export function hueShiftPixel(r: number, g: number, b: number, factor: number): [number, number, number] {
  const maxc = Math.max(r, g, b);
  const minc = Math.min(r, g, b);
  const eqc = maxc === minc;
  const cr = f(maxc - minc);
  const s = f(cr / (eqc ? 1 : maxc));
  const crd = eqc ? 1 : cr;
  const rc = f(f(maxc - r) / crd);
  const gc = f(f(maxc - g) / crd);
  const bc = f(f(maxc - b) / crd);
  const hr = maxc === r ? f(bc - gc) : 0;
  const hg = maxc === g && maxc !== r ? f(f(2 + rc) - bc) : 0;
  const hb = maxc !== g && maxc !== r ? f(f(4 + gc) - rc) : 0;
  let h = f(f(hr + hg) + hb);
  h = f(f(h / 6) + 1);
  h = h % 1; // C fmod: exact
  // (h + factor) % 1.0 is torch.remainder: a - floor(a) for a divisor of 1
  let hh = f(h + f(factor));
  hh = f(hh - Math.floor(hh));
  const v = maxc;
  const h6 = f(hh * 6);
  const fi = Math.floor(h6);
  const fr = f(h6 - fi);
  const p = Math.min(Math.max(f(v * f(1 - s)), 0), 1);
  const q = Math.min(Math.max(f(v * f(1 - f(s * fr))), 0), 1);
  const t = Math.min(Math.max(f(v * f(1 - f(s * f(1 - fr)))), 0), 1);
  switch (((fi % 6) + 6) % 6) {
    case 0: return [v, t, p];
    case 1: return [q, v, p];
    case 2: return [p, v, t];
    case 3: return [p, q, v];
    case 4: return [t, p, v];
    default: return [v, p, q];
  }
}

/** torchvision `adjust_hue` with factor in [-0.5, 0.5]. */
export function adjustHue(clip: Float32Array, s: ClipShape, factor: number): Float32Array {
  checkClip(clip, s, 'adjustHue');
  checkRgb(s, 'adjustHue');
  if (!(factor >= -0.5 && factor <= 0.5)) throw new InvalidArgumentError(`hue factor must be in [-0.5, 0.5], got ${factor}`);
  const n = s.t * s.h * s.w;
  const out = new Float32Array(clip.length);
  for (let i = 0; i < n; i++) {
    const [r, g, b] = hueShiftPixel(clip[i], clip[n + i], clip[2 * n + i], factor);
    out[i] = r;
    out[n + i] = g;
    out[2 * n + i] = b;
  }
  return out;
}

/** torchvision `normalize`: (x - mean[c]) / std[c]. */
export function normalize(clip: Float32Array, s: ClipShape, mean: readonly number[], std: readonly number[]): Float32Array {
  checkClip(clip, s, 'normalize');
  if (mean.length !== s.c || std.length !== s.c) throw new InvalidArgumentError(`normalize: mean/std need ${s.c} values, got ${mean.length}/${std.length}`);
  for (const v of std) if (!(v > 0)) throw new InvalidArgumentError(`normalize: std must be > 0, got ${v}`);
  const n = s.t * s.h * s.w;
  const out = new Float32Array(clip.length);
  for (let c = 0; c < s.c; c++) {
    const m = f(mean[c]), sd = f(std[c]);
    for (let i = c * n; i < (c + 1) * n; i++) out[i] = f(f(clip[i] - m) / sd);
  }
  return out;
}
