// sscl.crossModalRetrieval and sscl.linearProbe against PyTorch float64 (test/fixtures/sscl/eval.bin, from
// test/fixtures/gen/sscl_steps.py): recall@1/5/10 and median rank in both directions on correlated random
// embeddings with a tie; the probe's weights, bias, loss and accuracies after 200 steps of full-batch GD.
// Plus sscl.embed on a tiny dataset (shape, unit rows, running stats restored in 'batch' mode) and typed
// errors for bad input.
import { describe, expect, it } from 'vitest';
import { getDevice, sscl } from '../../src/index.ts';
import { InvalidArgumentError } from '../../src/errors.ts';
import { loadFixture } from '../helpers/fixture.ts';
import { expectAllClose } from '../helpers/close.ts';
import { thrown } from '../helpers/errors.ts';
import { fixtureDataset, LinearEncoder } from '../helpers/sscl_linear.ts';
import { mixSeed } from '../../src/data/rng.ts';
import { F, nn, Tensor } from '../../src/index.ts';
import type { SsclEncoder } from '../../src/train/sscl/index.ts';

describe('sscl evaluation vs PyTorch', () => {
  it('crossModalRetrieval: recall@1/5/10 and median rank, both directions, ties against the partner', async () => {
    const fx = await loadFixture('sscl/eval.bin');
    const d = fx.meta.d as number;
    const r = sscl.crossModalRetrieval(fx.f32('v'), fx.f32('a'), { dim: d });
    const got = (x: sscl.Recall): number[] => [x.r1, x.r5, x.r10, x.medianRank];
    expect(got(r.videoToAudio)).toEqual(Array.from(fx.f64('recall_v2a')));
    expect(got(r.audioToVideo)).toEqual(Array.from(fx.f64('recall_a2v')));
    expect(r.n).toBe(37);
    expect(r.chance.r1).toBeCloseTo(1 / 37, 12);
    expect(thrown(() => sscl.crossModalRetrieval(fx.f32('v'), fx.f32('a').subarray(8), { dim: d }), InvalidArgumentError).message).toMatch(/pair up/);
    const bad = fx.f32('a');
    bad[3] = NaN;
    expect(thrown(() => sscl.crossModalRetrieval(fx.f32('v'), bad, { dim: d }), InvalidArgumentError).message).toMatch(/audioEmb\[3\] is NaN/);
    // viewRetrieval ranks rows of the second view for each row of the first: the torch-checked v->a numbers
    const vr = sscl.viewRetrieval(fx.f32('v'), fx.f32('a'), { dim: d });
    expect([vr.r1, vr.r5, vr.r10, vr.medianRank]).toEqual(Array.from(fx.f64('recall_v2a')));
    expect([vr.n, vr.chance.r10]).toEqual([37, 10 / 37]);
  });

  it('linearProbe: weights, bias, loss and accuracies equal torch float64', async () => {
    const fx = await loadFixture('sscl/eval.bin');
    const { d, classes, steps, lr, weightDecay } = fx.meta as { d: number; classes: number; steps: number; lr: number; weightDecay: number };
    const x = fx.f32('probe_x'), y = fx.get('probe_y').data as Int32Array;
    const pick = (par: number): sscl.ProbeSplit => {
      const rows = Array.from({ length: y.length }, (_, i) => i).filter((i) => i % 2 === par);
      const xs = new Float32Array(rows.length * d);
      rows.forEach((r, k) => xs.set(x.subarray(r * d, (r + 1) * d), k * d));
      return { x: xs, y: rows.map((r) => y[r]) };
    };
    const p = sscl.linearProbe(pick(0), pick(1), { dim: d, classes, steps, lr, weightDecay, standardize: false });
    expectAllClose(p.weights, fx.f64('probe_W'), { atol: 1e-10, rtol: 1e-8, what: 'probe W' });
    expectAllClose(p.bias, fx.f64('probe_b'), { atol: 1e-10, rtol: 1e-8, what: 'probe b' });
    expect(Math.abs(p.loss - fx.f64('probe_loss')[0])).toBeLessThan(1e-10);
    expect([p.trainAccuracy, p.accuracy]).toEqual(Array.from(fx.f64('probe_acc')));
    // standardize (default): the same as the unstandardised probe on features standardised by hand
    const tr = pick(0), te = pick(1);
    const n = tr.y.length, mean = new Float64Array(d), sd = new Float64Array(d);
    for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) mean[k] += tr.x[i * d + k] / n;
    for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) sd[k] += (tr.x[i * d + k] - mean[k]) ** 2 / n;
    const z = (x: ArrayLike<number>): Float64Array => Float64Array.from({ length: x.length }, (_, j) => (x[j] - mean[j % d]) / Math.sqrt(sd[j % d]));
    const ps = sscl.linearProbe(tr, te, { dim: d, classes, steps, lr, weightDecay });
    const ph = sscl.linearProbe({ x: z(tr.x), y: tr.y }, { x: z(te.x), y: te.y }, { dim: d, classes, steps, lr, weightDecay, standardize: false });
    expectAllClose(ps.weights, ph.weights, { atol: 1e-12, rtol: 1e-9, what: 'standardised probe W' });
    expect(ps.accuracy).toBe(ph.accuracy);
    expect(thrown(() => sscl.linearProbe(pick(0), { x: new Float32Array(3), y: [0] }, { dim: d }), InvalidArgumentError).message).toMatch(/n x 8/);
    expect(thrown(() => sscl.linearProbe(pick(0), { ...pick(1), y: Array.from(pick(1).y, () => 9) }, { dim: d, classes }), InvalidArgumentError).message).toMatch(/label 9/);
  });

  it('embed: unit rows for every item; train-mode BN evaluation restores the running stats', async () => {
    const dev = await getDevice();
    const ds = fixtureDataset(dev, 1);
    const seed0 = mixSeed(3, 0, 1); // the fixture dataset serves (step 0, view 0) for this seed
    const wrapped: sscl.SsclDataset = { length: 6, batch: (idx, o) => ds.batch([0, 1, 2, 3, 4, 5], { ...o, seed: seed0 }).then((b) => ({ ...b, video: b.video, audio: b.audio, dispose: b.dispose })) };
    const enc = LinearEncoder.create(dev, 0);
    const e = await sscl.embed(enc, wrapped, { modality: 'video', batchSize: 6, device: dev });
    expect([e.n, e.dim, e.embeddings.length]).toEqual([6, 4, 24]);
    for (let i = 0; i < 6; i++) expect(Math.hypot(...e.embeddings.subarray(i * 4, i * 4 + 4))).toBeCloseTo(1, 5);
    // a model with BN: 'batch' mode must leave running stats as they were
    const bn = new nn.BatchNorm(dev, 5);
    const withBn: SsclEncoder & { training: boolean } = {
      training: true,
      forward: (x: Tensor) => F.normalize(bn.forward(x), { dim: 1 }),
      parameters: () => bn.parameters(),
      buffers: () => [bn.runningMean, bn.runningVar],
      train(m = true) { this.training = m; bn.train(m); },
      eval() { this.training = false; bn.eval(); },
    };
    const before = [...(await bn.runningMean.toArray()), ...(await bn.runningVar.toArray())];
    await sscl.embed(withBn, wrapped, { modality: 'video', batchSize: 6, bn: 'batch', device: dev });
    expect([...(await bn.runningMean.toArray()), ...(await bn.runningVar.toArray())]).toEqual(before);
    expect(withBn.training).toBe(true);
    await expect(sscl.embed(enc, wrapped, { modality: 'x' as 'video' })).rejects.toThrow(InvalidArgumentError);
    await expect(sscl.embed(enc, wrapped, { modality: 'video', batchSize: 3, device: dev })).rejects.toThrow(/returned \[6,4\] for a batch of 3/);
    enc.dispose();
  });

  it('embed augmentSeed: the dataset is asked for that augmented view; default clean; bad seeds rejected', async () => {
    const dev = await getDevice();
    const ds = fixtureDataset(dev, 1);
    const asked: Array<{ augment?: boolean; seed?: number }> = [];
    const seed0 = mixSeed(3, 0, 1); // the fixture dataset serves (step 0, view 0) for this seed
    const spy: sscl.SsclDataset = { length: 6, batch: (idx, o) => { asked.push({ augment: o.augment, seed: o.seed }); return ds.batch([0, 1, 2, 3, 4, 5], { ...o, seed: seed0 }); } };
    const enc = LinearEncoder.create(dev, 0);
    await sscl.embed(enc, spy, { modality: 'video', batchSize: 6, device: dev, augmentSeed: 7 });
    await sscl.embed(enc, spy, { modality: 'video', batchSize: 6, device: dev });
    expect(asked).toEqual([{ augment: true, seed: 7 }, { augment: false, seed: 0 }]);
    for (const bad of [-1, 0.5, NaN]) await expect(sscl.embed(enc, spy, { modality: 'video', device: dev, augmentSeed: bad })).rejects.toThrow(/augmentSeed/);
    enc.dispose();
  });
});
