// The public `contrastive` namespace (issue 7) through the engine's Tensor API: infoNCE with backward vs the
// PyTorch MoCo fixture and float32 central differences, the cross-modal composition, queue enqueues with K
// not a multiple of B, memory-bank update + renorm and sampling vs the fixture, momentumUpdate on nn modules
// (parameters averaged, BN buffers copied) vs MoCo's update, and the checkpoint round trip.
import { describe, expect, it } from 'vitest';
import { contrastive, getDevice, nn, noGrad, optim, Tensor, F } from '../../../src/index.ts';
import { InvalidArgumentError, ShapeError } from '../../../src/errors.ts';
import { contextOf } from '../../../src/tensor/tensor.ts';
import { normalArray64, uniformArray } from '../../../src/models/rng.ts';
import { MemoryBankReference, QueueReference, infoNCEReference, l2NormalizeRows } from '../../../src/train/contrastive/reference.ts';
import { expectAllClose, maxRelToPeak } from '../../helpers/close.ts';
import { loadFixture } from '../../helpers/fixture.ts';

const unitRows32 = (n: number, d: number, seed: number, stream: number): Float32Array => Float32Array.from(l2NormalizeRows(normalArray64(n * d, { seed, stream }), d));

function check(what: string, got: ArrayLike<number>, ref: ArrayLike<number>, tol: number): void {
  const e = maxRelToPeak(got, ref);
  if (!(e <= tol)) throw new Error(`${what}: max |err| / peak = ${e} > ${tol}`);
}

describe('contrastive.infoNCE (autograd op)', () => {
  it('B=128, K=16384, D=128: loss and dq vs the PyTorch MoCo fixture, forward + backward in one submit', async () => {
    const dev = await getDevice();
    const fx = await loadFixture('contrastive/moco_loss.bin');
    const { B, K, D, tau } = fx.meta as { B: number; K: number; D: number; tau: number };
    const q = Tensor.fromArray(dev, unitRows32(B, D, 11, 0), [B, D], { requiresGrad: true });
    const k = Tensor.fromArray(dev, unitRows32(B, D, 11, 1), [B, D], { requiresGrad: true });
    const n = Tensor.fromArray(dev, unitRows32(K, D, 11, 2), [K, D]);
    const ctx = contextOf(dev);
    ctx.flush();
    const submits = ctx.submits;
    const t0 = performance.now();
    const loss = contrastive.infoNCE(q, k, n, { tau });
    expect(loss.shape).toEqual([]);
    loss.backward();
    const l = await loss.item();
    expect(ctx.submits - submits).toBe(1); // forward, backward and the loss readback: one submission
    const [dq, dk] = [await q.grad!.toArray(), await k.grad!.toArray()];
    console.log(`contrastive.infoNCE B=${B} K=${K} D=${D} fwd+bwd through the engine: ${(performance.now() - t0).toFixed(0)} ms (incl. readback); loss ${l} (torch ${fx.f64('loss')[0]})`);
    expect(Math.abs(l - fx.f64('loss')[0]) / fx.f64('loss')[0]).toBeLessThan(1e-5);
    check('dq', dq, fx.f64('dq'), 1e-4);
    check('dk', dk, fx.f64('dk'), 1e-4);
    for (const t of [q, k, n, loss]) t.dispose();
  });

  it('dOut scales the gradients; kPos without requiresGrad gets none; matches the float64 reference', async () => {
    const dev = await getDevice();
    const B = 5, K = 300, D = 7, tau = 0.2;
    const qa = unitRows32(B, D, 41, 0), ka = unitRows32(B, D, 41, 1), na = unitRows32(K, D, 41, 2);
    const ref = infoNCEReference(qa, ka, na, { B, D, tau });
    const q = Tensor.fromArray(dev, qa, [B, D], { requiresGrad: true });
    const k = Tensor.fromArray(dev, ka, [B, D]);
    const n = Tensor.fromArray(dev, na, [K, D]);
    const loss = F.mul(contrastive.infoNCE(q, k, n, { tau }), Tensor.fromArray(dev, [-2.5], []));
    loss.backward();
    expect(Math.abs((await loss.item()) + 2.5 * ref.loss) / ref.loss).toBeLessThan(1e-5);
    check('dq * -2.5', await q.grad!.toArray(), ref.dQ.map((v) => -2.5 * v), 1e-4);
    expect(k.grad).toBeNull();
  });

  it('gradients of the cross-modal loss (both directions) vs float32 central differences, B=3 K=5 D=4', async () => {
    const dev = await getDevice();
    const B = 3, K = 5, D = 4, tau = 0.5, h = 1e-2;
    const va = unitRows32(B, D, 7, 0), aa = unitRows32(B, D, 7, 1), nv = unitRows32(K, D, 7, 2), na = unitRows32(K, D, 7, 3);
    const videoNegatives = Tensor.fromArray(dev, nv, [K, D]), audioNegatives = Tensor.fromArray(dev, na, [K, D]);
    const lossAt = async (v: Float32Array, a: Float32Array): Promise<number> =>
      noGrad(() => contrastive.crossModalLoss(Tensor.fromArray(dev, v, [B, D]), Tensor.fromArray(dev, a, [B, D]), { videoNegatives, audioNegatives, tau })).item();
    const v = Tensor.fromArray(dev, va, [B, D], { requiresGrad: true }), a = Tensor.fromArray(dev, aa, [B, D], { requiresGrad: true });
    const loss = contrastive.crossModalLoss(v, a, { videoNegatives, audioNegatives, tau });
    const ref = infoNCEReference(va, aa, na, { B, D, tau }).loss + infoNCEReference(aa, va, nv, { B, D, tau }).loss;
    expect(Math.abs((await loss.item()) - ref) / ref).toBeLessThan(1e-5);
    loss.backward();
    for (const [name, base, grad] of [['dVideo', va, await v.grad!.toArray()], ['dAudio', aa, await a.grad!.toArray()]] as const) {
      const num = new Float64Array(B * D);
      for (let i = 0; i < B * D; i++) {
        const p = base.slice(), m = base.slice();
        p[i] += h;
        m[i] -= h;
        const [lp, lm] = name === 'dVideo' ? [await lossAt(p, aa), await lossAt(m, aa)] : [await lossAt(va, p), await lossAt(va, m)];
        num[i] = (lp - lm) / (2 * h);
      }
      expectAllClose(grad, num, { atol: 2e-4, rtol: 2e-3, what: name });
    }
  });

  it('typed errors for bad shapes and tau', async () => {
    const dev = await getDevice();
    const q = Tensor.zeros(dev, [2, 3]), n = Tensor.zeros(dev, [4, 3]);
    expect(() => contrastive.infoNCE(q, Tensor.zeros(dev, [2, 4]), n)).toThrow(ShapeError);
    expect(() => contrastive.infoNCE(q, q, Tensor.zeros(dev, [4, 2]))).toThrow(ShapeError);
    expect(() => contrastive.infoNCE(q, q, n, { tau: 0 })).toThrow(InvalidArgumentError);
  });
});

