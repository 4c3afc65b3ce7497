// Shapes beyond device limits are split, not rejected: grids above maxComputeWorkgroupsPerDimension
// become several dispatches (or a folded 2-D grid), buffers above maxStorageBufferBindingSize are bound as
// several ranges. Tested by lowering the limits the kernel layer splits by, plus one real oversize buffer.
import { describe, expect, it } from 'vitest';
import { F, Tensor, getDevice } from '../../src/index.ts';
import { contextFor } from '../../src/gpu/context.ts';
import { planBinding, planDispatch } from '../../src/gpu/kernel.ts';
import { conv3dBackwardRef, conv3dRef } from '../../src/ops/conv/reference.ts';
import { matmulRef } from '../../src/ops/matmul/reference.ts';
import { expectAllClose, maxRelToPeak } from '../helpers/close.ts';
import { dev, rand, t } from '../ops/util.ts';

describe('dispatch and binding plans', () => {
  it('planDispatch folds 1-D grids and cuts every dimension at the limit', () => {
    expect(planDispatch(10, 4).map((p) => p.count)).toEqual([[4, 3, 1]]);
    const p = planDispatch([5, 2, 9], 4);
    expect(p.length).toBe(2 * 1 * 3);
    expect(p.reduce((s, x) => s + x.count[0] * x.count[1] * x.count[2], 0)).toBe(90);
    expect(p.map((x) => x.base[2])).toContain(8);
    expect(planDispatch(7, 2)).toHaveLength(2); // folded (2, 4) -> y cut in two
  });
  it('planBinding cuts at aligned offsets', () => {
    expect(planBinding(4000, 4, 1024, 256)).toEqual({ chunks: 4, chunkElems: 256 });
    expect(planBinding(1000, 4, 1024, 256)).toEqual({ chunks: 1, chunkElems: 250 });
    expect(planBinding(4000, 4, 1000, 256)).toEqual({ chunks: 6, chunkElems: 192 });
  });
});

describe('ops under artificially low limits give the same numbers', () => {
  it('elementwise, reductions, matmul and conv3d fwd+bwd with 3 workgroups per dim and 2 KiB bindings', async () => {
    const d = await dev();
    const ctx = contextFor(d.gpu);
    const run = async () => {
      const ad = rand(1000, 1), bd = rand(10, 2);
      const a = t(d, ad, [100, 10], true), b = t(d, bd, [10], true);
      const y = F.sum(F.mul(F.relu(F.add(a, b)), a));
      const mm = F.matmul(t(d, ad, [40, 25]), t(d, ad.subarray(0, 25 * 37), [25, 37]));
      const xs = [2, 3, 3, 9, 8], ws = [5, 3, 3, 3, 3];
      const xd = rand(2 * 3 * 3 * 72, 3), wd = rand(5 * 3 * 27, 4);
      const x = t(d, xd, xs, true), w = t(d, wd, ws, true);
      const c = F.conv3d(x, w, null, { stride: [1, 2, 2], padding: 1 });
      const gd = rand(c.size, 5);
      c.backward(t(d, gd, [...c.shape]));
      y.backward();
      return {
        y: await y.toArray(), da: await a.grad!.toArray(), db: await b.grad!.toArray(), mm: await mm.toArray(),
        c: await c.toArray(), dx: await x.grad!.toArray(), dw: await w.grad!.toArray(), xd, wd, gd, ad,
      };
    };
    let before = ctx.dispatches;
    const normal = await run();
    const normalCount = ctx.dispatches - before;
    before = ctx.dispatches;
    const low = await ctx.withLimits({ maxComputeWorkgroupsPerDimension: 3, maxStorageBufferBindingSize: 2048 }, run);
    expect(ctx.dispatches - before).toBeGreaterThan(normalCount); // the grids really were split
    for (const k of ['y', 'da', 'db', 'mm', 'c', 'dx', 'dw'] as const) expectAllClose(low[k], normal[k], { atol: 1e-6, rtol: 1e-5, what: k });
    // and both agree with the float64 references
    expect(maxRelToPeak(low.mm, matmulRef(low.ad, low.ad.subarray(0, 25 * 37), 40, 25, 37))).toBeLessThan(1e-5);
    const g = { N: 2, Ci: 3, T: 3, H: 9, W: 8, Co: 5, k: [3, 3, 3] as [number, number, number], s: [1, 2, 2] as [number, number, number], p: [1, 1, 1] as [number, number, number], d: [1, 1, 1] as [number, number, number] };
    expect(maxRelToPeak(low.c, conv3dRef(g, low.xd, low.wd, null))).toBeLessThan(1e-5);
    const r = conv3dBackwardRef(g, low.gd, low.xd, low.wd);
    expect(maxRelToPeak(low.dx, r.dX)).toBeLessThan(1e-5);
    expect(maxRelToPeak(low.dw, r.dW)).toBeLessThan(1e-5);
  });

  it('a real tensor larger than maxStorageBufferBindingSize (relu + sum over it)', async () => {
    // Adapters with bigger bindings (SwiftShader: 1 GiB, GPUs: 2-4 GiB) get a device whose binding limit is
    // WebGPU's default 128 MiB, so the split path is exercised with a real buffer everywhere.
    const shared = await dev();
    const capped = shared.limits.maxStorageBufferBindingSize > 256 * 1024 * 1024;
    const d = capped ? await getDevice({ fresh: true, requiredLimits: { maxStorageBufferBindingSize: 128 * 1024 * 1024 } }) : shared;
    const limit = d.limits.maxStorageBufferBindingSize;
    expect(limit).toBeLessThanOrEqual(256 * 1024 * 1024);
    expect(d.limits.maxBufferSize).toBeGreaterThan(limit + 4096);
    const n = limit / 4 + 1000; // just past one binding
    const xd = new Float32Array(n);
    for (let i = 0; i < n; i++) xd[i] = (i % 7) - 3;
    const x = Tensor.fromArray(d, xd, [n]);
    const y = F.relu(x);
    const t0 = performance.now();
    const s = await F.sum(y).item();
    console.log(`oversize relu+sum: ${(performance.now() - t0).toFixed(0)} ms`);
    let ref = 0;
    for (let i = 0; i < n; i++) ref += Math.max(0, xd[i]);
    expect(Math.abs(s - ref) / ref).toBeLessThan(1e-6);
    // (the 1000 elements past the first binding contribute ~3e-5 of the sum: a lost tail would fail)
    x.dispose();
    y.dispose();
    if (capped) d.destroy();
  });
});
