import { describe, expect, it } from 'vitest';
import { F, Tensor } from '../../src/index.ts';
import { expectAllClose } from '../helpers/close.ts';
import { dev, rand, t } from './util.ts';

function reduceRef(x: ArrayLike<number>, shape: number[], dims: number[]): Float64Array {
  const keep = shape.map((d, i) => (dims.includes(i) ? 1 : d));
  const out = new Float64Array(keep.reduce((a, b) => a * b, 1));
  const st = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const kst = keep.map((_, i) => keep.slice(i + 1).reduce((a, b) => a * b, 1));
  for (let i = 0; i < x.length; i++) {
    let o = 0;
    for (let d = 0; d < shape.length; d++) if (!dims.includes(d)) o += (Math.floor(i / st[d]) % shape[d]) * kst[d];
    out[o] += x[i];
  }
  return out;
}

describe('sum / mean', () => {
  const cases: Array<[number[], number[] | undefined, boolean]> = [
    [[1], undefined, false],
    [[3, 5, 7], [1], false],
    [[3, 5, 7], [0, 2], true],
    [[2, 1, 3, 1], [1, 3], false],
    [[257, 3], [0], false],
  ];
  for (const [shape, dims, keepdim] of cases) {
    it(`shape ${shape} dim ${dims} keepdim ${keepdim}: forward and backward`, async () => {
      const d = await dev();
      const n = shape.reduce((a, b) => a * b, 1);
      const xd = rand(n, 31);
      const x = t(d, xd, shape, true);
      const all = dims ?? shape.map((_, i) => i);
      const count = all.reduce((a, i) => a * shape[i], 1);
      const s = F.sum(x, { dim: dims, keepdim });
      const m = F.mean(x, { dim: dims, keepdim });
      const ref = reduceRef(xd, shape, all);
      expect(s.shape).toEqual(keepdim ? shape.map((v, i) => (all.includes(i) ? 1 : v)) : shape.filter((_, i) => !all.includes(i)));
      expectAllClose(await s.toArray(), ref, { atol: 1e-5, rtol: 1e-5 });
      expectAllClose(await m.toArray(), Float64Array.from(ref, (v) => v / count), { atol: 1e-6, rtol: 1e-5 });
      const g = rand(ref.length, 32);
      F.add(F.sum(F.mul(s, t(d, g, [...s.shape]))), F.sum(F.mul(m, t(d, g, [...m.shape])))).backward();
      // d/dx = g[o] (sum) + g[o] / count (mean)
      const dx = await x.grad!.toArray();
      const st = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
      const keep = shape.map((v, i) => (all.includes(i) ? 1 : v));
      const kst = keep.map((_, i) => keep.slice(i + 1).reduce((a, b) => a * b, 1));
      const want = Float64Array.from({ length: n }, (_, i) => {
        let o = 0;
        for (let dd = 0; dd < shape.length; dd++) if (!all.includes(dd)) o += (Math.floor(i / st[dd]) % shape[dd]) * kst[dd];
        return g[o] * (1 + 1 / count);
      });
      expectAllClose(dx, want, { atol: 1e-6, rtol: 1e-5 });
    });
  }

  it('a 16x112x112x64 reduction keeps float32 accuracy (compensated + tree summation)', async () => {
    const d = await dev();
    const n = 16 * 112 * 112 * 64;
    // values around 1 with a small ripple: naive sequential f32 accumulation drifts by ~1e-3 relative here
    const xd = new Float32Array(n);
    let ref = 0;
    for (let i = 0; i < n; i++) {
      xd[i] = 1 + ((i * 2654435761) % 1000) * 1e-4;
      ref += xd[i];
    }
    const x = Tensor.fromArray(d, xd, [16, 112, 112, 64]);
    const s = await F.sum(x).item();
    expect(Math.abs(s - ref) / ref).toBeLessThan(1e-6);
    const m = await F.mean(x, { dim: [0, 1, 2] }).toArray();
    const mref = new Float64Array(64);
    for (let i = 0; i < n; i++) mref[i % 64] += xd[i] / (n / 64);
    expectAllClose(m, mref, { atol: 0, rtol: 1e-6 });
    x.dispose();
  });
});
