import { describe, expect, it } from 'vitest';
import { F, ShapeError } from '../../src/index.ts';
import { binaryBackwardRef, binaryRef, UNARY_REF } from '../../src/ops/elementwise/reference.ts';
import { expectAllClose } from '../helpers/close.ts';
import { dev, numericGrad, rand, t } from './util.ts';

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
const shapes: Array<[number[], number[]]> = [
  [[1], [1]],
  [[67], [67]],
  [[3, 1, 5], [7, 1]],
  [[2, 3, 1, 7], [3, 13, 1]],
  [[5], [4, 3, 5]],
];

describe('binary elementwise ops with broadcasting', () => {
  for (const op of ['add', 'sub', 'mul', 'div'] as const) {
    it(`${op}: GPU forward and backward match the float64 reference on awkward shapes`, async () => {
      const d = await dev();
      for (const [as, bs] of shapes) {
        const ad = rand(size(as), 11);
        const bd = Float32Array.from(rand(size(bs), 12), (v) => (op === 'div' ? v + Math.sign(v || 1) * 0.5 : v));
        const a = t(d, ad, as, true);
        const b = t(d, bd, bs, true);
        const y = F[op](a, b);
        const ref = binaryRef(op, ad, as, bd, bs);
        expect(y.shape).toEqual(ref.shape);
        expectAllClose(await y.toArray(), ref.out, { atol: 1e-6, rtol: 1e-5, what: `${op} ${as} ${bs}` });
        const g = rand(ref.out.length, 13);
        y.backward(t(d, g, ref.shape));
        const r = binaryBackwardRef(op, g, ad, as, bd, bs);
        expectAllClose(await a.grad!.toArray(), r.dA, { atol: 1e-5, rtol: 1e-4, what: `${op} dA` });
        expectAllClose(await b.grad!.toArray(), r.dB, { atol: 1e-5, rtol: 1e-4, what: `${op} dB` });
      }
    });
  }

  it('the CPU backward matches float64 central differences (div, broadcast)', () => {
    const as = [3, 1, 4];
    const bs = [2, 1];
    const ad = Float64Array.from(rand(12, 1));
    const bd = Float64Array.from([1.5, -2]);
    const g = rand(24, 2);
    const r = binaryBackwardRef('div', g, ad, as, bd, bs);
    expectAllClose(r.dA, numericGrad((a) => binaryRef('div', a, as, bd, bs).out, ad, g), { atol: 1e-7, rtol: 1e-6 });
    expectAllClose(r.dB, numericGrad((b) => binaryRef('div', ad, as, b, bs).out, bd, g), { atol: 1e-7, rtol: 1e-6 });
  });

  it('number operands and shape errors', async () => {
    const d = await dev();
    const x = t(d, new Float32Array([1, 2, 4]), [3], true);
    expectAllClose(await F.sub(10, x).toArray(), [9, 8, 6]);
    expectAllClose(await F.div(x, 4).toArray(), [0.25, 0.5, 1]);
    expectAllClose(await F.div(2, x).toArray(), [2, 1, 0.5]);
    const y = F.sum(F.mul(F.add(x, 1), 3));
    y.backward();
    expectAllClose(await x.grad!.toArray(), [3, 3, 3]);
    expect(() => F.add(t(d, rand(6, 1), [2, 3]), t(d, rand(4, 1), [4]))).toThrow(ShapeError);
    expect(() => F.add(t(d, rand(6, 1), [2, 3]), t(d, rand(4, 1), [4]))).toThrow(/\[2, 3\] and \[4\]/);
  });
});

describe('unary ops', () => {
  for (const op of ['relu', 'sqrt', 'exp', 'log', 'neg', 'clampMin'] as const) {
    it(`${op}: GPU forward/backward vs reference, CPU backward vs central differences`, async () => {
      const d = await dev();
      const n = 131;
      const xd = Float32Array.from(rand(n, 21, 2), (v) => (op === 'sqrt' || op === 'log' ? Math.abs(v) + 0.1 : v));
      const s = op === 'clampMin' ? 0.3 : 0;
      const x = t(d, xd, [n], true);
      const y = op === 'clampMin' ? F.clampMin(x, s) : F[op](x);
      const R = UNARY_REF[op];
      const ref = Float64Array.from(xd, (v) => R.fwd(v, s));
      expectAllClose(await y.toArray(), ref, { atol: 1e-6, rtol: 1e-5 });
      const g = rand(n, 22);
      y.backward(t(d, g, [n]));
      const dref = Float64Array.from(xd, (v, i) => R.dX(g[i], v, ref[i], s));
      expectAllClose(await x.grad!.toArray(), dref, { atol: 1e-5, rtol: 1e-4 });
      // away from kinks, the analytic derivative equals central differences
      const safe = Float64Array.from(xd, (v) => (Math.abs(v - s) < 1e-3 ? v + 0.01 : v));
      const fd = numericGrad((xx) => Float64Array.from(xx, (v) => R.fwd(v, s)), safe, g);
      const an = Float64Array.from(safe, (v, i) => R.dX(g[i], v, R.fwd(v, s), s));
      expectAllClose(an, fd, { atol: 1e-6, rtol: 1e-5 });
    });
  }
});
