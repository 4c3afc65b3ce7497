import { describe, expect, it } from 'vitest';
import { F, ShapeError } from '../../src/index.ts';
import { linearBackwardRef, linearRef, matmulRef, transposeRef } from '../../src/ops/matmul/reference.ts';
import { GEMM_TUNING } from '../../src/ops/matmul/run.ts';
import { expectAllClose, maxRelToPeak } from '../helpers/close.ts';
import { dev, numericGrad, rand, t } from './util.ts';

describe('matmul', () => {
  for (const [M, K, N] of [[1, 1, 1], [67, 33, 129], [5, 300, 7], [64, 64, 64], [130, 2, 3]]) {
    it(`(${M}, ${K}) @ (${K}, ${N}): forward and both gradients vs float64`, async () => {
      const d = await dev();
      const ad = rand(M * K, 41), bd = rand(K * N, 42), g = rand(M * N, 43);
      const a = t(d, ad, [M, K], true), b = t(d, bd, [K, N], true);
      const c = F.matmul(a, b);
      expect(c.shape).toEqual([M, N]);
      expect(maxRelToPeak(await c.toArray(), matmulRef(ad, bd, M, K, N))).toBeLessThan(1e-5);
      c.backward(t(d, g, [M, N]));
      expect(maxRelToPeak(await a.grad!.toArray(), matmulRef(g, transposeRef(bd, K, N), M, N, K))).toBeLessThan(1e-5);
      expect(maxRelToPeak(await b.grad!.toArray(), matmulRef(transposeRef(ad, M, K), g, K, M, N))).toBeLessThan(1e-5);
    });
  }

  it('batched (B, M, K) @ (B, K, N) and (B, M, K) @ (K, N)', async () => {
    const d = await dev();
    const [B, M, K, N] = [3, 5, 7, 2];
    const ad = rand(B * M * K, 1), bd = rand(B * K * N, 2), g = rand(B * M * N, 3);
    const a = t(d, ad, [B, M, K], true), b = t(d, bd, [B, K, N], true);
    const c = F.matmul(a, b);
    c.backward(t(d, g, [B, M, N]));
    const ref = new Float64Array(B * M * N), dA = new Float64Array(B * M * K), dB = new Float64Array(B * K * N);
    for (let i = 0; i < B; i++) {
      const ai = ad.subarray(i * M * K, (i + 1) * M * K), bi = bd.subarray(i * K * N, (i + 1) * K * N), gi = g.subarray(i * M * N, (i + 1) * M * N);
      ref.set(matmulRef(ai, bi, M, K, N), i * M * N);
      dA.set(matmulRef(gi, transposeRef(bi, K, N), M, N, K), i * M * K);
      dB.set(matmulRef(transposeRef(ai, M, K), gi, K, M, N), i * K * N);
    }
    expect(maxRelToPeak(await c.toArray(), ref)).toBeLessThan(1e-5);
    expect(maxRelToPeak(await a.grad!.toArray(), dA)).toBeLessThan(1e-5);
    expect(maxRelToPeak(await b.grad!.toArray(), dB)).toBeLessThan(1e-5);
    const w = t(d, bd.subarray(0, K * N), [K, N], true);
    const c2 = F.matmul(t(d, ad, [B, M, K]), w);
    expect(c2.shape).toEqual([B, M, N]);
    expect(maxRelToPeak(await c2.toArray(), matmulRef(ad, bd.subarray(0, K * N), B * M, K, N))).toBeLessThan(1e-5);
    expect(() => F.matmul(a, t(d, rand(8, 1), [2, 4]))).toThrow(ShapeError);
  });
});

describe('matmul / linear with sizes baked into the kernel (the large-problem path)', () => {
  it('(67, 33) @ (33, 129) forward and gradients (linear shares the same GEMM runner)', async () => {
    GEMM_TUNING.specializeAbove = 0;
    try {
      const d = await dev();
      const [M, K, N] = [67, 33, 129];
      const ad = rand(M * K, 44), bd = rand(K * N, 45), g = rand(M * N, 46);
      const a = t(d, ad, [M, K], true), b = t(d, bd, [K, N], true);
      const c = F.matmul(a, b);
      expect(maxRelToPeak(await c.toArray(), matmulRef(ad, bd, M, K, N))).toBeLessThan(1e-5);
      c.backward(t(d, g, [M, N]));
      expect(maxRelToPeak(await a.grad!.toArray(), matmulRef(g, transposeRef(bd, K, N), M, N, K))).toBeLessThan(1e-5);
      expect(maxRelToPeak(await b.grad!.toArray(), matmulRef(transposeRef(ad, M, K), g, K, M, N))).toBeLessThan(1e-5);
    } finally {
      GEMM_TUNING.specializeAbove = 2 ** 27;
    }
  });
});

describe('linear', () => {
  for (const [R, inF, outF] of [[1, 1, 1], [13, 17, 3], [2000, 5, 7]]) {
    it(`x (${R}, ${inF}), W (${outF}, ${inF}): forward and gradients (split-K for dW over ${R} rows)`, async () => {
      const d = await dev();
      const xd = rand(R * inF, 51), wd = rand(outF * inF, 52), bd = rand(outF, 53), g = rand(R * outF, 54);
      const x = t(d, xd, [R, inF], true), w = t(d, wd, [outF, inF], true), b = t(d, bd, [outF], true);
      const y = F.linear(x, w, b);
      expect(maxRelToPeak(await y.toArray(), linearRef(xd, wd, bd, R, inF, outF))).toBeLessThan(1e-5);
      y.backward(t(d, g, [R, outF]));
      const r = linearBackwardRef(g, xd, wd, R, inF, outF);
      expect(maxRelToPeak(await x.grad!.toArray(), r.dX)).toBeLessThan(1e-5);
      expect(maxRelToPeak(await w.grad!.toArray(), r.dW)).toBeLessThan(1e-5);
      expect(maxRelToPeak(await b.grad!.toArray(), r.dB)).toBeLessThan(1e-5);
    });
  }

  it('the CPU backward matches float64 central differences', () => {
    const [R, inF, outF] = [3, 4, 2];
    const xd = Float64Array.from(rand(12, 1)), wd = Float64Array.from(rand(8, 2)), g = rand(6, 3);
    const r = linearBackwardRef(g, xd, wd, R, inF, outF);
    expectAllClose(r.dX, numericGrad((x) => linearRef(x, wd, null, R, inF, outF), xd, g), { atol: 1e-8, rtol: 1e-6 });
    expectAllClose(r.dW, numericGrad((w) => linearRef(xd, w, null, R, inF, outF), wd, g), { atol: 1e-8, rtol: 1e-6 });
  });
});