describe('contrastive.createQueue', () => {
  it('K=10, B=4 keys: four enqueues wrap around as the torch fixture; B > K keeps the last K', async () => {
    const dev = await getDevice();
    const fx = await loadFixture('contrastive/queue.bin');
    const queue = contrastive.createQueue(dev, { size: 10, dim: 3, seed: 11, stream: 3 });
    expectAllClose(await queue.read(), fx.f64('init_k10'), { atol: 0, rtol: 1e-7, what: 'init' });
    const keys = unitRows32(16, 3, 11, 4);
    for (let s = 0; s < 4; s++) {
      const t = Tensor.fromArray(dev, keys.slice(s * 12, s * 12 + 12), [4, 3]);
      queue.enqueue(t);
      t.dispose(); // recorded copy: disposing right away is fine
    }
    expectAllClose(await queue.read(), fx.f64('final_k10'), { atol: 0, rtol: 1e-7, what: 'after 4 enqueues' });
    expect(queue.ptr).toBe(fx.f64('ptr_k10')[0]);
    const small = contrastive.createQueue(dev, { size: 3, dim: 2, seed: 1 });
    const ref = new QueueReference({ size: 3, dim: 2, seed: 1 });
    const big = unitRows32(5, 2, 2, 0);
    small.enqueue(Tensor.fromArray(dev, big, [5, 2]));
    ref.enqueue(big);
    expect(Array.from(await small.read())).toEqual(Array.from(Float32Array.from(ref.keys)));
    expect(small.ptr).toBe(ref.ptr);
    expect(() => small.enqueue(Tensor.zeros(dev, [2, 3]))).toThrow(ShapeError);
  });
});

