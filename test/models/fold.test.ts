// Eval-mode conv + BN (+ ReLU) folding (src/models/fold.ts): the fused forward (noGrad, eval) agrees with
// the separate ops (eval with gradients recorded), uses fewer dispatches, and its cache is invalidated by
// everything that can change a folded value (optimizer step, train-mode forward, loadState, upload).
import { describe, expect, it } from 'vitest';
import { createModel, getDevice, noGrad, optim, Tensor, tidy } from '../../src/index.ts';
import { contextFor } from '../../src/gpu/context.ts';
import { uniformArray } from '../../src/models/rng.ts';
import type { EncoderModel } from '../../src/models/encoder.ts';
import { maxRelToPeak } from '../helpers/close.ts';

type Dev = Awaited<ReturnType<typeof getDevice>>;

/** [fused output, separate-ops output, dispatches of each]. */
async function both(device: Dev, m: EncoderModel, x: Tensor): Promise<{ fused: Float32Array; plain: Float32Array; dFused: number; dPlain: number }> {
  const ctx = contextFor(device.gpu);
  const d0 = ctx.dispatches;
  const fused = await noGrad(() => m.forward(x, { head: true })).toArray();
  const d1 = ctx.dispatches;
  const y = m.forward(x, { head: true }); // grad enabled and parameters require grad: not fused
  const d2 = ctx.dispatches;
  const plain = await y.toArray();
  tidy(() => y.backward(new Float32Array(y.size).fill(0))); // release the graph (adds zero gradients)
  return { fused, plain, dFused: d1 - d0, dPlain: d2 - d1 };
}

describe('eval BN folded into the conv epilogue', () => {
  for (const [arch, shape] of [['audio-resnet10', [3, 1, 40, 36]], ['s3d', [2, 3, 8, 32, 32]]] as const) {
    it(`${arch} tiny: fused == separate ops, fewer dispatches, cache invalidated by every write`, async () => {
      const device = await getDevice();
      const m = await createModel(arch, { preset: 'tiny', device, seed: 3, init: 'test' });
      const n = (shape as readonly number[]).reduce((a, b) => a * b, 1);
      const x = Tensor.fromArray(device, uniformArray(n, { seed: 2, stream: 0 }), [...shape]);
      const check = async (what: string) => {
        const r = await both(device, m, x);
        expect(maxRelToPeak(r.fused, r.plain), what).toBeLessThan(1e-5);
        expect(r.dFused, what).toBeLessThan(r.dPlain);
        return r.fused;
      };
      m.eval();
      const y0 = await check('initial');
      // train-mode forward: running stats move
      m.train();
      tidy(() => { m.forward(x); });
      m.eval();
      const y1 = await check('after a train-mode forward');
      expect(maxRelToPeak(y1, y0)).toBeGreaterThan(1e-4);
      // optimizer step in eval mode (gamma/beta move, running stats do not)
      const opt = new optim.SGD(m.parameters(), { lr: 0.5 });
      tidy(() => m.forward(x, { head: true }).backward(new Float32Array(shape[0] * 128).fill(1)));
      opt.step();
      opt.zeroGrad();
      const y2 = await check('after an SGD step in eval mode');
      expect(maxRelToPeak(y2, y1)).toBeGreaterThan(1e-4);
      // loadState of another model's state
      const other = await createModel(arch, { preset: 'tiny', device, seed: 9, init: 'test' });
      m.loadState(await other.saveState());
      const y3 = await check('after loadState');
      expect(maxRelToPeak(y3, y2)).toBeGreaterThan(1e-4);
      // a direct upload into one running_var
      const names = m.spec.state.filter((e) => !e.trainable && e.dtype !== 'I64').map((e) => e.name);
      expect(names[1]).toMatch(/running_var$/);
      const rv = m.buffers()[1];
      contextFor(device.gpu).upload(rv.buffer, new Float32Array(rv.size).fill(4));
      const y4 = await check('after an upload into a running_var');
      expect(maxRelToPeak(y4, y3)).toBeGreaterThan(1e-6);
      // the cache survives a tidy() around the forward (its tensors are not the scope's)
      const a = await tidy(() => noGrad(() => m.forward(x, { head: true }))).toArray();
      const b = await tidy(() => noGrad(() => m.forward(x, { head: true }))).toArray();
      expect(Array.from(b)).toEqual(Array.from(a));
      other.dispose();
      m.dispose();
    }, 600_000);
  }

  it('eval forward with an input that requires grad is not fused and backpropagates', async () => {
    const device = await getDevice();
    const m = (await createModel('audio-resnet10', { preset: 'tiny', device, seed: 4 })).eval();
    for (const p of m.parameters()) p.requiresGrad = false;
    const x = Tensor.fromArray(device, uniformArray(2 * 40 * 36, { seed: 5, stream: 0 }), [2, 1, 40, 36], { requiresGrad: true });
    tidy(() => m.forward(x).backward(new Float32Array(2 * 64).fill(1)));
    const g = await x.grad!.toArray();
    expect(g.some((v) => v !== 0) && g.every(Number.isFinite)).toBe(true);
    // no parameter requires grad and x does not: fused even with gradients enabled
    const z = Tensor.fromArray(device, uniformArray(2 * 40 * 36, { seed: 5, stream: 0 }), [2, 1, 40, 36]);
    const ctx = contextFor(device.gpu);
    const d0 = ctx.dispatches;
    const y0 = m.forward(z); // first fused call computes the folds (2 dispatches per BN)
    const d1 = ctx.dispatches;
    const y = m.forward(z); // cached folds
    const d2 = ctx.dispatches;
    const yf = await y.toArray();
    expect(Array.from(await y0.toArray())).toEqual(Array.from(yf));
    // ResNet-10: stem conv, maxpool, 4 blocks of (conv1, conv2 with add + ReLU) + 3 downsample convs, mean = 14
    expect(d2 - d1).toBe(14);
    expect(d1 - d0).toBe(14 + 2 * 12);
    const yn = await tidy(() => m.forward(x)).toArray(); // x requires grad: separate ops
    expect(maxRelToPeak(yf, yn)).toBeLessThan(1e-5);
    m.dispose();
  }, 300_000);
});
