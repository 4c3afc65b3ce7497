// resample against torchaudio.functional.resample fixtures (issue 3: within 1e-4 absolute) and against the
// float64 interpolation-sum reference (src/dsp/reference.ts), in both WASM builds.
import { beforeAll, describe, expect, it } from 'vitest';
import { AudioFrontend, InvalidArgumentError, InvalidAudioError } from '../../src/index.ts';
import { resampleReference } from '../../src/dsp/reference.ts';
import { loadFixture, type Fixture } from '../helpers/fixture.ts';
import { expectAllClose } from '../helpers/close.ts';

for (const simd of [true, false]) {
  describe(`resample (${simd ? 'simd' : 'scalar'} build)`, () => {
    let fe: AudioFrontend;
    let fx: Fixture;
    beforeAll(async () => {
      fe = await AudioFrontend.create({ simd });
      fx = await loadFixture('audio/resample.bin');
    });

    it('matches torchaudio for 44100->24000, 48000->16000, 16000->24000, 22050->24000, 24000->44100, 16000->8000, 8000->8000', () => {
      for (const c of fx.meta.cases as Array<{ name: string; from: number; to: number }>) {
        const y = fe.resample(fx.f32(`${c.name}.x`), c.from, c.to);
        const ref = fx.f64(`${c.name}.y`);
        expect(y.length).toBe(ref.length);
        expectAllClose(y, ref, { atol: 1e-4, rtol: 0, what: c.name });
      }
    });

    it('matches the float64 interpolation sum on short and awkward inputs', () => {
      const pairs: Array<[number, number]> = [[3, 2], [2, 3], [44100, 24000], [7, 5], [1, 4], [5, 1]];
      for (const [a, b] of pairs) {
        for (const n of [1, 2, 7, 31, 200]) {
          const x = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) + 0.25 * Math.cos(i * 1.9));
          expectAllClose(fe.resample(x, a, b), resampleReference(x, a, b), { atol: 2e-6, rtol: 1e-5, what: `${a}->${b} n=${n}` });
        }
      }
    });

    it('typed errors for bad rates, huge kernels and bad samples', () => {
      const x = new Float32Array(10);
      expect(() => fe.resample(x, 0, 16000)).toThrow(InvalidArgumentError);
      expect(() => fe.resample(x, 44100.5, 16000)).toThrow(/integer sample rate/);
      expect(() => fe.resample(x, 44101, 24000)).toThrow(/too large/);
      expect(() => fe.resample(new Float32Array(0), 2, 1)).toThrow(InvalidAudioError);
      expect(() => fe.resample(Float32Array.of(0, NaN), 2, 1)).toThrow(/sample 1 is NaN/);
      expect(() => fe.resample(Float32Array.of(0, 1, Infinity), 2, 1)).toThrow(/sample 2 is Infinity/);
    });
  });
}
