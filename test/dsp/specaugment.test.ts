// SpecAugment: the PRNG against an independent Python implementation (fixture), the fast path against the
// cell-by-cell reference (src/dsp/reference.ts) for every policy and awkward shapes, draw bounds, and
// bit-identical output: the same test file runs in Node, Deno and Chromium, and a digest of one fixed
// output is compared with the reference's digest computed in the same run.
import { beforeAll, describe, expect, it } from 'vitest';
import { AudioFrontend, Mulberry32, SPEC_AUGMENT_POLICIES, drawSpecAugment, specAugment, InvalidArgumentError, type Spectrogram } from '../../src/index.ts';
import { specAugmentReference } from '../../src/dsp/reference.ts';
import { loadFixture } from '../helpers/fixture.ts';

function testSpec(bands: number, frames: number, seed: number): Spectrogram {
  const rng = new Mulberry32(seed);
  const data = new Float32Array(bands * frames);
  for (let i = 0; i < data.length; i++) data[i] = rng.nextU32() / 4294967296 - 0.5 + Math.sin(i * 0.01);
  return { data, bands, frames };
}

function bitsEqual(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) return false;
  return true;
}

describe('SpecAugment', () => {
  let fe: AudioFrontend;
  beforeAll(async () => {
    fe = await AudioFrontend.create();
  });

  it('mulberry32 matches the Python implementation draw for draw', async () => {
    const fx = await loadFixture('audio/prng.bin');
    for (const seed of fx.meta.seeds as number[]) {
      const want = fx.f64(`seed${seed}`);
      const g = new Mulberry32(seed);
      expect(Array.from(want, () => g.nextU32())).toEqual(Array.from(want));
    }
  });

  it('equals the cell-by-cell reference bit for bit (all policies, explicit params, awkward shapes, mean fill)', () => {
    const shapes: Array<[number, number]> = [[128, 128], [80, 300], [1, 1], [3, 2], [7, 5], [40, 161]];
    const policies = ['LB', 'LD', 'SM', 'SS', { W: 5, F: 3, mF: 3, T: 4, p: 0.5, mT: 4 }, { W: 0, F: 0, mF: 0, T: 0, p: 0, mT: 0 }] as const;
    for (const [bands, frames] of shapes) {
      for (const policy of policies) {
        for (const seed of [0, 1, 2 ** 31 + 5]) {
          for (const maskValue of [undefined, 'mean', -3] as const) {
            const s = testSpec(bands, frames, seed + bands);
            const got = fe.specAugment(s, { policy, seed, maskValue });
            const ref = specAugmentReference(s, { policy, seed, maskValue });
            if (!bitsEqual(got.data, ref)) throw new Error(`mismatch ${bands}x${frames} ${JSON.stringify(policy)} seed ${seed} ${maskValue}`);
          }
        }
      }
    }
  });

  it('draws respect the policy bounds and the p cap; warping keeps the endpoints and moves the anchor by <= W', () => {
    for (const [name, p] of Object.entries(SPEC_AUGMENT_POLICIES)) {
      for (let seed = 0; seed < 300; seed++) {
        const frames = 20 + (seed % 200);
        const d = drawSpecAugment(p, 128, frames, seed);
        expect(d.freq).toHaveLength(p.mF);
        expect(d.time).toHaveLength(p.mT);
        for (const [f0, f] of d.freq) {
          expect(f).toBeLessThanOrEqual(p.F);
          expect(f0 + f).toBeLessThanOrEqual(128);
        }
        for (const [t0, t] of d.time) {
          expect(t).toBeLessThanOrEqual(Math.min(p.T, Math.floor(p.p * frames)));
          expect(t0 + t).toBeLessThanOrEqual(frames);
        }
        expect(Math.abs(d.warpTo - d.warpFrom)).toBeLessThanOrEqual(p.W);
        if (d.warpFrom !== d.warpTo) {
          expect(d.warpTo).toBeGreaterThanOrEqual(1);
          expect(d.warpTo).toBeLessThanOrEqual(frames - 2);
        }
      }
      expect(name).toMatch(/^(LB|LD|SM|SS)$/);
    }
    // masks actually happen: over many seeds LB masks some cells, and at least one warp moves the anchor
    let masked = 0;
    let warped = 0;
    for (let seed = 0; seed < 50; seed++) {
      const d = drawSpecAugment(SPEC_AUGMENT_POLICIES.LB, 128, 128, seed);
      masked += d.freq[0][1] + d.time[0][1];
      warped += d.warpFrom !== d.warpTo ? 1 : 0;
    }
    expect(masked).toBeGreaterThan(0);
    expect(warped).toBeGreaterThan(10);
  });

  it('is deterministic per seed, differs across seeds, leaves the input untouched, writes into out', () => {
    const s = testSpec(128, 128, 9);
    const copy = s.data.slice();
    const a = specAugment(s, { policy: 'LD', seed: 123 });
    const b = specAugment(s, { policy: 'LD', seed: 123 });
    const c = specAugment(s, { policy: 'LD', seed: 124 });
    expect(bitsEqual(a.data, b.data)).toBe(true);
    expect(bitsEqual(a.data, c.data)).toBe(false);
    expect(bitsEqual(s.data, copy)).toBe(true);
    const out = new Float32Array(128 * 128);
    expect(specAugment(s, { policy: 'LD', seed: 123 }, out).data).toBe(out);
    expect(bitsEqual(out, a.data)).toBe(true);
  });

  it('rejects bad specs, policies and seeds with InvalidArgumentError', () => {
    const s = testSpec(4, 4, 1);
    expect(() => specAugment({ data: new Float32Array(3), bands: 2, frames: 2 }, { policy: 'LB', seed: 1 })).toThrow(InvalidArgumentError);
    expect(() => specAugment(s, { policy: 'XX' as 'LB', seed: 1 })).toThrow(InvalidArgumentError);
    expect(() => specAugment(s, { policy: { W: -1, F: 1, mF: 1, T: 1, p: 1, mT: 1 }, seed: 1 })).toThrow(/W must be/);
    expect(() => specAugment(s, { policy: { W: 1, F: 1, mF: 1, T: 1, p: 2, mT: 1 }, seed: 1 })).toThrow(/p must be/);
    expect(() => specAugment(s, { policy: 'LB', seed: 0.5 })).toThrow(/seed/);
    expect(() => specAugment(s, { policy: 'LB', seed: 1, maskValue: NaN })).toThrow(/maskValue/);
    expect(() => specAugment(s, { policy: 'LB', seed: 1 }, s.data)).toThrow(/alias/);
  });
});

describe('SpecAugment is bit-identical to the Python twin (and so across runtimes)', () => {
  it('three fixed cases computed by test/fixtures/gen/audio_frontend.py', async () => {
    const fx = await loadFixture('audio/prng.bin');
    const x = fx.get('specaugment.x');
    const spec = { data: x.data as Float32Array, bands: x.shape[0], frames: x.shape[1] };
    for (const c of fx.meta.specaugment as Array<{ name: string; policy: 'LB'; seed: number; maskValue: 'mean' | null }>) {
      const got = specAugment(spec, { policy: c.policy, seed: c.seed, maskValue: c.maskValue ?? undefined });
      const want = fx.get(`specaugment.${c.name}`).data as Float32Array;
      if (!bitsEqual(got.data, want)) throw new Error(`${c.name}: not bit-identical to the Python twin`);
    }
  });
});
