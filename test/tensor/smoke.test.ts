import { describe, expect, it } from 'vitest';
import { getDevice, Tensor, F } from '../../src/index.ts';

describe('smoke', () => {
  it('add + sum backward', async () => {
    const d = await getDevice();
    const x = Tensor.fromArray(d, new Float32Array([1, -2, 3]), [3], { requiresGrad: true });
    const y = F.sum(F.mul(x, x));
    expect(await y.item()).toBe(14);
    y.backward();
    expect(Array.from(await x.grad!.toArray())).toEqual([2, -4, 6]);
    const a = Tensor.fromArray(d, new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]);
    const b = Tensor.fromArray(d, new Float32Array([1, 0, 0, 1, 1, 1]), [3, 2]);
    expect(Array.from(await F.matmul(a, b).toArray())).toEqual([4, 5, 10, 11]);
  });
});
