import { describe, expect, it } from 'vitest';
import { F, Tensor, InvalidArgumentError } from '../../src/index.ts';
import { batchNormRef } from '../../src/ops/batchnorm/reference.ts';
import { expectAllClose, maxRelToPeak } from '../helpers/close.ts';
import { dev, numericGrad, rand, t } from './util.ts';

describe('batchNorm', () => {
  for (const [shape, affine] of [[[4, 1], true], [[3, 5, 7], true], [[2, 3, 2, 3, 5], false]] as Array<[number[], boolean]>) {
    it(`training ${shape} affine=${affine}: output, running stats, gradients vs float64 (central differences)`, async () => {
      const d = await dev();
      const [N, C] = shape;
      const S = shape.slice(2).reduce((a, b) => a * b, 1);
      const xd = Float32Array.from(rand(N * C * S, 91, 3), (v, i) => v + 100 * (Math.floor(i / S) % C)); // large offsets: stable variance
      const wd = rand(C, 92), bd = rand(C, 93), gd = rand(N * C * S, 94);
      const x = t(d, xd, shape, true);
      const w = affine ? t(d, wd, [C], true) : null;
      const b = affine ? t(d, bd, [C], true) : null;
      const rm = Tensor.zeros(d, [C]), rv = Tensor.ones(d, [C]);
      const y = F.batchNorm(x, rm, rv, w, b, { training: true, momentum: 0.3, eps: 1e-5 });
      const ref = batchNormRef(xd, N, C, S, affine ? wd : null, affine ? bd : null, null, null, 1e-5);
      expect(maxRelToPeak(await y.toArray(), ref.y)).toBeLessThan(1e-4);
      expectAllClose(await rm.toArray(), Float64Array.from(ref.mean, (m) => 0.3 * m), { atol: 1e-4, rtol: 1e-5 });
      expectAllClose(await rv.toArray(), Float64Array.from(ref.unbiasedVar, (v) => 0.7 + 0.3 * v), { atol: 1e-4, rtol: 1e-4 });
      y.backward(t(d, gd, shape));
      const f = (xx: Float64Array) => batchNormRef(xx, N, C, S, affine ? wd : null, affine ? bd : null, null, null, 1e-5).y;
      expect(maxRelToPeak(await x.grad!.toArray(), numericGrad(f, xd, gd, 1e-4))).toBeLessThan(1e-3);
      if (affine) {
        const fw = (ww: Float64Array) => batchNormRef(xd, N, C, S, ww, bd, null, null, 1e-5).y;
        expect(maxRelToPeak(await w!.grad!.toArray(), numericGrad(fw, wd, gd))).toBeLessThan(1e-3);
      }
    });
  }

  it('eval mode uses running stats; eval without them is a typed error', async () => {
    const d = await dev();
    const xd = rand(2 * 3 * 4, 95);
    const rmd = Float32Array.from([0.1, -0.2, 0.3]), rvd = Float32Array.from([1.5, 0.5, 2]);
    const y = F.batchNorm(t(d, xd, [2, 3, 4]), t(d, rmd, [3]), t(d, rvd, [3]), null, null);
    expectAllClose(await y.toArray(), batchNormRef(xd, 2, 3, 4, null, null, rmd, rvd, 1e-5).y, { atol: 1e-6, rtol: 1e-5 });
    expect(() => F.batchNorm(t(d, xd, [2, 3, 4]), null, null)).toThrow(InvalidArgumentError);
  });
});
