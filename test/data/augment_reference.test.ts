// The TS reference transforms against torchvision 0.14 (test/fixtures/gen/data_augment.py).
import { describe, expect, it, beforeAll } from 'vitest';
import { loadFixture, type Fixture } from '../helpers/fixture.ts';
import { expectAllClose } from '../helpers/close.ts';
import * as R from '../../src/data/augment/reference.ts';
import { augmentClipReference } from '../../src/data/augment/clip.ts';
import { InvalidArgumentError } from '../../src/errors.ts';

let fx: Fixture;
let x: Float32Array;
let s: R.ClipShape;
beforeAll(async () => {
  fx = await loadFixture('data/augment.bin');
  x = fx.f32('input');
  s = { c: 3, t: fx.meta.T as number, h: fx.meta.H as number, w: fx.meta.W as number };
});

// float32 ops in a possibly different association than torch's kernels: a few ulp of values in [0, 1].
const TOL = { atol: 1e-6, rtol: 1e-6 };

describe('augment reference vs torchvision', () => {
  it('resize (down, up, to 1x1)', () => {
    expectAllClose(R.resize(x, s, 7, 11), fx.f32('resize_7x11'), { ...TOL, what: 'resize 7x11' });
    expectAllClose(R.resize(x, s, 29, 31), fx.f32('resize_29x31'), { ...TOL, what: 'resize 29x31' });
    expectAllClose(R.resize(x, s, 1, 1), fx.f32('resize_1x1'), { ...TOL, what: 'resize 1x1' });
  });
  it('crop, inside and padded', () => {
    expect(R.crop(x, s, 2, 3, 9, 8)).toEqual(fx.f32('crop_2_3_9_8'));
    expect(R.crop(x, s, -2, -3, 10, 22)).toEqual(fx.f32('crop_pad_m2_m3_10_22'));
  });
  it('resized crop', () => {
    expectAllClose(R.resizedCrop(x, s, 1, 2, 10, 9, 16, 12), fx.f32('resized_crop_1_2_10_9_16x12'), TOL);
    expectAllClose(R.resizedCrop(x, s, 0, 5, 13, 7, 5, 3), fx.f32('resized_crop_0_5_13_7_5x3'), TOL);
  });
  it('hflip and grayscale', () => {
    expect(R.hflip(x, s)).toEqual(fx.f32('hflip'));
    expectAllClose(R.rgbToGrayscale(x, s, 1), fx.f32('gray1'), TOL);
    expectAllClose(R.rgbToGrayscale(x, s, 3), fx.f32('gray3'), TOL);
  });
  it('brightness, contrast, saturation', () => {
    for (const v of [0, 0.6, 1.4]) expectAllClose(R.adjustBrightness(x, s, v), fx.f32(`brightness_${v.toFixed(1)}`), { ...TOL, what: `brightness ${v}` });
    for (const v of [0, 0.5, 1.7]) expectAllClose(R.adjustContrast(x, s, v), fx.f32(`contrast_${v.toFixed(1)}`), { ...TOL, what: `contrast ${v}` });
    for (const v of [0, 0.3, 1.8]) expectAllClose(R.adjustSaturation(x, s, v), fx.f32(`saturation_${v.toFixed(1)}`), { ...TOL, what: `saturation ${v}` });
  });
  it('hue, including the ends of [-0.5, 0.5] and grey pixels', () => {
    for (const [v, name] of [[-0.5, '-0.5'], [-0.3, '-0.3'], [0, '0.0'], [0.12, '0.12'], [0.5, '0.5']] as const) {
      expectAllClose(R.adjustHue(x, s, v), fx.f32(`hue_${name}`), { ...TOL, what: `hue ${v}` });
    }
  });
  it('normalize and a composite in the SDK order', () => {
    expectAllClose(R.normalize(x, s, [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]), fx.f32('normalize'), { atol: 1e-5, rtol: 1e-6 });
    const got = augmentClipReference(x, s, {
      crop: { top: 2, left: 1, height: 9, width: 14 }, size: [8, 10], flip: true,
      jitter: { order: [1, 3, 0, 2], contrast: 1.3, hue: -0.07, brightness: 0.8, saturation: 1.5 },
      grayscale: true, normalize: { mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.3] },
    });
    expectAllClose(got, fx.f32('composite'), { atol: 2e-5, rtol: 1e-5, what: 'composite' });
  });
  it('typed errors on bad input', () => {
    expect(() => R.adjustHue(x, s, 0.6)).toThrow(InvalidArgumentError);
    expect(() => R.adjustContrast(x, s, -1)).toThrow(/contrast factor/);
    expect(() => R.resize(x, { ...s, t: 2 }, 4, 4)).toThrow(/needs/);
    expect(() => R.resize(x, s, 0, 4)).toThrow(InvalidArgumentError);
  });
});
