// The trainer's step against PyTorch (test/fixtures/gen/sscl_steps.py): linear video/audio encoders as
// custom encoders, fixed inputs; run A = 2 curriculum stages x (3 self-instance + 3 transfer) steps (video
// teacher, then audio teacher), run B = 1 stage with joint transfer. After every step: the loss and every
// parameter of the query and momentum key encoders within 1e-4 of the tensor's peak (torch float64).
import { describe, expect, it } from 'vitest';
import { getDevice, sscl } from '../../src/index.ts';
import { loadFixture } from '../helpers/fixture.ts';
import { maxRelToPeak } from '../helpers/close.ts';
import { fixtureDataset, fixtureOptions, linearEncoders } from '../helpers/sscl_linear.ts';

describe('sscl trainer step vs PyTorch (linear encoders)', () => {
  for (const run of ['A', 'B'] as const) {
    it(`run ${run}: loss and every parameter after each step within 1e-4`, async () => {
      const dev = await getDevice();
      const fx = await loadFixture('sscl/steps.bin');
      const enc = linearEncoders(dev);
      const trainer = await sscl.createTrainer(fixtureOptions(dev, run, enc, fixtureDataset(dev, 12)));
      const torchLoss = fx.f64(`${run}.loss`);
      expect(trainer.totalSteps).toBe(torchLoss.length);
      const phases: string[] = [];
      let worst = 0;
      for await (const e of trainer.run()) {
        phases.push(`${e.stage}:${e.phase}:${e.teacher}`);
        const relLoss = Math.abs(e.loss - torchLoss[e.step]) / Math.abs(torchLoss[e.step]);
        if (!(relLoss <= 1e-4)) throw new Error(`run ${run} step ${e.step}: loss ${e.loss} vs torch ${torchLoss[e.step]}`);
        for (const m of ['video', 'audio'] as const) {
          const [W, b] = trainer.encoder(m).parameters(), [Wk, bk] = trainer.encoder(m, 'key').parameters();
          for (const [name, t] of [['W', W], ['b', b], ['Wk', Wk], ['bk', bk]] as const) {
            const ref = fx.f64(`${run}.${m}.${name}`);
            const per = t.size;
            const err = maxRelToPeak(await t.toArray(), ref.subarray(e.step * per, (e.step + 1) * per));
            worst = Math.max(worst, err);
            if (!(err <= 1e-4)) throw new Error(`run ${run} step ${e.step} (${e.phase}, teacher ${e.teacher}): ${m}.${name} off by ${err} of peak`);
          }
        }
      }
      console.log(`sscl steps run ${run}: ${phases.length} steps, worst parameter error ${worst.toExponential(2)} of peak`);
      const want = run === 'A'
        ? [...Array(3).fill('1:self-instance:video'), ...Array(3).fill('1:transfer:video'), ...Array(3).fill('2:self-instance:audio'), ...Array(3).fill('2:transfer:audio')]
        : [...Array(3).fill('1:self-instance:video'), ...Array(3).fill('1:transfer:video')];
      expect(phases).toEqual(want);
      trainer.dispose();
    }, 120_000);
  }
});
