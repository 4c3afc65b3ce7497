// The counter-based generator and the 'test' initialisation against the Python twin
// (test/fixtures/models/rng.json from test/fixtures/gen/models_arch.py): integer bits exactly, float32
// values exactly, float64 sums to 1e-12 relative (summation order differs), Box-Muller normals to 1e-12.
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.ts';
import { initState } from '../../src/models/init.ts';
import { counterBits, counterIndex, normalArray64, streamKey, uniformArray, uniformArray64 } from '../../src/models/rng.ts';
import { modelSpec, type ModelArch } from '../../src/models/spec.ts';
import { readRepoJson } from '../helpers/files.ts';

interface RngFixture {
  key_12345_7: number;
  bits_12345_7: number[];
  uniform_3_9_first8: number[];
  uniform64_3_9_sum_100000: number;
  normal64_5_2_first8: number[];
  normal64_5_2_sum_100000: number;
  index_1_4_n1000003_first16: number[];
  init: Record<string, { seed: number; scheme: 'test'; tensors: [string, number, number, number, number][]; total_sum: number }>;
}
const fx = await readRepoJson<RngFixture>('test/fixtures/models/rng.json');
const sum = (a: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
};
const relErr = (a: number, b: number): number => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);

describe('counter-based generator (TS == numpy)', () => {
  it('keys and bits are identical integers', () => {
    const key = streamKey(12345, 7);
    expect(key).toBe(fx.key_12345_7);
    expect([0, 1, 2, 1000, 2 ** 32 - 1].map((i) => counterBits(key, i))).toEqual(fx.bits_12345_7);
  });

  it('uniforms are bit-identical float32, sums agree', () => {
    expect(Array.from(uniformArray(8, { seed: 3, stream: 9 }))).toEqual(fx.uniform_3_9_first8);
    const u = uniformArray64(100000, { seed: 3, stream: 9 });
    expect(relErr(sum(u), fx.uniform64_3_9_sum_100000)).toBeLessThan(1e-12);
    let lo = Infinity, hi = -Infinity;
    for (const v of u) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
    expect(lo).toBeGreaterThanOrEqual(-1);
    expect(hi).toBeLessThan(1);
    expect(Math.abs(sum(u) / u.length)).toBeLessThan(0.01); // mean ~ 0
  });

  it('normals agree to 1e-12 and look standard', () => {
    const z = normalArray64(100000, { seed: 5, stream: 2 });
    z.slice(0, 8).forEach((v, i) => expect(Math.abs(v - fx.normal64_5_2_first8[i])).toBeLessThan(1e-12));
    expect(Math.abs(sum(z) - fx.normal64_5_2_sum_100000)).toBeLessThan(1e-9);
    const m2 = sum(z.map((v) => v * v)) / z.length;
    expect(Math.abs(m2 - 1)).toBeLessThan(0.02);
  });

  it('indices agree', () => {
    const key = streamKey(1, 4);
    expect(Array.from({ length: 16 }, (_, i) => counterIndex(key, i, 1000003))).toEqual(fx.index_1_4_n1000003_first16);
  });

  it('rejects seeds outside u32', () => {
    expect(() => streamKey(-1, 0)).toThrow(InvalidArgumentError);
    expect(() => streamKey(0.5, 0)).toThrow(InvalidArgumentError);
    expect(() => streamKey(0, 2 ** 32)).toThrow(InvalidArgumentError);
  });
});

describe("'test' initialisation (TS == torch model filled by models_rng.init_model)", () => {
  for (const arch of ['s3d', 'audio-resnet10'] as ModelArch[]) {
    it(`${arch}/tiny: picked tensors' first/last values exact, sums to 1e-12`, () => {
      const ref = fx.init[`${arch}/tiny`];
      const spec = modelSpec(arch, 'tiny');
      const st = initState(spec.state, { seed: ref.seed, scheme: ref.scheme });
      let total = 0;
      for (const [, t] of st) if (t instanceof Float32Array) total += sum(t);
      expect(relErr(total, ref.total_sum)).toBeLessThan(1e-12);
      for (const [name, j, first, last, s] of ref.tensors) {
        expect(spec.state[j].name).toBe(name);
        const t = st.get(name)!;
        if (t instanceof BigInt64Array) {
          expect(Array.from(t)).toEqual([0n]);
          continue;
        }
        expect(t[0]).toBe(first);
        expect(t[t.length - 1]).toBe(last);
        expect(Math.abs(sum(t) - s)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(s)) * t.length);
      }
    });
  }

  it("'default' scheme: BN identity, weights within PyTorch's kaiming_uniform(a=sqrt 5) bound", () => {
    const spec = modelSpec('audio-resnet10', 'tiny');
    const st = initState(spec.state, { seed: 1 });
    expect(Array.from(st.get('bn1.weight') as Float32Array).every((v) => v === 1)).toBe(true);
    expect(Array.from(st.get('bn1.running_var') as Float32Array).every((v) => v === 1)).toBe(true);
    const w = st.get('conv1.weight') as Float32Array;
    const b = 1 / Math.sqrt(49);
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(b);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.9 * b);
  });
});
