// Whole ops against PyTorch 1.13 (test/fixtures/gen/engine_ops.py, float64 answers for float32 inputs).
// Tolerances (issue 4): forward 1e-4 relative, gradients 1e-3 relative to the tensor's max magnitude.
import { beforeAll, describe, expect, it } from 'vitest';
import { F, Tensor, type Device } from '../../src/index.ts';
import { loadFixture, type Fixture } from '../helpers/fixture.ts';
import { maxRelToPeak } from '../helpers/close.ts';
import { dev } from './util.ts';

let fx: Fixture;
let d: Device;
beforeAll(async () => {
  fx = await loadFixture('engine/ops.bin');
  d = await dev();
});

const T = (name: string, requiresGrad = false) => Tensor.fromArray(d, fx.f32(name), fx.get(name).shape, { requiresGrad });
async function close(t: Tensor, name: string, tol: number) {
  const err = maxRelToPeak(await t.toArray(), fx.f64(name));
  if (!(err <= tol)) throw new Error(`${name}: max error relative to peak ${err} > ${tol}`);
  expect(err).toBeLessThanOrEqual(tol);
}

describe('PyTorch fixtures', () => {
  for (const name of ['stem', 'temporal', 'tstride2', 'spatial']) {
    it(`conv3d ${name} forward and gradients`, async () => {
      const m = (fx.meta.conv3d as Array<{ name: string; stride: number[]; padding: number[] }>).find((c) => c.name === name)!;
      const p = `conv3d.${name}.`;
      const x = T(p + 'x', true), w = T(p + 'w', true), b = T(p + 'b', true);
      const y = F.conv3d(x, w, b, { stride: m.stride, padding: m.padding });
      expect(y.shape).toEqual(fx.get(p + 'y').shape);
      await close(y, p + 'y', 1e-4);
      y.backward(T(p + 'g'));
      await close(x.grad!, p + 'dx', 1e-3);
      await close(w.grad!, p + 'dw', 1e-3);
      await close(b.grad!, p + 'db', 1e-3);
    });
  }

  it('batchNorm training: output, running stats, gradients', async () => {
    const x = T('bn.x', true), w = T('bn.w', true), b = T('bn.b', true);
    const rm = T('bn.rm0'), rv = T('bn.rv0');
    const y = F.batchNorm(x, rm, rv, w, b, { training: true, momentum: 0.1, eps: 1e-5 });
    await close(y, 'bn.train.y', 1e-4);
    await close(rm, 'bn.train.rm', 1e-4);
    await close(rv, 'bn.train.rv', 1e-4);
    y.backward(T('bn.g'));
    await close(x.grad!, 'bn.train.dx', 1e-3);
    await close(w.grad!, 'bn.train.dw', 1e-3);
    await close(b.grad!, 'bn.train.db', 1e-3);
  });

  it('batchNorm eval: output and gradients', async () => {
    const x = T('bn.x', true), w = T('bn.w', true), b = T('bn.b', true);
    const y = F.batchNorm(x, T('bn.rm0'), T('bn.rv0'), w, b, { training: false, eps: 1e-5 });
    await close(y, 'bn.eval.y', 1e-4);
    y.backward(T('bn.g'));
    await close(x.grad!, 'bn.eval.dx', 1e-3);
    await close(w.grad!, 'bn.eval.dw', 1e-3);
    await close(b.grad!, 'bn.eval.db', 1e-3);
  });

  const pools: Array<[string, string, (x: Tensor) => Tensor]> = [
    ['maxpool3d.s3d', 'pool3d.x', (x) => F.maxPool3d(x, { kernelSize: [1, 3, 3], stride: [1, 2, 2], padding: [0, 1, 1] })],
    ['maxpool3d.cube', 'pool3d.x', (x) => F.maxPool3d(x, { kernelSize: 3, stride: 2, padding: 1 })],
    ['avgpool3d.pad', 'pool3d.x', (x) => F.avgPool3d(x, { kernelSize: [3, 3, 2], stride: 2, padding: 1 })],
    ['adaptiveavgpool3d.1', 'pool3d.x', (x) => F.adaptiveAvgPool3d(x, 1)],
    ['adaptiveavgpool3d.odd', 'pool3d.x', (x) => F.adaptiveAvgPool3d(x, [2, 3, 4])],
    ['maxpool2d.pad', 'pool2d.x', (x) => F.maxPool2d(x, { kernelSize: 3, stride: 2, padding: 1 })],
    ['avgpool2d', 'pool2d.x', (x) => F.avgPool2d(x, { kernelSize: 2 })],
    ['adaptiveavgpool2d', 'pool2d.x', (x) => F.adaptiveAvgPool2d(x, [3, 4])],
    ['adaptivemaxpool2d', 'pool2d.x', (x) => F.adaptiveMaxPool2d(x, [3, 4])],
  ];
  for (const [name, input, fn] of pools) {
    it(`${name} forward and gradient`, async () => {
      const x = T(input, true);
      const y = fn(x);
      expect(y.shape).toEqual(fx.get(name + '.y').shape);
      await close(y, name + '.y', 1e-4);
      y.backward(T(name + '.g'));
      await close(x.grad!, name + '.dx', 1e-3);
    });
  }

  it('linear forward and gradients', async () => {
    const x = T('linear.x', true), w = T('linear.w', true), b = T('linear.b', true);
    const y = F.linear(x, w, b);
    await close(y, 'linear.y', 1e-4);
    y.backward(T('linear.g'));
    await close(x.grad!, 'linear.dx', 1e-3);
    await close(w.grad!, 'linear.dw', 1e-3);
    await close(b.grad!, 'linear.db', 1e-3);
  });

  it('crossEntropy loss and gradient', async () => {
    const x = T('ce.x', true);
    const loss = F.crossEntropy(x, Array.from(fx.get('ce.t').data as Int32Array));
    await close(loss, 'ce.loss', 1e-4);
    loss.backward();
    await close(x.grad!, 'ce.dx', 1e-3);
  });
});
