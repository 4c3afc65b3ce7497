// The PRNG against an independent Python implementation (test/fixtures/gen/data_rng.py), and the
// deterministic elementary functions against the runtime's Math (which may differ only in the last ulp).
import { describe, expect, it } from 'vitest';
import { Rng, mixSeed, fnv1a } from '../../src/data/rng.ts';
import { detCos, detExp, detLog, detSin } from '../../src/data/detmath.ts';
import { readRepoJson } from '../helpers/files.ts';
import { InvalidArgumentError } from '../../src/errors.ts';

interface RngFixture { streams: Record<string, number[]>; mixSeed: Record<string, number>; normal: Record<string, number[]> }

describe('Rng (xoshiro128**)', () => {
  it('matches the Python reference streams bit for bit', async () => {
    const fx = await readRepoJson<RngFixture>('test/fixtures/data/rng.json');
    for (const [seed, want] of Object.entries(fx.streams)) {
      const r = new Rng(Number(seed));
      expect(want.map(() => r.nextU32())).toEqual(want);
    }
    for (const [parts, want] of Object.entries(fx.mixSeed)) expect(mixSeed(...parts.split(',').map(Number))).toBe(want);
    const r = new Rng(5);
    const got = fx.normal['5'].map(() => r.normal());
    fx.normal['5'].forEach((w, i) => expect(Math.abs(got[i] - w)).toBeLessThan(1e-14));
  });
  it('helpers stay in range and are roughly uniform', () => {
    const r = new Rng(9);
    const counts = new Array(7).fill(0);
    for (let i = 0; i < 7000; i++) counts[r.int(7)]++;
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(150);
    let m = 0, v = 0;
    for (let i = 0; i < 4000; i++) {
      const x = r.normal();
      m += x / 4000;
      v += (x * x) / 4000;
    }
    expect(Math.abs(m)).toBeLessThan(0.06);
    expect(Math.abs(v - 1)).toBeLessThan(0.08);
    const u = r.range(2, 3);
    expect(u >= 2 && u < 3).toBe(true);
    expect(() => r.int(0)).toThrow(InvalidArgumentError);
    expect(() => new Rng(NaN)).toThrow(InvalidArgumentError);
  });
  it('fnv1a is the standard FNV-1a 32', () => {
    expect(fnv1a(new TextEncoder().encode('a'))).toBe('e40c292c'); // published test vector
    expect(fnv1a(new Uint8Array(0))).toBe('811c9dc5');
  });
});

describe('deterministic math', () => {
  it('agrees with Math to ~1e-15 on the ranges the generators use', () => {
    for (let x = -40; x <= 40; x += 0.0137) {
      expect(Math.abs(detSin(x) - Math.sin(x))).toBeLessThan(1e-14);
      expect(Math.abs(detCos(x) - Math.cos(x))).toBeLessThan(1e-14);
      expect(Math.abs(detExp(x / 4) - Math.exp(x / 4)) / Math.exp(x / 4)).toBeLessThan(4e-15);
    }
    for (const x of [1e-300, 1e-9, 0.3, 1, 1.5, 2, 10, 12345.678, 1e200]) expect(Math.abs(detLog(x) - Math.log(x))).toBeLessThan(1e-14 * Math.max(1, Math.abs(Math.log(x))));
    expect(detLog(0)).toBe(-Infinity);
    expect(detLog(-1)).toBeNaN();
  });
});
