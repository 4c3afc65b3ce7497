// Host-side caches of the launch path (src/gpu/bindcache.ts, kernel.ts memoSpec, context.ts getPipeline):
// reuse must never change what a kernel reads or writes.
import { describe, expect, it } from 'vitest';
import { contrastive, F, Tensor, tidy } from '../../src/index.ts';
import { BindGroupCache, idOf } from '../../src/gpu/bindcache.ts';
import { contextFor } from '../../src/gpu/context.ts';
import { mapSpec } from '../../src/gpu/map.ts';
import { gemmSpec } from '../../src/ops/matmul/gemm.wgsl.ts';
import { expectAllClose } from '../helpers/close.ts';
import { dev, rand } from '../ops/util.ts';

describe('bind group cache', () => {
  it('one group per layout and (buffer, offset, size) list; cleared at its cap', async () => {
    const d = await dev();
    const layout = d.gpu.createBindGroupLayout({ entries: [0, 1].map((binding) => ({ binding, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'read-only-storage' as const } })) });
    const a = d.gpu.createBuffer({ size: 512, usage: GPUBufferUsage.STORAGE });
    const b = d.gpu.createBuffer({ size: 512, usage: GPUBufferUsage.STORAGE });
    const cache = new BindGroupCache(d.gpu, 3);
    const g1 = cache.get(layout, [a, b]);
    expect(cache.get(layout, [a, b])).toBe(g1);
    expect(cache.get(layout, [b, a])).not.toBe(g1);
    const g3 = cache.get(layout, [{ buffer: a, offset: 256, size: 256 }, b]);
    expect(g3).not.toBe(g1);
    expect(cache.get(layout, [{ buffer: a, offset: 256, size: 256 }, b])).toBe(g3);
    expect([cache.created, cache.reused, cache.size]).toEqual([3, 2, 3]);
    cache.get(layout, [{ buffer: a, offset: 0, size: 256 }, b]); // a fourth group: the cache starts over
    expect(cache.size).toBe(1);
    expect(cache.get(layout, [a, b])).not.toBe(g1); // made again after the clear
    expect(idOf(a)).toBe(idOf(a));
    expect(idOf(a)).not.toBe(idOf(b));
    a.destroy();
    b.destroy();
  });

  it('repeated launches on pooled buffers reuse groups and still compute the right values', async () => {
    const d = await dev();
    const ctx = contextFor(d.gpu);
    const xs = rand(300, 1);
    const run = async (n: number): Promise<Float32Array> => {
      const y = tidy(() => F.add(F.mul(Tensor.fromArray(d, xs.subarray(0, n), [n]), 2), 1));
      const out = await y.toArray();
      y.dispose();
      return out;
    };
    const expect300 = Float32Array.from(xs, (v) => Math.fround(Math.fround(v * 2) + 1));
    // the pool is LIFO, so consecutive calls alternate between two assignments of its free buffers
    for (let i = 0; i < 2; i++) expectAllClose(await run(300), expect300, { atol: 0, rtol: 0 });
    const created = ctx.bindGroups.created;
    for (let i = 0; i < 4; i++) expectAllClose(await run(300), expect300, { atol: 0, rtol: 0 });
    expect(ctx.bindGroups.created).toBe(created); // same sizes, same pooled buffers: nothing new
    // a smaller tensor on the same pooled buffers binds a smaller range: a different group, the right values
    expectAllClose(await run(257), expect300.subarray(0, 257), { atol: 0, rtol: 0 });
    expect(ctx.bindGroups.created).toBeGreaterThan(created);
  });

  it('a fused infoNCE forward + backward creates no bind group once warm (engine path)', async () => {
    const d = await dev();
    const ctx = contextFor(d.gpu);
    const q = Tensor.fromArray(d, rand(4 * 8, 2), [4, 8], { requiresGrad: true });
    const k = Tensor.fromArray(d, rand(4 * 8, 3), [4, 8]);
    const n = Tensor.fromArray(d, rand(40 * 8, 4), [40, 8]);
    const step = async (): Promise<number> => {
      const l = tidy(() => {
        const loss = contrastive.infoNCE(q, k, n, { tau: 0.5 });
        loss.backward();
        return loss;
      });
      const v = await l.item();
      l.dispose();
      return v;
    };
    const l1 = await step();
    const g1 = await q.grad!.toArray();
    for (let i = 0; i < 2; i++) expect(await step()).toBe(l1); // the pool's alternation, as above
    const created = ctx.bindGroups.created;
    for (let i = 0; i < 4; i++) expect(await step()).toBe(l1);
    expect(ctx.bindGroups.created).toBe(created);
    expectAllClose(await q.grad!.toArray(), g1.map((v) => 7 * v), { atol: 1e-7, rtol: 1e-6 }); // accumulated 7 times
    for (const t of [q, k, n]) t.dispose();
  });
});

