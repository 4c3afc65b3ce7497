// 5 steps of torch.optim.SGD (momentum 0.9, weight decay 1e-5) on a small conv net, every parameter
// and the batch-norm running stats compared with PyTorch after each step (test/fixtures/gen/engine_ops.py).
import { describe, expect, it } from 'vitest';
import { F, optim, Tensor, tidy, lrAt, InvalidArgumentError } from '../../src/index.ts';
import { contextFor } from '../../src/gpu/context.ts';
import { loadFixture } from '../helpers/fixture.ts';
import { maxRelToPeak } from '../helpers/close.ts';
import { dev } from '../ops/util.ts';

const NAMES = ['conv1.w', 'conv1.b', 'bn.w', 'bn.b', 'conv2.w', 'conv2.b', 'fc.w', 'fc.b'];

describe('optim.SGD', () => {
  it('matches torch.optim.SGD over 5 steps of a conv net, every parameter after every step', async () => {
    const fx = await loadFixture('engine/sgd.bin');
    const d = await dev();
    const P: Record<string, Tensor> = {};
    for (const n of NAMES) P[n] = Tensor.fromArray(d, fx.f32(`init.${n}`), fx.get(`init.${n}`).shape, { requiresGrad: true });
    const x = Tensor.fromArray(d, fx.f32('x'), fx.get('x').shape);
    const y = Array.from(fx.get('y').data as Int32Array);
    const rm = Tensor.zeros(d, [4]);
    const rv = Tensor.ones(d, [4]);
    const opt = new optim.SGD(NAMES.map((n) => P[n]), { lr: 0.05, momentum: 0.9, weightDecay: 1e-5 });
    const losses = fx.f64('losses');
    const ctx = contextFor(d.gpu);
    let poolAfterFirst = 0;
    for (let step = 0; step < 5; step++) {
      opt.zeroGrad();
      const submitsBefore = ctx.submits;
      const loss = tidy(() => {
        let h = F.conv3d(x, P['conv1.w'], P['conv1.b'], { stride: [1, 2, 2], padding: [0, 1, 1] });
        h = F.batchNorm(h, rm, rv, P['bn.w'], P['bn.b'], { training: true, momentum: 0.1, eps: 1e-5 });
        h = F.relu(h);
        h = F.conv3d(h, P['conv2.w'], P['conv2.b'], { padding: [1, 0, 0] });
        h = F.adaptiveAvgPool3d(h, 1);
        const logits = F.linear(F.sum(h, { dim: [2, 3, 4] }), P['fc.w'], P['fc.b']);
        const l = F.crossEntropy(logits, y);
        l.backward();
        return l;
      });
      opt.step();
      // forward + backward + update went to the GPU as one submission
      expect(ctx.submits - submitsBefore).toBe(1);
      expect(Math.abs((await loss.item()) - losses[step])).toBeLessThan(1e-4 * Math.max(1, Math.abs(losses[step])));
      loss.dispose();
      for (const n of NAMES) {
        const err = maxRelToPeak(await P[n].toArray(), fx.f64(`step${step}.${n}`));
        if (!(err < 1e-4)) throw new Error(`step ${step} ${n}: error relative to peak ${err}`);
      }
      expect(maxRelToPeak(await rm.toArray(), fx.f64(`step${step}.bn.rm`))).toBeLessThan(1e-4);
      expect(maxRelToPeak(await rv.toArray(), fx.f64(`step${step}.bn.rv`))).toBeLessThan(1e-4);
      // GPU memory stays flat: after the first step the pool stops growing
      if (step === 1) poolAfterFirst = ctx.pool.allocatedBytes;
      if (step > 1) expect(ctx.pool.allocatedBytes).toBe(poolAfterFirst);
    }
    opt.dispose();
  });

  it('nesterov / dampening / weight decay follow torch on a quadratic (closed-form CPU replay)', async () => {
    const d = await dev();
    for (const o of [{ momentum: 0.9, nesterov: true, weightDecay: 0.1 }, { momentum: 0.5, dampening: 0.3 }, { momentum: 0 , weightDecay: 0.01 }]) {
      const p0 = [0.5, -1.5, 2];
      const p = Tensor.fromArray(d, p0, [3], { requiresGrad: true });
      const opt = new optim.SGD([p], { lr: 0.1, ...o });
      // CPU replay of torch/optim/sgd.py in float64, loss = sum(p^2 * c)
      const c = [1, 2, 3];
      const ref = [...p0];
      const buf = [0, 0, 0];
      for (let s = 0; s < 4; s++) {
        opt.zeroGrad();
        tidy(() => F.sum(F.mul(F.mul(p, p), Tensor.fromArray(d, c, [3]))).backward());
        opt.step();
        for (let i = 0; i < 3; i++) {
          let g = 2 * c[i] * ref[i] + (o.weightDecay ?? 0) * ref[i];
          if (o.momentum) {
            buf[i] = s === 0 ? g : o.momentum * buf[i] + (1 - (o.dampening ?? 0)) * g;
            g = o.nesterov ? g + o.momentum * buf[i] : buf[i];
          }
          ref[i] -= 0.1 * g;
        }
      }
      expect(maxRelToPeak(await p.toArray(), ref)).toBeLessThan(1e-5);
      opt.dispose();
    }
  });

  it('rejects nesterov without momentum, as torch', async () => {
    const d = await dev();
    expect(() => new optim.SGD([Tensor.zeros(d, [1])], { lr: 0.1, nesterov: true })).toThrow(InvalidArgumentError);
  });
});

describe('lr schedules', () => {
  it('linear warm-up then cosine, and step decay', () => {
    const o = { baseLr: 0.1, warmupSteps: 10, totalSteps: 110 };
    expect(lrAt(0, o)).toBeCloseTo(0.01, 12);
    expect(lrAt(9, o)).toBeCloseTo(0.1, 12);
    expect(lrAt(10, o)).toBeCloseTo(0.1, 12);
    expect(lrAt(60, o)).toBeCloseTo(0.05, 12);
    expect(lrAt(110, o)).toBeCloseTo(0, 12);
    const s = { baseLr: 1, warmupSteps: 2, decay: 'step' as const, stepSize: 3, gamma: 0.5 };
    expect([2, 4, 5, 8].map((t) => lrAt(t, s))).toEqual([1, 1, 0.5, 0.25]);
  });
});
