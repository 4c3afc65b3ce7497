// sscl.createTrainer option validation: every option out of range or of the wrong type raises
// TrainingOptionsError naming it (checked before any GPU or dataset work), and the resolved defaults are the
// paper's (lr 0.03, momentum 0.9, weight decay 1e-5, tau 0.07; paper preset K 16384, m 0.999). Also the
// curriculum plan (stage / phase / teacher per step).
import { describe, expect, it } from 'vitest';
import { sscl } from '../../src/index.ts';
import { TrainingOptionsError } from '../../src/errors.ts';
import { planAt, resolveOptions, type TrainerOptions } from '../../src/train/sscl/options.ts';
import { thrown } from '../helpers/errors.ts';

const device = {} as TrainerOptions['device']; // validation runs before the device is touched

describe('sscl trainer options', () => {
  it('defaults: the paper settings', () => {
    const p = resolveOptions({ device, preset: 'paper' });
    expect([p.lr, p.momentum, p.weightDecay, p.tau, p.queueSize, p.keyMomentum, p.dim, p.stages, p.firstTeacher]).toEqual([0.03, 0.9, 1e-5, 0.07, 16384, 0.999, 128, 2, 'video']);
    const t = resolveOptions({ device });
    expect(t.preset).toBe('tiny');
    expect(t.dataset).toEqual({ kind: 'avDigits', size: 512, seed: 0, noise: 0, speakers: 32 });
  });

  it('every bad option raises TrainingOptionsError naming it', () => {
    const bad: Array<[string, Partial<TrainerOptions> | null]> = [
      ['options', null],
      ['device', { device: undefined }],
      ['preset', { preset: 'huge' as 'tiny' }],
      ['batchSize', { batchSize: 1 }],
      ['batchSize', { batchSize: 2.5 }],
      ['batchSize', { batchSize: 10_000 }], // larger than the 512-clip default dataset
      ['stages', { stages: 0 }],
      ['firstTeacher', { firstTeacher: 'text' as 'video' }],
      ['selfSteps', { selfSteps: -1 }],
      ['selfSteps', { selfSteps: 0, transferSteps: 0 }],
      ['transferSteps', { transferSteps: 1.5 }],
      ['lr', { lr: -0.1 }],
      ['lr', { lr: NaN }],
      ['warmupSteps', { warmupSteps: -2 }],
      ['schedule', { schedule: 'step' as 'cosine' }],
      ['momentum', { momentum: 1.5 }],
      ['weightDecay', { weightDecay: -1e-5 }],
      ['tau', { tau: 0 }],
      ['tau', { tau: '0.07' as unknown as number }],
      ['queueSize', { queueSize: 0 }],
      ['queueSize', { negatives: 'bank', queueSize: 600 }], // more negatives than the other 511 samples
      ['dim', { dim: 0 }],
      ['keyMomentum', { keyMomentum: 1.001 }],
      ['negatives', { negatives: 'all' as 'queue' }],
      ['bankMomentum', { bankMomentum: -0.5 }],
      ['jointTransfer', { jointTransfer: 1 as unknown as boolean }],
      ['augment', { augment: 'yes' as unknown as boolean }],
      ['batchNegatives', { batchNegatives: 'no' as unknown as boolean }],
      ['seed', { seed: -1 }],
      ['maxLoss', { maxLoss: 0 }],
      ['dataset', { dataset: { length: 1 } as unknown as sscl.SsclDataset }],
      ['dataset.size', { dataset: { kind: 'avDigits', size: 1 } }],
      ['dataset.noise', { dataset: { kind: 'avDigits', noise: 2 } }],
      ['encoders', { encoders: 5 as unknown as TrainerOptions['encoders'] }],
      ['encoders.audio', { encoders: { video: () => ({}) as sscl.SsclEncoder, audio: {} as sscl.EncoderSource } }],
      ['lrr', { lrr: 0.1 } as unknown as Partial<TrainerOptions>],
    ];
    for (const [option, o] of bad) {
      const e = thrown(() => resolveOptions(o === null ? (null as unknown as TrainerOptions) : { device, ...o }), TrainingOptionsError);
      if (e.option !== option) throw new Error(`${JSON.stringify(o)}: expected option '${option}', got '${e.option}' (${e.message})`);
      expect(e.code).toBe('TRAINING_OPTIONS');
      expect(e.message.startsWith(`${option}: `)).toBe(true);
    }
  });

  it('createTrainer rejects bad options before any work', async () => {
    await expect(sscl.createTrainer({ device, lr: -1 })).rejects.toThrow(TrainingOptionsError);
  });

  it('the curriculum: stage I video teacher, stage II audio teacher, self-instance then transfer', () => {
    const o = resolveOptions({ device, stages: 3, selfSteps: 2, transferSteps: 1 });
    const plan = Array.from({ length: 9 }, (_, s) => planAt(o, s)).map((p) => `${p.stage}${p.phase[0]}${p.teacher[0]}${p.student[0]}${p.phaseStep}`);
    expect(plan).toEqual(['1sva0', '1sva1', '1tva0', '2sav0', '2sav1', '2tav0', '3sva0', '3sva1', '3tva0']);
    const a = resolveOptions({ device, firstTeacher: 'audio', selfSteps: 0, transferSteps: 1 });
    expect(planAt(a, 0).teacher).toBe('audio');
    const p1 = planAt(a, 1);
    expect([p1.stage, p1.phase, p1.teacher, p1.student]).toEqual([2, 'transfer', 'video', 'audio']);
  });
});
