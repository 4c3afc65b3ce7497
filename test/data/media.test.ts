// WAV and PNG decoding against files written by Python (scipy.io.wavfile, wave, PIL): test/fixtures/gen/data_media.py.
import { describe, expect, it, beforeAll } from 'vitest';
import { decodeWavFile, toMono } from '../../src/data/media/wav.ts';
import { decodeImage } from '../../src/data/media/image.ts';
import { InvalidMediaError } from '../../src/data/errors.ts';
import { loadFixture, type Fixture } from '../helpers/fixture.ts';
import { readRepoFile } from '../helpers/files.ts';
import { runnerRuntime } from '../helpers/runtime.ts';

let fx: Fixture;
beforeAll(async () => {
  fx = await loadFixture('data/media/media.bin');
});

describe('decodeWavFile (the audio frontend decoder, with the file name in errors)', () => {
  for (const [name, rate] of [['pcm16_mono_8k', 8000], ['pcm8_stereo_11k', 11025], ['pcm24_3ch_48k', 48000], ['float32_stereo_22k', 22050]] as const) {
    it(`${name}: exact samples`, async () => {
      const a = decodeWavFile(await readRepoFile(`test/fixtures/data/media/${name}.wav`), name);
      const want = fx.get(name);
      expect(a.sampleRate).toBe(rate);
      expect(a.channels).toHaveLength(want.shape[0]);
      const flat = new Float32Array(a.channels.length * a.channels[0].length);
      a.channels.forEach((c, k) => flat.set(c, k * c.length));
      expect(flat).toEqual(want.data);
    });
  }
  it('mono mix-down and typed errors', async () => {
    const a = decodeWavFile(await readRepoFile('test/fixtures/data/media/pcm8_stereo_11k.wav'), 'pcm8_stereo_11k.wav');
    const m = toMono(a);
    expect(m[3]).toBeCloseTo((a.channels[0][3] + a.channels[1][3]) / 2, 7);
    expect(() => decodeWavFile(new Uint8Array(20), 'short.wav')).toThrow(InvalidMediaError);
    const bad = await readRepoFile('test/fixtures/data/media/pcm16_mono_8k.wav');
    bad[20] = 2; // format 2 = ADPCM
    expect(() => decodeWavFile(bad, 'adpcm.wav')).toThrow(/adpcm\.wav: unsupported WAV format code 2/);
  });
});

describe('decodeImage', () => {
  it('RGBA PNG: exact in Node/Deno (pngjs); within premultiplied-alpha rounding in browsers', async () => {
    const img = await decodeImage(await readRepoFile('test/fixtures/data/media/rgba_5x7.png'), 'rgba_5x7.png');
    expect([img.width, img.height]).toEqual([7, 5]);
    const rgb = fx.f32('rgba_5x7_rgb');
    const alpha = fx.f32('rgba_5x7_alpha');
    expect(img.alpha).toEqual(alpha);
    if (runnerRuntime() !== 'browser') {
      expect(img.rgb).toEqual(rgb);
    } else {
      // canvases store premultiplied colour: a channel survives to within 1/alpha of its value
      for (let i = 0; i < rgb.length; i++) {
        const a = alpha[i % 35];
        if (a > 0.05) expect(Math.abs(img.rgb[i] - rgb[i])).toBeLessThanOrEqual(1 / (255 * a) + 1 / 255);
      }
    }
  });
  it('rejects what it cannot decode with a typed error', async () => {
    await expect(decodeImage(new Uint8Array([1, 2, 3, 4, 5]), 'junk.png')).rejects.toThrow(InvalidMediaError);
  });
});
