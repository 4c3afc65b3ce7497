// Checkpoints of the SSCL trainer: N steps == k steps + saveCheckpoint + loadCheckpoint + (N - k) steps,
// bit for bit (the checkpoints' bytes are compared: encoders, key encoders, SGD momentum buffers, queues +
// pointers, banks, step); with the MoCo queue and with memory-bank negatives + joint transfer. Malformed
// checkpoints raise CheckpointError; a NaN batch raises TrainingDivergedError and leaves the state as it
// was after the previous step. Linear encoders and the fixture data of test/helpers/sscl_linear.ts.
import { describe, expect, it } from 'vitest';
import { getDevice, sscl } from '../../src/index.ts';
import { CheckpointError, TrainingDivergedError, TrainingOptionsError } from '../../src/errors.ts';
import { parseSafetensors, serializeSafetensors, type SafetensorsInput } from '../../src/models/safetensors.ts';
import { fixtureDataset, fixtureOptions, linearEncoders } from '../helpers/sscl_linear.ts';
import type { Device } from '../../src/gpu/device.ts';
import type { TrainerOptions } from '../../src/train/sscl/index.ts';

async function runAll(t: sscl.Trainer, steps?: number): Promise<number[]> {
  const losses: number[] = [];
  for await (const e of t.run({ steps })) losses.push(e.loss);
  return losses;
}

const same = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

function options(dev: Device, extra: Partial<TrainerOptions> = {}, nan = -1): TrainerOptions {
  return { ...fixtureOptions(dev, 'A', linearEncoders(dev), fixtureDataset(dev, 12, nan)), ...extra };
}

describe('sscl checkpoints', () => {
  for (const [name, extra] of [['queue negatives', {}], ['bank negatives, joint transfer', { negatives: 'bank', jointTransfer: true, queueSize: 7 }]] as const) {
    it(`${name}: 12 steps == 5 + save/load + 7, bit-identical`, async () => {
      const dev = await getDevice();
      const full = await sscl.createTrainer(options(dev, extra as Partial<TrainerOptions>));
      const lossesFull = await runAll(full);
      const ckFull = await full.saveCheckpoint();
      full.dispose();

      const first = await sscl.createTrainer(options(dev, extra as Partial<TrainerOptions>));
      const l1 = await runAll(first, 5);
      const ck5 = await first.saveCheckpoint();
      first.dispose();
      const o = options(dev, extra as Partial<TrainerOptions>);
      await expect(sscl.loadCheckpoint(ck5, { device: dev })).rejects.toThrow(TrainingOptionsError); // custom encoders must be passed again
      const resumed = await sscl.loadCheckpoint(ck5, { device: dev, encoders: o.encoders, dataset: o.dataset as sscl.SsclDataset });
      expect(resumed.step).toBe(5);
      expect(same(await resumed.saveCheckpoint(), ck5)).toBe(true); // load + save reproduces the bytes
      const l2 = await runAll(resumed);
      expect([...l1, ...l2]).toEqual(lossesFull);
      expect(same(await resumed.saveCheckpoint(), ckFull)).toBe(true);
      const f = parseSafetensors(ckFull);
      for (const t of ['video.query.param.0', 'audio.key.param.1', 'optim.momentum.3', 'queue.audio.keys', 'queue.video.ptr']) expect(f.has(t)).toBe(true);
      expect(f.has('bank.video.features')).toBe('negatives' in extra);
      resumed.dispose();
    }, 120_000);
  }

  it('malformed checkpoints raise CheckpointError', async () => {
    const dev = await getDevice();
    const t = await sscl.createTrainer(options(dev));
    await runAll(t, 2);
    const ck = await t.saveCheckpoint();
    t.dispose();
    const o = options(dev);
    const load = (b: Uint8Array): Promise<unknown> => sscl.loadCheckpoint(b, { device: dev, encoders: o.encoders, dataset: o.dataset as sscl.SsclDataset });
    const f = parseSafetensors(ck);
    type Item = [string, SafetensorsInput];
    const items = (drop: string | null, change?: (name: string) => boolean): Item[] => f.entries.filter((e) => e.name !== drop)
      .map((e): Item => [e.name, change?.(e.name) ? { dtype: 'F32', shape: [1], data: new Float32Array(1) } : { dtype: e.dtype, shape: e.shape, data: f.typed(e.name) }]);
    const rebuild = (drop: string | null, meta: Record<string, string>, change?: (name: string) => boolean): Uint8Array => serializeSafetensors(items(drop, change), meta);
    const cases: Array<[string, Uint8Array, RegExp]> = [
      ['empty', new Uint8Array(0), /not a readable/],
      ['truncated', ck.subarray(0, ck.length - 9), /not a readable/],
      ['garbage header', Uint8Array.from([255, 255, 255, 255, 0, 0, 0, 0, 1, 2, 3]), /not a readable/],
      ['model state dict', serializeSafetensors({ w: { dtype: 'F32', shape: [1], data: new Float32Array(1) } }, { format: 'pt' }), /not an SSCL checkpoint/],
      ['future version', rebuild(null, { ...f.metadata!, version: '99' }), /version "99"/],
      ['bad options JSON', rebuild(null, { ...f.metadata!, options: '{' }), /options/],
      ['invalid option', rebuild(null, { ...f.metadata!, options: f.metadata!.options.replace('"lr":0.5', '"lr":-1') }), /lr/],
      ['step out of range', rebuild(null, { ...f.metadata!, step: '1000' }), /step/],
      ['missing queue', rebuild('queue.video.keys', f.metadata!), /queue\.video\.keys/],
      ['wrong shape', rebuild(null, f.metadata!, (n) => n === 'audio.query.param.0'), /audio\.query\.param\.0/],
      ['extra optimizer buffer', serializeSafetensors([...items(null), ['optim.momentum.9', { dtype: 'F32', shape: [1], data: new Float32Array(1) }]], f.metadata!), /optim\.momentum\.9/],
    ];
    for (const [what, bytes, re] of cases) {
      let err: unknown = null;
      try {
        await load(bytes);
      } catch (e) {
        err = e;
      }
      if (!(err instanceof CheckpointError) || !re.test(err.message)) throw new Error(`${what}: expected CheckpointError matching ${re}, got ${String(err)}`);
    }
    await expect(sscl.loadCheckpoint(null as unknown as Uint8Array, { device: dev })).rejects.toThrow(CheckpointError);
  }, 120_000);

  it('a NaN batch raises TrainingDivergedError at its step and changes nothing', async () => {
    const dev = await getDevice();
    const t = await sscl.createTrainer(options(dev, {}, 4)); // step 4's video input holds a NaN
    const losses = await runAll(t, 4);
    const before = await t.saveCheckpoint();
    let err: unknown = null;
    try {
      await runAll(t);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TrainingDivergedError);
    expect((err as TrainingDivergedError).step).toBe(4);
    expect((err as Error).message).toMatch(/step 4.*lower lr/);
    expect(losses.length).toBe(4);
    expect(t.step).toBe(4);
    expect(same(await t.saveCheckpoint(), before)).toBe(true);
    await expect(runAll(t)).rejects.toThrow(TrainingDivergedError); // stays stopped
    t.dispose();
    // a loss above maxLoss is a divergence too
    const t2 = await sscl.createTrainer(options(dev, { maxLoss: 1 }));
    await expect(runAll(t2)).rejects.toThrow(/maxLoss 1/);
    t2.dispose();
  }, 120_000);
});
