// The software adapters' few-row GEMM tiles (GEMM_TUNING.short, src/ops/matmul/run.ts) and the baked forward
// conv sizes (CONV_TUNING.specializeForwardSoftware): forced on for any adapter, every tile at row counts at,
// below and above its limit, conv forward + backward (dW has M = Co too) and matmul vs float64 references.
import { describe, expect, it } from 'vitest';
import { F, noGrad } from '../../src/index.ts';
import { contextFor } from '../../src/gpu/context.ts';
import { CONV_TUNING } from '../../src/ops/conv/conv.ts';
import { conv3dBackwardRef, conv3dRef, type ConvRefGeom } from '../../src/ops/conv/reference.ts';
import { matmulRef, transposeRef } from '../../src/ops/matmul/reference.ts';
import { GEMM_TUNING, gemmTile } from '../../src/ops/matmul/run.ts';
import { maxRelToPeak } from '../helpers/close.ts';
import { dev, rand, t } from './util.ts';

describe('few-row GEMM tiles on software adapters', () => {
  it('picks the first tile whose maxM covers M, the context tile above, and none on GPU adapters', async () => {
    const ctx = contextFor((await dev()).gpu);
    const saved = ctx.software;
    try {
      ctx.software = true;
      for (const [maxM, tile] of GEMM_TUNING.short) expect(gemmTile(ctx, maxM)).toBe(tile);
      expect(gemmTile(ctx, 1)).toBe(GEMM_TUNING.short[0][1]);
      const top = GEMM_TUNING.short.at(-1)![0];
      expect(GEMM_TUNING.short.some(([, tile]) => tile === gemmTile(ctx, top + 1))).toBe(false);
      ctx.software = false;
      expect(GEMM_TUNING.short.some(([, tile]) => tile === gemmTile(ctx, 1))).toBe(false);
    } finally {
      ctx.software = saved;
    }
  });

  // Co around each tile limit (8, 16, 32): full tiles, partial tiles, the next tile up.
  for (const Co of [7, 8, 9, 16, 17, 29, 32]) {
    for (const bakeFwd of [false, true]) {
      it(`conv3d inference forward, training forward + backward vs float64, Co = ${Co}${bakeFwd ? ', inference sizes baked' : ''}`, async () => {
        const d = await dev();
        const ctx = contextFor(d.gpu);
        const saved = { software: ctx.software, bake: CONV_TUNING.specializeForwardSoftware };
        const g: ConvRefGeom = { N: 2, Ci: 3, T: 3, H: 9, W: 11, Co, k: [3, 3, 3], s: [1, 2, 2], p: [1, 1, 1], d: [1, 1, 1] };
        try {
          ctx.software = true;
          CONV_TUNING.specializeForwardSoftware = bakeFwd ? 0 : 2 ** 40;
          const xs = [g.N, g.Ci, g.T, g.H, g.W];
          const ws = [g.Co, g.Ci, ...g.k];
          const xd = rand(xs.reduce((a, b) => a * b), 21);
          const wd = rand(ws.reduce((a, b) => a * b), 22, 0.5);
          const bd = rand(Co, 23);
          const x = t(d, xd, xs, true);
          const w = t(d, wd, ws, true);
          const b = t(d, bd, [Co], true);
          const ref = conv3dRef(g, xd, wd, bd);
          // inference (no graph): the path that bakes its sizes on software adapters
          const y0 = noGrad(() => F.conv3d(x, w, b, { stride: g.s, padding: g.p }));
          expect(maxRelToPeak(await y0.toArray(), ref), 'inference forward').toBeLessThan(1e-5);
          const y = F.conv3d(x, w, b, { stride: g.s, padding: g.p });
          expect(maxRelToPeak(await y.toArray(), ref), 'training forward').toBeLessThan(1e-5);
          const gd = rand(ref.length, 24);
          y.backward(t(d, gd, [...y.shape]));
          const r = conv3dBackwardRef(g, gd, xd, wd);
          expect(maxRelToPeak(await x.grad!.toArray(), r.dX)).toBeLessThan(1e-5);
          expect(maxRelToPeak(await w.grad!.toArray(), r.dW)).toBeLessThan(1e-5);
          expect(maxRelToPeak(await b.grad!.toArray(), r.dB)).toBeLessThan(1e-5);
        } finally {
          ctx.software = saved.software;
          CONV_TUNING.specializeForwardSoftware = saved.bake;
        }
      }, 300_000);
    }
  }

  it('matmul with few rows (M = 5, 13, 31) and N above the widest tile, vs float64', async () => {
    const d = await dev();
    const ctx = contextFor(d.gpu);
    const saved = ctx.software;
    try {
      ctx.software = true;
      for (const [M, K, N] of [[5, 19, 300], [13, 40, 131], [31, 9, 70]]) {
        const ad = rand(M * K, 31), bd = rand(K * N, 32), gd = rand(M * N, 33);
        const a = t(d, ad, [M, K], true), b = t(d, bd, [K, N], true);
        const c = F.matmul(a, b);
        expect(maxRelToPeak(await c.toArray(), matmulRef(ad, bd, M, K, N)), `M=${M}`).toBeLessThan(1e-5);
        c.backward(t(d, gd, [M, N]));
        expect(maxRelToPeak(await a.grad!.toArray(), matmulRef(gd, transposeRef(bd, K, N), M, N, K)), `dA M=${M}`).toBeLessThan(1e-5);
        expect(maxRelToPeak(await b.grad!.toArray(), matmulRef(transposeRef(ad, M, K), gd, K, M, N)), `dB M=${M}`).toBeLessThan(1e-5);
      }
    } finally {
      ctx.software = saved;
    }
  }, 300_000);
});
