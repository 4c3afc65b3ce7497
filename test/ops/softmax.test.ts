import { describe, expect, it } from 'vitest';
import { F, InvalidArgumentError, DTypeError } from '../../src/index.ts';
import { crossEntropyRef, logSoftmaxBackwardRef, logSoftmaxRef } from '../../src/ops/softmax/reference.ts';
import { expectAllClose, maxRelToPeak } from '../helpers/close.ts';
import { dev, numericGrad, rand, t } from './util.ts';

describe('logSoftmax / crossEntropy / mseLoss / normalize', () => {
  for (const [R, C] of [[1, 1], [3, 7], [2, 131]]) {
    it(`logSoftmax (${R}, ${C}) forward and backward`, async () => {
      const d = await dev();
      const xd = rand(R * C, 61, 5), g = rand(R * C, 62);
      const x = t(d, xd, [R, C], true);
      const y = F.logSoftmax(x, -1);
      const ref = logSoftmaxRef(xd, R, C);
      expectAllClose(await y.toArray(), ref, { atol: 1e-5, rtol: 1e-5 });
      y.backward(t(d, g, [R, C]));
      expect(maxRelToPeak(await x.grad!.toArray(), logSoftmaxBackwardRef(g, ref, R, C))).toBeLessThan(1e-5);
    });
  }

  it('logSoftmax along dim 1 of (2, 5, 3) equals the last-dim reference on the transposed data', async () => {
    const d = await dev();
    const xd = rand(30, 63, 3);
    const y = await F.logSoftmax(t(d, xd, [2, 5, 3]), 1).toArray();
    const tr = new Float64Array(30);
    for (let n = 0; n < 2; n++) for (let c = 0; c < 5; c++) for (let i = 0; i < 3; i++) tr[(n * 3 + i) * 5 + c] = xd[(n * 5 + c) * 3 + i];
    const ref = logSoftmaxRef(tr, 6, 5);
    const back = new Float64Array(30);
    for (let n = 0; n < 2; n++) for (let c = 0; c < 5; c++) for (let i = 0; i < 3; i++) back[(n * 5 + c) * 3 + i] = ref[(n * 3 + i) * 5 + c];
    expectAllClose(y, back, { atol: 1e-5, rtol: 1e-5 });
  });

  it('crossEntropy: GPU vs reference, CPU gradient vs central differences, typed target errors', async () => {
    const d = await dev();
    const [N, C] = [5, 11];
    const xd = rand(N * C, 64, 4);
    const tg = [0, 10, 3, 3, 7];
    const x = t(d, xd, [N, C], true);
    const loss = F.crossEntropy(x, tg);
    const r = crossEntropyRef(xd, tg, N, C);
    expect(Math.abs((await loss.item()) - r.loss)).toBeLessThan(1e-5);
    loss.backward();
    expect(maxRelToPeak(await x.grad!.toArray(), r.dX)).toBeLessThan(1e-5);
    const fd = numericGrad((xx) => [crossEntropyRef(xx, tg, N, C).loss], xd, [1]);
    expectAllClose(r.dX, fd, { atol: 1e-8, rtol: 1e-6 });
    expect(() => F.crossEntropy(x, [0, 1, 2, 3, 11])).toThrow(InvalidArgumentError);
    expect(() => F.crossEntropy(x, new Float32Array(5) as never)).toThrow(DTypeError);
  });

  it('mseLoss and normalize (incl. an all-zero row) forward and backward vs float64', async () => {
    const d = await dev();
    const ad = rand(21, 71), bd = rand(21, 72);
    const a = t(d, ad, [3, 7], true);
    const l = F.mseLoss(a, t(d, bd, [3, 7]));
    let ref = 0;
    for (let i = 0; i < 21; i++) ref += (ad[i] - bd[i]) ** 2 / 21;
    expect(Math.abs((await l.item()) - ref)).toBeLessThan(1e-6);
    l.backward();
    expectAllClose(await a.grad!.toArray(), Float64Array.from(ad, (v, i) => (2 * (v - bd[i])) / 21), { atol: 1e-6, rtol: 1e-5 });

    const xd = rand(12, 73);
    xd.fill(0, 4, 8); // row 1 is all zero: y = 0, gradient finite
    const g = rand(12, 74);
    const x = t(d, xd, [3, 4], true);
    const y = F.normalize(x, { dim: 1 });
    const norm = (v: Float64Array) => {
      const o = new Float64Array(12);
      for (let r = 0; r < 3; r++) {
        let s = 0;
        for (let c = 0; c < 4; c++) s += v[r * 4 + c] ** 2;
        const n = Math.max(Math.sqrt(s), 1e-12);
        for (let c = 0; c < 4; c++) o[r * 4 + c] = v[r * 4 + c] / n;
      }
      return o;
    };
    expectAllClose(await y.toArray(), norm(Float64Array.from(xd)), { atol: 1e-6, rtol: 1e-5 });
    y.backward(t(d, g, [3, 4]));
    const dx = await x.grad!.toArray();
    expect(dx.every((v) => Number.isFinite(v))).toBe(true);
    // rows 0 and 2 (away from the clamp) match central differences of the float64 forward
    const fd = numericGrad(norm, xd, g);
    expectAllClose([...dx.subarray(0, 4), ...dx.subarray(8)], [...fd.subarray(0, 4), ...fd.subarray(8)], { atol: 1e-4, rtol: 1e-3 });
  });
});
