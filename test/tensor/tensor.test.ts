import { describe, expect, it } from 'vitest';
import { DisposedTensorError, DTypeError, F, GpuExecutionError, InvalidArgumentError, noGrad, ShapeError, Tensor, tidy } from '../../src/index.ts';
import { contextFor } from '../../src/gpu/context.ts';
import { expectAllClose } from '../helpers/close.ts';
import { dev, rand } from '../ops/util.ts';

describe('Tensor', () => {
  it('fromArray / toArray round-trip on a Device and on a raw GPUDevice', async () => {
    const d = await dev();
    const data = rand(37, 1);
    const a = Tensor.fromArray(d, data, [37]);
    expect(a.shape).toEqual([37]);
    expectAllClose(await a.toArray(), data, { atol: 0, rtol: 0 });
    const b = Tensor.fromArray(d.gpu, data, [1, 37]);
    expectAllClose(await b.toArray(), data, { atol: 0, rtol: 0 });
    expect(a.ctx).toBe(b.ctx);
    expect(await Tensor.full(d, [2, 2], 3.5).toArray()).toEqual(new Float32Array([3.5, 3.5, 3.5, 3.5]));
    expect((await Tensor.zeros(d, [0]).toArray()).length).toBe(0);
  });

  it('typed errors: dtype, shape mismatch, backward without dOut, use after dispose', async () => {
    const d = await dev();
    expect(() => Tensor.fromArray(d, new Float64Array(4) as never, [4])).toThrow(DTypeError);
    expect(() => Tensor.fromArray(d, new Int32Array(4) as never, [4])).toThrow(/Float32Array/);
    expect(() => Tensor.fromArray(d, new Float32Array(6), [2, 2])).toThrow(ShapeError);
    expect(() => Tensor.fromArray(d, new Float32Array(6), [2, 2])).toThrow(/\[2, 2\]/);
    const x = Tensor.fromArray(d, rand(6, 2), [2, 3], { requiresGrad: true });
    const y = F.relu(x);
    expect(() => y.backward()).toThrow(ShapeError);
    expect(() => Tensor.fromArray(d, rand(3, 1), [3]).backward()).toThrow(InvalidArgumentError);
    x.dispose();
    expect(() => F.relu(x)).toThrow(DisposedTensorError);
  });

  it('gradients accumulate over backward calls (torch semantics); noGrad records nothing', async () => {
    const d = await dev();
    const x = Tensor.fromArray(d, [1, 2, 3], [3], { requiresGrad: true });
    F.sum(F.mul(x, x)).backward();
    F.sum(F.mul(x, 3)).backward();
    expectAllClose(await x.grad!.toArray(), [5, 7, 9]);
    const z = noGrad(() => F.mul(x, x));
    expect(z.requiresGrad).toBe(false);
    expect(z.node).toBeNull();
    // a leaf used twice, and a diamond: d/dx sum((x+x)*x) = 4x
    const x2 = Tensor.fromArray(d, [1, -2], [2], { requiresGrad: true });
    const s = F.add(x2, x2);
    F.sum(F.mul(s, x2)).backward(new Float32Array([1]));
    expectAllClose(await x2.grad!.toArray(), [4, -8]);
  });

  it('tidy disposes intermediates and keeps results; a training-style loop keeps the pool flat', async () => {
    const d = await dev();
    const ctx = contextFor(d.gpu);
    const w = Tensor.fromArray(d, rand(12, 3), [4, 3], { requiresGrad: true });
    const x = Tensor.fromArray(d, rand(15, 4), [5, 3]);
    let inner: Tensor | null = null;
    const out = tidy(() => {
      inner = F.relu(F.linear(x, w));
      return F.sum(inner);
    });
    expect(inner!.isDisposed).toBe(true);
    expect(out.isDisposed).toBe(false);
    let bytes = 0;
    for (let i = 0; i < 4; i++) {
      tidy(() => F.mean(F.relu(F.linear(x, w))).backward());
      w.grad!.dispose();
      w.grad = null;
      await w.toArray();
      if (i === 1) bytes = ctx.pool.allocatedBytes;
      if (i > 1) expect(ctx.pool.allocatedBytes).toBe(bytes);
    }
  });
});

describe('GPU errors are never silent', () => {
  it('an invalid kernel surfaces as GpuExecutionError at the next read', async () => {
    const d = await dev();
    const ctx = contextFor(d.gpu);
    const x = Tensor.fromArray(d, [1, 2, 3], [3]);
    ctx.launch({ name: 'broken', bindings: [{ name: 'x', write: true }], workgroupSize: 64, body: '  x_set(0u, undefined_thing);' }, [x.arg], 1);
    await expect(x.toArray()).rejects.toThrow(GpuExecutionError);
    // the context recovers: later work is fine
    expectAllClose(await F.mul(x, 2).toArray(), [2, 4, 6]);
  });
});