describe('contrastive.createMemoryBank', () => {
  it('init, sample and update + renorm vs the lemniscate fixture (split over 8 buffers); infoNCE on its draws', async () => {
    const dev = await getDevice();
    const fx = await loadFixture('contrastive/bank.bin');
    const m = fx.meta as { N: number; D: number; momentum: number; indices: number[]; K: number; sample_seed: number };
    const bank = contrastive.createMemoryBank(dev, { size: m.N, dim: m.D, momentum: m.momentum, seed: 11, stream: 5, maxRowsPerBuffer: 7 });
    expectAllClose(await bank.read(), fx.f64('init'), { atol: 0, rtol: 1e-7, what: 'init' });
    const negs = bank.sample(m.indices, m.K, { seed: m.sample_seed });
    expect(Array.from(await negs.indices())).toEqual(Array.from(fx.get('sample_idx').data as Int32Array));
    negs.dispose();
    const feats = unitRows32(4, m.D, 11, 6);
    bank.update(m.indices, Tensor.fromArray(dev, feats, [4, m.D]));
    expectAllClose(await bank.read(), fx.f64('updated'), { atol: 1e-7, rtol: 1e-6, what: 'after update' });
    expect(() => bank.update([1, 1], Tensor.zeros(dev, [2, m.D]))).toThrow(InvalidArgumentError);
    expect(() => bank.update([1, 2], Tensor.zeros(dev, [3, m.D]))).toThrow(ShapeError);
    bank.dispose();

    // infoNCE with per-sample negatives read from a 3-buffer bank vs the reference on the same draws
    const N = 97, D = 8, K = 40, B = 3, tau = 0.1;
    const b2 = contrastive.createMemoryBank(dev, { size: N, dim: D, momentum: 0.5, seed: 3, maxRowsPerBuffer: 40 });
    const ref = new MemoryBankReference({ size: N, dim: D, momentum: 0.5, seed: 3, stream: 0 });
    const idx = [5, 60, 96];
    const s = b2.sample(idx, K, { seed: 8 });
    const sel = await s.indices();
    expect(Array.from(sel)).toEqual(Array.from(ref.sampleIndices(idx, K, { seed: 8 })));
    const qa = unitRows32(B, D, 4, 0), ka = unitRows32(B, D, 4, 1);
    const q = Tensor.fromArray(dev, qa, [B, D], { requiresGrad: true });
    const loss = contrastive.infoNCE(q, Tensor.fromArray(dev, ka, [B, D]), s, { tau });
    loss.backward();
    const r = infoNCEReference(qa, ka, Float32Array.from(ref.gather(sel)), { B, D, tau, perSample: true });
    expect(Math.abs((await loss.item()) - r.loss) / r.loss).toBeLessThan(1e-5);
    check('dq (bank negatives)', await q.grad!.toArray(), r.dQ, 1e-4);
    s.dispose();
    b2.dispose();
  });
});

describe('contrastive.momentumUpdate', () => {
  it('Linear-BN-ReLU-Linear nn modules: parameters as MoCo (float32, m=0.999), BN running stats copied', async () => {
    const dev = await getDevice();
    const fx = await loadFixture('contrastive/momentum.bin');
    const names = (fx.meta as { names: string[] }).names; // torch state_dict order
    const make = () => {
      const l0 = new nn.Linear(dev, 5, 4), bn = new nn.BatchNorm(dev, 4), l3 = new nn.Linear(dev, 4, 3);
      const byName: Record<string, Tensor> = { '0.weight': l0.weight, '0.bias': l0.bias!, '1.weight': bn.weight!, '1.bias': bn.bias!, '1.running_mean': bn.runningMean, '1.running_var': bn.runningVar, '3.weight': l3.weight, '3.bias': l3.bias! };
      const model = { parameters: () => [...l0.parameters(), ...bn.parameters(), ...l3.parameters()], buffers: () => [bn.runningMean, bn.runningVar] };
      return { model, byName, bn };
    };
    const q = make(), k = make();
    const ctx = contextOf(dev);
    names.forEach((name, j) => {
      if (!(name in q.byName)) return; // num_batches_tracked: our BatchNorm has none
      const n = q.byName[name].size;
      ctx.upload(q.byName[name].buffer, uniformArray(n, { seed: 12, stream: j }));
      ctx.upload(k.byName[name].buffer, uniformArray(n, { seed: 13, stream: j }));
    });
    contrastive.momentumUpdate(k.model, q.model, (fx.meta as { m: number }).m);
    for (const name of Object.keys(k.byName)) expectAllClose(await k.byName[name].toArray(), fx.f64(`key/${name}`), { atol: 1e-7, rtol: 1e-6, what: name });
    // an nn module directly (its buffers live in the module's map): running stats copied
    const bq = q.bn, bk = k.bn;
    ctx.upload(bq.runningVar.buffer, Float32Array.from([1, 2, 3, 4]));
    contrastive.momentumUpdate(bk, bq, 0.5);
    expect(Array.from(await bk.runningVar.toArray())).toEqual([1, 2, 3, 4]);
    expect(() => contrastive.momentumUpdate(bk, new nn.BatchNorm(dev, 5), 0.5)).toThrow(ShapeError);
    expect(() => contrastive.momentumUpdate(bk, bq, 1.5)).toThrow(InvalidArgumentError);
  });
});

