import { describe, expect, it } from 'vitest';
import { F, ShapeError } from '../../src/index.ts';
import { dropoutUniform } from '../../src/ops/dropout/dropout.ts';
import { expectAllClose } from '../helpers/close.ts';
import { dev, rand, t } from './util.ts';

describe('cat', () => {
  it('concatenates on the channel dim (and dim 0, -1) with gradients sliced back', async () => {
    const d = await dev();
    for (const dim of [1, 0, -1]) {
      const shapes = [[2, 1, 3], [2, 4, 3], [2, 2, 3]].map((s) => s.map((v, i) => (i === (dim + 3) % 3 ? v : [2, 3, 3][i])));
      shapes.forEach((s, j) => (s[(dim + 3) % 3] = [1, 4, 2][j]));
      const data = shapes.map((s, j) => rand(s.reduce((a, b) => a * b, 1), 100 + j));
      const xs = shapes.map((s, j) => t(d, data[j], s, true));
      const y = F.cat(xs, dim);
      const dd = (dim + 3) % 3;
      const outer = shapes[0].slice(0, dd).reduce((a, b) => a * b, 1);
      const inner = shapes[0].slice(dd + 1).reduce((a, b) => a * b, 1);
      const ref: number[] = [];
      for (let o = 0; o < outer; o++) for (let j = 0; j < 3; j++) ref.push(...data[j].subarray(o * shapes[j][dd] * inner, (o + 1) * shapes[j][dd] * inner));
      expectAllClose(await y.toArray(), ref, { atol: 0, rtol: 0 });
      const g = Float32Array.from(ref, (_, i) => i);
      y.backward(t(d, g, [...y.shape]));
      // each input's gradient is the slice of g that its values went to
      let k = 0;
      const want = shapes.map((s) => new Float32Array(s.reduce((a, b) => a * b, 1)));
      for (let o = 0; o < outer; o++) for (let j = 0; j < 3; j++) for (let e = 0; e < shapes[j][dd] * inner; e++) want[j][o * shapes[j][dd] * inner + e] = g[k++];
      for (let j = 0; j < 3; j++) expectAllClose(await xs[j].grad!.toArray(), want[j], { atol: 0, rtol: 0 });
    }
    expect(() => F.cat([t(d, rand(6, 1), [1, 2, 3]), t(d, rand(8, 1), [1, 2, 4])], 1)).toThrow(ShapeError);
  });
});

describe('dropout', () => {
  it('is seeded, matches the CPU mask, scales by 1/(1-p), and its gradient uses the same mask', async () => {
    const d = await dev();
    const n = 4099;
    const xd = rand(n, 111);
    const x = t(d, xd, [n], true);
    const p = 0.3;
    const y = F.dropout(x, { p, seed: 1234 });
    const got = await y.toArray();
    const keep = Array.from({ length: n }, (_, i) => dropoutUniform(1234, i) >= p);
    expectAllClose(got, xd.map((v, i) => (keep[i] ? v / (1 - p) : 0)), { atol: 1e-6, rtol: 1e-6 });
    const kept = keep.filter(Boolean).length / n;
    expect(Math.abs(kept - (1 - p))).toBeLessThan(0.03);
    y.backward(t(d, new Float32Array(n).fill(1), [n]));
    expectAllClose(await x.grad!.toArray(), keep.map((k) => (k ? 1 / (1 - p) : 0)), { atol: 1e-6, rtol: 1e-6 });
    expectAllClose(await F.dropout(x, { p, seed: 1234 }).toArray(), got, { atol: 0, rtol: 0 });
    const other = await F.dropout(x, { p, seed: 99 }).toArray();
    expect(other.some((v, i) => v !== got[i])).toBe(true);
    expect(F.dropout(x, { p, training: false })).toBe(x);
  });
});
