// batchNegatives: the other clips' keys of the current batch join the queue as negatives (the positive's own
// key among them too), so the loss cannot fall by telling this step's fresh keys from stale queue rows.
// Checked on the linear fixture encoders (test/helpers/sscl_linear.ts) against a float64 recomputation from
// the state read before each step: q and k from the parameters and the batch, negatives [k; queue], the
// contrastive core's float64 infoNCE reference. Self-instance (video teacher, steps 0-2) and transfer
// (video teacher -> audio student, steps 3-5).
import { describe, expect, it } from 'vitest';
import { getDevice, sscl } from '../../src/index.ts';
import { mixSeed } from '../../src/data/rng.ts';
import { infoNCEReference } from '../../src/train/contrastive/reference.ts';
import { SETUP, fixtureDataset, fixtureOptions, linearEncoders, type LinearEncoder } from '../helpers/sscl_linear.ts';

const f64 = async (t: { toArray(): Promise<Float32Array> }): Promise<Float64Array> => Float64Array.from(await t.toArray());

/** normalize(x W^T + b) in float64, (B, D) row-major. */
async function embed64(enc: LinearEncoder, x: Float64Array, B: number, DIN: number): Promise<Float64Array> {
  const W = await f64(enc.W), b = await f64(enc.b), D = SETUP.D;
  const out = new Float64Array(B * D);
  for (let r = 0; r < B; r++) {
    let n = 0;
    for (let d = 0; d < D; d++) {
      let s = b[d];
      for (let i = 0; i < DIN; i++) s += x[r * DIN + i] * W[d * DIN + i];
      out[r * D + d] = s;
      n += s * s;
    }
    n = Math.max(Math.sqrt(n), 1e-12);
    for (let d = 0; d < D; d++) out[r * D + d] /= n;
  }
  return out;
}

describe('sscl batchNegatives', () => {
  it('loss = infoNCE with negatives [batch keys; queue], self-instance and transfer, vs float64', async () => {
    const dev = await getDevice();
    const { B, D, DIN, seed, tau } = SETUP;
    const enc = linearEncoders(dev);
    const ds = fixtureDataset(dev, 12);
    const trainer = await sscl.createTrainer({ ...fixtureOptions(dev, 'A', enc, ds), stages: 1, batchNegatives: true });
    expect(trainer.options.batchNegatives).toBe(true);
    let worst = 0, gapToQueueOnly = Infinity;
    for (let step = 0; step < 6; step++) {
      const self = step < 3; // stage 1: video self-instance, then video -> audio transfer
      const views = [];
      for (let v = 0; v < (self ? 2 : 1); v++) views.push(await ds.batch(Array.from({ length: B }, (_, i) => i), { seed: mixSeed(seed, step, v + 1) }));
      const xv0 = await f64(views[0].video), xa0 = await f64(views[0].audio);
      const kIn = self ? await f64(views[1].video) : xv0;
      const q = self ? await embed64(trainer.encoder('video') as LinearEncoder, xv0, B, DIN[0]) : await embed64(trainer.encoder('audio') as LinearEncoder, xa0, B, DIN[1]);
      const k = await embed64(trainer.encoder('video', 'key') as LinearEncoder, kIn, B, DIN[0]);
      const queue = await f64(trainer.state.queues.video.keys);
      views.forEach((b) => b.dispose());
      const negs = new Float64Array(k.length + queue.length);
      negs.set(k);
      negs.set(queue, k.length);
      const ref = infoNCEReference(q, k, negs, { B, D, tau }).loss;
      const queueOnly = infoNCEReference(q, k, queue, { B, D, tau }).loss;
      let got = NaN;
      for await (const e of trainer.run({ steps: 1 })) {
        expect(e.phase).toBe(self ? 'self-instance' : 'transfer');
        got = e.loss;
      }
      const rel = Math.abs(got - ref) / Math.abs(ref);
      worst = Math.max(worst, rel);
      gapToQueueOnly = Math.min(gapToQueueOnly, Math.abs(got - queueOnly));
      if (!(rel <= 1e-5)) throw new Error(`step ${step}: loss ${got} vs float64 ${ref} (queue only: ${queueOnly})`);
    }
    console.log(`sscl batchNegatives: 6 steps, worst loss error ${worst.toExponential(2)}, smallest gap to the queue-only loss ${gapToQueueOnly.toFixed(3)}`);
    expect(gapToQueueOnly).toBeGreaterThan(1e-3); // the batch keys really are among the negatives
    trainer.dispose();
    enc.video.dispose();
    enc.audio.dispose();
  }, 120_000);
});