describe('memoised specs', () => {
  it('the same inputs give the same spec object and pipeline; any change gives another', async () => {
    const d = await dev();
    const ctx = contextFor(d.gpu);
    const s1 = mapSpec('t', [3, 4], [{ name: 'a', shape: [3, 1] }], 'a * 2.0');
    expect(mapSpec('t', [3, 4], [{ name: 'a', shape: [3, 1] }], 'a * 2.0')).toBe(s1);
    expect(mapSpec('t', [3, 5], [{ name: 'a', shape: [3, 1] }], 'a * 2.0')).not.toBe(s1);
    expect(mapSpec('t', [3, 4], [{ name: 'a', shape: [1, 4] }], 'a * 2.0')).not.toBe(s1);
    expect(mapSpec('t', [3, 4], [{ name: 'a', shape: [3, 1] }], 'a * 2.0', { accumulate: true })).not.toBe(s1);
    const g = { name: 'g', M: 8, N: 8, K: 8, bindings: [{ name: 'A' }, { name: 'B' }, { name: 'out', write: true }], loadA: 'A(m * u.K + k)', loadB: 'B(k * u.N + n)', store: 'out_set(m * u.N + n, v);' };
    expect(gemmSpec({ ...g, M: 100, N: 3 })).toBe(gemmSpec(g)); // sizes are uniforms
    expect(gemmSpec({ ...g, store: 'out_set(m * u.N + n, 2.0 * v);' })).not.toBe(gemmSpec(g));
    expect(gemmSpec({ ...g, config: { BM: 8, BN: 256, BK: 8, TM: 8, TN: 4 } })).not.toBe(gemmSpec(g));
    // a second F.matmul of another size reuses the first one's pipeline (M > 32: the same tile on any adapter)
    const a = Tensor.fromArray(d, rand(40 * 5, 5), [40, 5]), b = Tensor.fromArray(d, rand(5 * 7, 6), [5, 7]);
    await F.matmul(a, b).toArray();
    const pipelines = ctx.pipelineCount;
    const c = Tensor.fromArray(d, rand(50 * 5, 7), [50, 5]);
    await F.matmul(c, b).toArray();
    expect(ctx.pipelineCount).toBe(pipelines);
  });
});

describe('backward seed', () => {
  it('loss.backward() seeds with one fill: F.sum backward records 2 dispatches into an existing grad', async () => {
    const d = await dev();
    const ctx = contextFor(d.gpu);
    const x = Tensor.fromArray(d, rand(10, 8), [10], { requiresGrad: true });
    F.sum(F.mul(x, 3)).backward();
    expectAllClose(await x.grad!.toArray(), new Float32Array(10).fill(3), { atol: 0, rtol: 0 });
    const y = F.sum(x);
    const before = ctx.dispatches;
    y.backward(); // seed fill + dX accumulate
    expect(ctx.dispatches - before).toBe(2);
    expectAllClose(await x.grad!.toArray(), new Float32Array(10).fill(4), { atol: 0, rtol: 0 });
    // a leaf root still accumulates its own grad
    const z = Tensor.fromArray(d, [5], [1], { requiresGrad: true });
    z.backward();
    z.backward();
    expect(await z.grad!.toArray()).toEqual(new Float32Array([2]));
  });
});