describe('contrastive.saveState / loadState', () => {
  it('queue (keys + pointer) and bank round trip into fresh objects', async () => {
    const dev = await getDevice();
    const q1 = contrastive.createQueue(dev, { size: 10, dim: 3, seed: 1 });
    const b1 = contrastive.createMemoryBank(dev, { size: 23, dim: 4, momentum: 0.5, seed: 2, maxRowsPerBuffer: 10 });
    q1.enqueue(Tensor.fromArray(dev, unitRows32(7, 3, 3, 0), [7, 3]));
    b1.update([4, 22], Tensor.fromArray(dev, unitRows32(2, 4, 3, 1), [2, 4]));
    const bytes = await contrastive.saveState({ queue: q1, banks: { audio: b1 } });
    const q2 = contrastive.createQueue(dev, { size: 10, dim: 3, seed: 9 });
    const b2 = contrastive.createMemoryBank(dev, { size: 23, dim: 4, momentum: 0.5, seed: 9, maxRowsPerBuffer: 10 });
    contrastive.loadState({ queue: q2, banks: { audio: b2 } }, bytes);
    expect(Array.from(await q2.read())).toEqual(Array.from(await q1.read()));
    expect(q2.ptr).toBe(7);
    expect(Array.from(await b2.read())).toEqual(Array.from(await b1.read()));
    const q3 = contrastive.createQueue(dev, { size: 11, dim: 3, seed: 9 });
    expect(() => contrastive.loadState({ queue: q3 }, bytes)).toThrow(/queue.keys/);
    for (const x of [q1, q2, q3, b1, b2]) x.dispose();
  });
});

describe('a MoCo step composed from the public API', () => {
  it('query/key Linear encoders: loss vs the float64 reference, one submit for forward + backward + SGD step, then momentum + enqueue', async () => {
    const dev = await getDevice();
    const ctx = contextOf(dev);
    const B = 6, Din = 5, D = 4, K = 11, tau = 0.2, m = 0.9, lr = 0.5;
    const encQ = new nn.Linear(dev, Din, D, { seed: 1 }), encK = new nn.Linear(dev, Din, D, { seed: 2 });
    contrastive.momentumUpdate(encK, encQ, 0); // MoCo initialises the key encoder as a copy
    const queue = contrastive.createQueue(dev, { size: K, dim: D, seed: 5 });
    const xa = Float32Array.from(normalArray64(B * Din, { seed: 9, stream: 0 })), xb = Float32Array.from(normalArray64(B * Din, { seed: 9, stream: 1 }));
    const x = Tensor.fromArray(dev, xa, [B, Din]), xAug = Tensor.fromArray(dev, xb, [B, Din]);
    const [W, bias, keys0] = [await encQ.weight.toArray(), await encQ.bias!.toArray(), await queue.read()];
    const opt = new optim.SGD(encQ.parameters(), { lr });
    ctx.flush();
    const s0 = ctx.submits;
    const q = F.normalize(encQ.forward(x), { dim: 1 });
    const k = noGrad(() => F.normalize(encK.forward(xAug), { dim: 1 }));
    const loss = contrastive.infoNCE(q, k, queue.keys, { tau });
    loss.backward();
    opt.step();
    expect(ctx.submits - s0).toBe(1); // forward, backward and the SGD update: one submission
    contrastive.momentumUpdate(encK, encQ, m);
    queue.enqueue(k);
    // float64 reference of the forward (both encoders start equal)
    const feats = (xs: Float32Array): Float64Array => {
      const f = new Float64Array(B * D);
      for (let i = 0; i < B; i++) for (let o = 0; o < D; o++) {
        let v = bias[o];
        for (let j = 0; j < Din; j++) v += xs[i * Din + j] * W[o * Din + j];
        f[i * D + o] = v;
      }
      return l2NormalizeRows(f, D);
    };
    const ref = infoNCEReference(feats(xa), feats(xb), keys0, { B, D, tau });
    expect(Math.abs((await loss.item()) - ref.loss) / ref.loss).toBeLessThan(1e-5);
    // key encoder = m * old (= query's old) + (1 - m) * query's new; the queue's rows 0..B-1 are k
    const [Wq, Wk] = [await encQ.weight.toArray(), await encK.weight.toArray()];
    expectAllClose(Wk, Array.from(W, (w, i) => m * w + (1 - m) * Wq[i]), { atol: 1e-7, rtol: 1e-6, what: 'key weight' });
    expect(Wq.some((w, i) => w !== W[i])).toBe(true);
    expect(Array.from((await queue.read()).subarray(0, B * D))).toEqual(Array.from(await k.toArray()));
    expect(queue.ptr).toBe(B);
  });
});
