import { describe, expect, it } from 'vitest';
import { F, nn, optim, Tensor, tidy } from '../../src/index.ts';
import { expectAllClose } from '../helpers/close.ts';
import { dev, rand } from '../ops/util.ts';

describe('nn modules', () => {
  it('Conv3d / BatchNorm / Linear forward equal the functional ops with the same parameters; init follows torch bounds', async () => {
    const d = await dev();
    const conv = new nn.Conv3d(d, 3, 4, [1, 3, 3], { stride: [1, 2, 2], padding: [0, 1, 1], seed: 7 });
    const bn = new nn.BatchNorm(d, 4);
    const fc = new nn.Linear(d, 4, 5, { seed: 3 });
    expect(conv.parameters()).toHaveLength(2);
    expect(bn.parameters()).toHaveLength(2);
    const w = await conv.weight.toArray();
    const bound = 1 / Math.sqrt(3 * 9);
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.8 * bound);
    const x = Tensor.fromArray(d, rand(2 * 3 * 2 * 7 * 7, 1), [2, 3, 2, 7, 7]);
    const h = conv.forward(x);
    expectAllClose(await h.toArray(), await F.conv3d(x, conv.weight, conv.bias, { stride: [1, 2, 2], padding: [0, 1, 1] }).toArray(), { atol: 0, rtol: 0 });
    const hb = bn.forward(h);
    const rm = await bn.runningMean.toArray();
    expect(rm.some((v) => v !== 0)).toBe(true); // training mode updated the running mean
    bn.eval();
    const before = await bn.runningMean.toArray();
    bn.forward(h);
    expectAllClose(await bn.runningMean.toArray(), before, { atol: 0, rtol: 0 }); // eval leaves it alone
    const pooled = F.mean(hb, { dim: [2, 3, 4] });
    const y = fc.forward(pooled);
    expectAllClose(await y.toArray(), await F.linear(pooled, fc.weight, fc.bias).toArray(), { atol: 0, rtol: 0 });
  });

  it('a tiny conv net overfits one batch with optim.SGD (loss falls by > 5x in 30 steps)', async () => {
    const d = await dev();
    const conv = new nn.Conv3d(d, 2, 6, [1, 3, 3], { padding: [0, 1, 1], seed: 1 });
    const bn = new nn.BatchNorm(d, 6);
    const fc = new nn.Linear(d, 6, 3, { seed: 2 });
    const params = [...conv.parameters(), ...bn.parameters(), ...fc.parameters()];
    const opt = new optim.SGD(params, { lr: 0.5, momentum: 0.9 });
    const x = Tensor.fromArray(d, rand(6 * 2 * 2 * 5 * 5, 9), [6, 2, 2, 5, 5]);
    const target = [0, 1, 2, 0, 1, 2];
    const losses: number[] = [];
    for (let step = 0; step < 30; step++) {
      opt.zeroGrad();
      const loss = tidy(() => {
        const h = F.relu(bn.forward(conv.forward(x)));
        const l = F.crossEntropy(fc.forward(F.mean(h, { dim: [2, 3, 4] })), target);
        l.backward();
        return l;
      });
      opt.step();
      losses.push(await loss.item());
      loss.dispose();
    }
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[29]).toBeLessThan(losses[0] / 5);
    opt.dispose();
  });
});
