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
    // Warm: the pool hands its (here all same-class) scratch buffers out in a rotating order until the
    // assignment settles; every distinct assignment costs its bind groups once.
    let steps = 1;
    for (let before = -1; steps < 16 && ctx.bindGroups.created !== before; steps++) {
      before = ctx.bindGroups.created;
      expect(await step()).toBe(l1);
    }
    expect(steps).toBeLessThan(16);
    const created = ctx.bindGroups.created;
    for (let i = 0; i < 4; i++) expect(await step()).toBe(l1);
    expect(ctx.bindGroups.created).toBe(created);
    expectAllClose(await q.grad!.toArray(), g1.map((v) => (steps + 4) * v), { atol: 1e-7, rtol: 1e-6 }); // accumulated once per step
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

describe('deferred zero accumulators', () => {
  it('read before any write: zeros (also on a dirty pooled buffer); claimed once', async () => {
    const d = await dev();
    const ctx = contextFor(d.gpu);
    Tensor.fromArray(d, rand(7, 9), [7]).dispose(); // leaves non-zero data in a pooled buffer
    const z = Tensor.zerosDeferred(ctx, [7]);
    expect(await z.toArray()).toEqual(new Float32Array(7));
    expect(z.claimZero()).toBe(false); // the read recorded the fill: nothing left to claim
    const z2 = Tensor.zerosDeferred(ctx, [7]);
    expect(z2.claimZero()).toBe(true);
    expect(z2.claimZero()).toBe(false);
    for (const x of [z, z2]) x.dispose();
  });

  it('the first gradient write overwrites, later ones add (map, reduce, GEMM, fan-out)', async () => {
    const d = await dev();
    const ctx = contextFor(d.gpu);
    const ad = rand(40 * 6, 10), bd = rand(6 * 5, 11);
    const a = Tensor.fromArray(d, ad, [40, 6], { requiresGrad: true });
    const b = Tensor.fromArray(d, bd, [6, 5], { requiresGrad: true });
    const c = Tensor.fromArray(d, rand(5, 12), [5], { requiresGrad: true });
    for (const n of [40 * 6, 6 * 5, 5, 40 * 5, 40 * 5]) Tensor.fromArray(d, rand(n, n).map((v) => v * 1e3), [n]).dispose(); // leave garbage in the pool's buffers of these sizes
    // loss = sum((a @ b + c) * (a @ b)): a @ b fans out to two uses; c is broadcast (a reduction in backward)
    const loss = (): Tensor => {
      const m = F.matmul(a, b);
      return F.sum(F.mul(F.add(m, c), m));
    };
    const before = ctx.dispatches;
    loss().backward();
    const first = ctx.dispatches - before;
    const [ga, gb, gc] = await Promise.all([a.grad!.toArray(), b.grad!.toArray(), c.grad!.toArray()]);
    // float64 reference: m = a b; dL/dm = 2 m + c; dL/dc = sum over rows of m; dA = dM b^T; dB = a^T dM
    const m = new Float64Array(40 * 5);
    for (let i = 0; i < 40; i++) for (let j = 0; j < 5; j++) for (let k = 0; k < 6; k++) m[i * 5 + j] += ad[i * 6 + k] * bd[k * 5 + j];
    const cd = await c.toArray();
    const dM = m.map((v, idx) => 2 * v + cd[idx % 5]);
    const rA = new Float64Array(40 * 6), rB = new Float64Array(6 * 5), rC = new Float64Array(5);
    for (let i = 0; i < 40; i++) for (let j = 0; j < 5; j++) {
      rC[j] += m[i * 5 + j];
      for (let k = 0; k < 6; k++) {
        rA[i * 6 + k] += dM[i * 5 + j] * bd[k * 5 + j];
        rB[k * 5 + j] += ad[i * 6 + k] * dM[i * 5 + j];
      }
    }
    expectAllClose(ga, rA, { atol: 1e-5, rtol: 1e-4 });
    expectAllClose(gb, rB, { atol: 1e-5, rtol: 1e-4 });
    expectAllClose(gc, rC, { atol: 1e-5, rtol: 1e-4 });
    // a second backward adds to the (now materialised) leaf grads, recording no more dispatches than the first
    const before2 = ctx.dispatches;
    loss().backward();
    expect(ctx.dispatches - before2).toBeLessThanOrEqual(first);
    expectAllClose(await a.grad!.toArray(), rA.map((v) => 2 * v), { atol: 1e-5, rtol: 1e-4 });
    expectAllClose(await b.grad!.toArray(), rB.map((v) => 2 * v), { atol: 1e-5, rtol: 1e-4 });
    expectAllClose(await c.grad!.toArray(), rC.map((v) => 2 * v), { atol: 1e-5, rtol: 1e-4 });
    for (const x of [a, b, c]) x.dispose();
  });
});

describe('backward seed', () => {
  it('loss.backward() seeds with one fill: F.sum backward records 2 dispatches (fresh or existing grad)', async () => {
    const d = await dev();
    const ctx = contextFor(d.gpu);
    const x = Tensor.fromArray(d, rand(10, 8), [10], { requiresGrad: true });
    const y0 = F.sum(F.mul(x, 3));
    const before0 = ctx.dispatches;
    y0.backward(); // seed fill; sum backward into the product's fresh accumulator (=, no zero fill); mul backward into x.grad (=)
    expect(ctx.dispatches - before0).toBe(3);
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
