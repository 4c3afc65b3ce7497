// Audio helpers: resampling against analytic sines (band-limited interpolation), aligned crops, gain jitter.
import { describe, expect, it } from 'vitest';
import { alignedAudioStart, cropAudio, dbToGain, gainJitter, resample, rms } from '../../src/data/audio.ts';
import { Rng } from '../../src/data/rng.ts';
import { InvalidArgumentError } from '../../src/errors.ts';

const sine = (n: number, f: number, sr: number) => Float64Array.from({ length: n }, (_, i) => Math.sin((2 * Math.PI * f * i) / sr));

describe('resample', () => {
  it('22050 -> 16000 and 24000 keeps a 1 kHz sine (interior error < 2e-3 of full scale)', () => {
    for (const out of [16000, 24000]) {
      const y = resample(sine(22050, 1000, 22050), 22050, out);
      expect(y).toHaveLength(out);
      const want = sine(out, 1000, out);
      let err = 0;
      for (let i = 100; i < out - 100; i++) err = Math.max(err, Math.abs(y[i] - want[i]));
      expect(err).toBeLessThan(2e-3);
    }
  });
  it('speed 1.1 plays 10% faster: a 1 kHz sine becomes 1.1 kHz, length / 1.1', () => {
    const y = resample(sine(22050, 1000, 22050), 22050, 16000, 1.1);
    expect(y.length).toBe(Math.round(16000 / 1.1));
    const want = sine(y.length, 1100, 16000);
    let err = 0;
    for (let i = 100; i < y.length - 100; i++) err = Math.max(err, Math.abs(y[i] - want[i]));
    expect(err).toBeLessThan(2e-3);
  });
  it('removes content above the new Nyquist (anti-aliasing)', () => {
    const y = resample(sine(22050, 10000, 22050), 22050, 16000); // 10 kHz > 8 kHz
    expect(rms(y, 200, y.length - 200)).toBeLessThan(0.01);
  });
  it('typed errors', () => {
    expect(() => resample([1, 2], 0, 16000)).toThrow(InvalidArgumentError);
    expect(() => resample([1, 2], 16000, 16000, -1)).toThrow(/speed/);
  });
});

describe('crops and gains', () => {
  it('aligned window is centred on the clip', () => {
    // 16 frames at stride 4 of 25 fps span 2.4 s; a 2 s window starts 0.2 s after the clip start
    expect(alignedAudioStart(1, 16, 4, 25, 2)).toBeCloseTo(1.2, 12);
  });
  it('cropAudio zero-pads outside the signal', () => {
    const a = Float32Array.from({ length: 10 }, (_, i) => i + 1);
    expect(Array.from(cropAudio(a, 10, -0.2, 0.5))).toEqual([0, 0, 1, 2, 3]);
    expect(Array.from(cropAudio(a, 10, 0.8, 0.4))).toEqual([9, 10, 0, 0]);
    expect(() => cropAudio(a, 0, 0, 1)).toThrow(InvalidArgumentError);
  });
  it('gainJitter draws within the dB range, seeded', () => {
    const x = new Float32Array([0.5, -0.25]);
    const g = gainJitter(x, new Rng(4), [-6, 6]);
    expect(g).toBeGreaterThanOrEqual(dbToGain(-6));
    expect(g).toBeLessThanOrEqual(dbToGain(6));
    expect(x[0]).toBeCloseTo(0.5 * g, 6);
    expect(gainJitter(new Float32Array(1), new Rng(4))).toBe(g);
    expect(dbToGain(20)).toBeCloseTo(10, 12);
    expect(dbToGain(-6)).toBeCloseTo(0.5011872336272722, 12);
  });
});

describe('cropAudio zero padding before the signal', () => {
  it('a window starting before t = 0 reads zeros there', () => {
    const a = Float32Array.from({ length: 8 }, (_, i) => i + 1);
    expect(Array.from(cropAudio(a, 4, -0.5, 1))).toEqual([0, 0, 1, 2]);
  });
});
