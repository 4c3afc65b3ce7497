import { describe, expect, it } from 'vitest';
import { F, ShapeError, type Tensor } from '../../src/index.ts';
import { poolBackwardRef, poolRef, type PoolRefGeom } from '../../src/ops/pool/reference.ts';
import { expectAllClose } from '../helpers/close.ts';
import { dev, numericGrad, rand, t } from './util.ts';

type Case = [string, 'max' | 'avg', number[], PoolRefGeom, (x: Tensor) => Tensor];
const cases: Case[] = [
  ['maxPool3d size-1 everything', 'max', [1, 1, 1, 1, 1], { NC: 1, i: [1, 1, 1], o: [1, 1, 1], adaptive: false, k: [1, 1, 1], s: [1, 1, 1], p: [0, 0, 0] }, (x) => F.maxPool3d(x, { kernelSize: 1 })],
  ['maxPool3d (2,3,3) stride (1,2,2) pad (1,1,1), primes', 'max', [1, 3, 5, 7, 11], { NC: 3, i: [5, 7, 11], o: [6, 4, 6], adaptive: false, k: [2, 3, 3], s: [1, 2, 2], p: [1, 1, 1] }, (x) => F.maxPool3d(x, { kernelSize: [2, 3, 3], stride: [1, 2, 2], padding: 1 })],
  ['avgPool3d count_include_pad=false', 'avg', [2, 1, 3, 5, 4], { NC: 2, i: [3, 5, 4], o: [2, 3, 3], adaptive: false, k: [3, 3, 2], s: [2, 2, 2], p: [1, 1, 1], countIncludePad: false }, (x) => F.avgPool3d(x, { kernelSize: [3, 3, 2], stride: 2, padding: 1, countIncludePad: false })],
  ['adaptiveAvgPool3d to (3, 2, 5) from (7, 5, 13)', 'avg', [1, 2, 7, 5, 13], { NC: 2, i: [7, 5, 13], o: [3, 2, 5], adaptive: true }, (x) => F.adaptiveAvgPool3d(x, [3, 2, 5])],
  ['adaptiveMaxPool2d to (4, 3) from (9, 7)', 'max', [2, 2, 9, 7], { NC: 4, i: [1, 9, 7], o: [1, 4, 3], adaptive: true }, (x) => F.adaptiveMaxPool2d(x, [4, 3])],
];

describe('pools', () => {
  for (const [name, kind, shape, g, fn] of cases) {
    it(`${name}: GPU forward and backward vs float64 reference`, async () => {
      const d = await dev();
      const n = shape.reduce((a, b) => a * b, 1);
      const xd = rand(n, 81);
      const x = t(d, xd, shape, true);
      const y = fn(x);
      const { out, links } = poolRef(kind, g, xd);
      expect(y.size).toBe(out.length);
      expectAllClose(await y.toArray(), out, { atol: 1e-6, rtol: 1e-5 });
      const gd = rand(out.length, 82);
      y.backward(t(d, gd, [...y.shape]));
      expectAllClose(await x.grad!.toArray(), poolBackwardRef(links, gd, n), { atol: 1e-6, rtol: 1e-5 });
    });
  }

  it('the CPU avg/max backward matches float64 central differences', () => {
    const g: PoolRefGeom = { NC: 2, i: [3, 4, 5], o: [2, 2, 3], adaptive: false, k: [2, 3, 3], s: [2, 2, 2], p: [1, 1, 1] };
    const xd = Float64Array.from(rand(120, 83));
    for (const kind of ['avg', 'max'] as const) {
      const { out, links } = poolRef(kind, g, xd);
      const gd = rand(out.length, 84);
      expectAllClose(poolBackwardRef(links, gd, 120), numericGrad((x) => poolRef(kind, g, x).out, xd, gd), { atol: 1e-7, rtol: 1e-6, what: kind });
    }
  });

  it('padding above half the kernel is a typed error, as in torch', async () => {
    const d = await dev();
    expect(() => F.maxPool2d(t(d, rand(16, 1), [1, 1, 4, 4]), { kernelSize: 2, padding: 2 })).toThrow(ShapeError);
  });
});
