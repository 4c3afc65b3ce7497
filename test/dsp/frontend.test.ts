// AudioFrontend behaviour beyond the torchaudio fixtures: the FFT on awkward sizes against a direct
// float64 DFT, batch == single, typed errors, and flat WASM memory over 10,000 calls.
import { beforeAll, describe, expect, it } from 'vitest';
import { AudioFrontend, SSCL_AUDIO, InvalidArgumentError, InvalidAudioError } from '../../src/index.ts';
import { spectrogramReference } from '../../src/dsp/reference.ts';
import { maxRelToPeak } from '../helpers/close.ts';
import { readRepoFile } from '../helpers/files.ts';

function tone(n: number, seed = 1): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.05 * seed) + 0.3 * Math.sin(i * 0.71 + seed) + 0.01 * ((i * 7919) % 13));
}

/** Count of positions where a and b differ (NaN counts as different). */
function mismatches(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Math.max(a.length, b.length);
  let bad = 0;
  for (let i = 0; i < a.length; i++) if (!(a[i] === b[i])) bad++;
  return bad;
}

for (const simd of [true, false]) {
  describe(`AudioFrontend (${simd ? 'simd' : 'scalar'} build)`, () => {
    let fe: AudioFrontend;
    beforeAll(async () => {
      fe = await AudioFrontend.create({ simd });
      expect(fe.dsp.simd).toBe(simd);
    });

    it('spectrogram equals a direct float64 DFT for awkward nFft (2, 3, 6, 16, 30, 49, 64, 100, 121, 128) and frame counts not filling 4 lanes', () => {
      for (const nFft of [2, 3, 6, 16, 30, 49, 64, 100, 121, 128]) {
        for (const n of [nFft + 1, 3 * nFft + 5]) {
          const x = tone(n, nFft);
          const opts = { nFft, hopLength: Math.max(1, Math.floor(nFft / 3)) };
          const got = fe.spectrogram(x, opts);
          const ref = spectrogramReference(x, opts, false);
          expect([got.bands, got.frames]).toEqual([ref.bands, ref.frames]);
          const err = maxRelToPeak(got.data, ref.data);
          if (err > 2e-6) throw new Error(`nFft ${nFft} n ${n}: error ${err} of peak`);
        }
      }
    });

    it('mel spectrogram equals the float64 reference (slaney norm, fMin/fMax)', () => {
      const x = tone(3000);
      const opts = { nFft: 256, hopLength: 70, nMels: 20, fMin: 100, fMax: 7000, norm: 'slaney', melScale: 'slaney' } as const;
      const err = maxRelToPeak(fe.melSpectrogram(x, opts).data, spectrogramReference(x, opts, true).data);
      expect(err).toBeLessThan(2e-6);
    });

    it('the WASM log and dB passes equal Math.log / Math.log10 of the same power values (fast logf accuracy)', () => {
      const x = tone(5000);
      x[100] = 40; // a loud click: power spans ~1e-10 .. 1e6
      const base = { nFft: 512, hopLength: 128, nMels: 64 } as const;
      const p = fe.melSpectrogram(x, base).data;
      const ln = fe.melSpectrogram(x, { ...base, log: { offset: 1e-6 } }).data;
      const db = fe.melSpectrogram(x, { ...base, log: 'db' }).data;
      const db80 = fe.melSpectrogram(x, { ...base, log: 'db', topDb: 80 }).data;
      let top = -Infinity;
      for (const v of p) top = Math.max(top, 10 * Math.log10(Math.max(v, 1e-10)));
      for (let i = 0; i < p.length; i++) {
        const wantLn = Math.log(Math.fround(p[i] + 1e-6));
        const wantDb = 10 * Math.log10(Math.max(p[i], 1e-10));
        if (!(Math.abs(ln[i] - wantLn) <= 2e-6 + 2e-7 * Math.abs(wantLn))) throw new Error(`ln at ${i}: ${ln[i]} vs ${wantLn}`);
        if (!(Math.abs(db[i] - wantDb) <= 2e-5 + 2e-7 * Math.abs(wantDb))) throw new Error(`dB at ${i}: ${db[i]} vs ${wantDb}`);
        const want80 = Math.max(wantDb, top - 80);
        if (!(Math.abs(db80[i] - want80) <= 2e-5 + 2e-7 * Math.abs(want80))) throw new Error(`dB top 80 at ${i}: ${db80[i]} vs ${want80}`);
      }
      expect(Math.max(...db80) - Math.min(...db80)).toBeLessThanOrEqual(80 + 1e-3);
    });

    it('batch output equals single-clip output; SSCL_AUDIO gives 128 x 128', () => {
      const n = SSCL_AUDIO.clipSamples;
      const count = 3;
      const clips = new Float32Array(count * n);
      for (let i = 0; i < count; i++) clips.set(tone(n, i + 1), i * n);
      const { bands, frames } = fe.outputShape(n, SSCL_AUDIO);
      expect([bands, frames]).toEqual([128, 128]);
      const out = new Float32Array(count * bands * frames);
      expect(fe.melSpectrogramBatch(clips, n, out, SSCL_AUDIO)).toEqual({ count, bands, frames });
      for (let i = 0; i < count; i++) {
        const one = fe.melSpectrogram(clips.subarray(i * n, (i + 1) * n), SSCL_AUDIO);
        expect(mismatches(out.subarray(i * bands * frames, (i + 1) * bands * frames), one.data)).toBe(0);
      }
      const into = new Float32Array(bands * frames);
      expect(fe.melSpectrogram(clips.subarray(0, n), SSCL_AUDIO, into).data).toBe(into);
      expect(mismatches(into, out.subarray(0, bands * frames))).toBe(0);
      expect(() => fe.melSpectrogram(clips.subarray(0, n), SSCL_AUDIO, new Float32Array(10))).toThrow(InvalidArgumentError);
      const specOut = new Float32Array(count * 513 * 128);
      fe.spectrogramBatch(clips, n, specOut, { nFft: 1024, hopLength: 376 });
      const second = fe.spectrogram(clips.subarray(n, 2 * n), { nFft: 1024, hopLength: 376 }).data;
      expect(mismatches(specOut.subarray(513 * 128, 2 * 513 * 128), second)).toBe(0);
    });

    it('typed errors: empty, NaN, Inf, too short, absurd parameters', () => {
      expect(() => fe.melSpectrogram(new Float32Array(0))).toThrow(InvalidAudioError);
      expect(() => fe.melSpectrogram(null as unknown as Float32Array)).toThrow(InvalidAudioError);
      const x = tone(1000);
      x[517] = NaN;
      expect(() => fe.melSpectrogram(x)).toThrow(/sample 517 is NaN/);
      x[517] = -Infinity;
      expect(() => fe.spectrogram(x)).toThrow(/sample 517 is -Infinity/);
      expect(() => fe.melSpectrogram(tone(200))).toThrow(/too short: 200 samples; reflect padding needs more than nFft\/2 = 200/);
      expect(() => fe.melSpectrogram(tone(399), { center: false })).toThrow(/too short/);
      expect(fe.melSpectrogram(tone(1), { padMode: 'constant' }).frames).toBe(1);
      const clips = tone(2000);
      clips[1500] = NaN;
      expect(() => fe.melSpectrogramBatch(clips, 1000, new Float32Array(2 * 128 * 6))).toThrow(/clip 1: sample 500 is NaN/);
      expect(() => fe.melSpectrogramBatch(tone(2000), 1000, new Float32Array(10))).toThrow(InvalidArgumentError);
      expect(() => fe.melSpectrogramBatch(tone(1999), 1000, new Float32Array(10_000))).toThrow(InvalidAudioError);
      const bad: Array<Record<string, unknown>> = [
        { nFft: 0 }, { nFft: 1 }, { nFft: 2 ** 21 }, { nFft: 12.5 }, { winLength: 401 }, { hopLength: 0 }, { power: 3 }, { power: 0 },
        { window: 'blackman' }, { padMode: 'circular' }, { center: 'yes' }, { nMels: 0 }, { nMels: 1e6 }, { sampleRate: -1 },
        { sampleRate: NaN }, { fMin: 9000 }, { fMax: 9000 }, { fMin: 100, fMax: 50 }, { norm: 'l2' }, { melScale: 'kaldi' },
        { log: { offset: 0 } }, { log: { offset: NaN } }, { log: 'ln' }, { topDb: 80 }, { log: 'db', topDb: -1 },
      ];
      for (const o of bad) {
        let err: unknown = null;
        try {
          fe.melSpectrogram(tone(1000), o);
        } catch (e) {
          err = e;
        }
        if (!(err instanceof InvalidArgumentError)) throw new Error(`${JSON.stringify(o)}: expected InvalidArgumentError, got ${String(err)}`);
      }
    });

    it('WASM memory stays flat over 10,000 calls after warm-up', () => {
      const x = tone(4000);
      const opts = Object.freeze({ ...SSCL_AUDIO, hopLength: 500 });
      for (let i = 0; i < 10; i++) fe.melSpectrogram(x, opts);
      const before = fe.memoryBytes;
      let sum = 0;
      for (let i = 0; i < 10_000; i++) sum += fe.melSpectrogram(x, opts).data[i % 100];
      expect(Number.isFinite(sum)).toBe(true);
      expect(fe.memoryBytes).toBe(before);
    });
  });
}

describe('AudioFrontend resource bounds', () => {
  it('nFft with a huge prime factor fails clearly instead of hanging; moderate primes work', async () => {
    const fe = await AudioFrontend.create();
    expect(() => fe.spectrogram(tone(10000), { nFft: 4099 })).toThrow(/prime factor 4099/);
    expect(() => fe.spectrogram(tone(10000), { nFft: 2 * 4099 })).toThrow(InvalidArgumentError);
    expect(fe.spectrogram(tone(3000), { nFft: 1031, hopLength: 512 }).bands).toBe(516);
  });

  it('cycling through more configurations and rate pairs than the caches hold keeps memory bounded', async () => {
    const fe = await AudioFrontend.create({ wasm: await WebAssembly.compile(await readRepoFile('build/wasm/sscl-dsp.simd.wasm')) });
    const x = tone(2000);
    const cycle = () => {
      for (let i = 0; i < 40; i++) fe.melSpectrogram(x, { nFft: 256 + 2 * i, hopLength: 100, nMels: 40 });
      for (let i = 0; i < 40; i++) fe.resample(x, 16000 + 100 * i, 24000);
    };
    cycle();
    cycle();
    const before = fe.memoryBytes;
    for (let r = 0; r < 5; r++) cycle();
    expect(fe.memoryBytes).toBe(before);
  });
});
