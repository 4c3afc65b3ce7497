// The fixture setup of test/fixtures/gen/sscl_steps.py on the trainer's public API: linear encoders
// (x W^T + b, L2-normalised) passed as custom encoders, and a dataset whose view v of step s is
// normal64(B * DIN, seed 1000 + s, stream 2 v + modality). The dataset maps the trainer's batch seed
// (mixSeed(seed, step, v + 1), src/train/sscl/trainer.ts) back to (step, view).
import { F, Tensor } from '../../src/index.ts';
import type { Device } from '../../src/gpu/device.ts';
import { mixSeed } from '../../src/data/rng.ts';
import { normalArray64 } from '../../src/models/rng.ts';
import type { SsclBatch, SsclDataset, SsclEncoder, TrainerOptions } from '../../src/train/sscl/index.ts';

export const SETUP = { B: 6, D: 4, DIN: [5, 3], K: 10, seed: 3, tau: 0.2, lr: 0.5, warmupSteps: 2, momentum: 0.9, weightDecay: 1e-3, keyMomentum: 0.7 };

const f32 = (a: Float64Array): Float32Array => Float32Array.from(a);

export class LinearEncoder implements SsclEncoder {
  constructor(readonly dev: Device, readonly W: Tensor, readonly b: Tensor) {}
  static create(dev: Device, j: number): LinearEncoder {
    const { D, DIN } = SETUP;
    const W = Tensor.fromArray(dev, f32(normalArray64(D * DIN[j], { seed: 21 + j, stream: 0 }).map((x) => 0.3 * x)), [D, DIN[j]], { requiresGrad: true });
    const b = Tensor.fromArray(dev, f32(normalArray64(D, { seed: 21 + j, stream: 1 }).map((x) => 0.1 * x)), [D], { requiresGrad: true });
    return new LinearEncoder(dev, W, b);
  }
  forward(x: Tensor): Tensor {
    return F.normalize(F.linear(x, this.W, this.b), { dim: 1 });
  }
  parameters(): Tensor[] {
    return [this.W, this.b];
  }
  /** A second instance (values are overwritten by the trainer's key-encoder copy). */
  clone(): LinearEncoder {
    return new LinearEncoder(this.dev, Tensor.zeros(this.dev, this.W.shape, { requiresGrad: true }), Tensor.zeros(this.dev, this.b.shape, { requiresGrad: true }));
  }
  dispose(): void {
    this.W.dispose();
    this.b.dispose();
  }
}

/** The fixture's inputs; `nan` = a step whose video view is NaN (divergence test). */
export function fixtureDataset(dev: Device, maxSteps: number, nan = -1): SsclDataset & { calls: number } {
  const { B, DIN, seed } = SETUP;
  const bySeed = new Map<number, [number, number]>();
  for (let s = 0; s < maxSteps; s++) for (let v = 0; v < 2; v++) bySeed.set(mixSeed(seed, s, v + 1), [s, v]);
  return {
    length: 12,
    calls: 0,
    async batch(indices: number[], o: { seed?: number }): Promise<SsclBatch> {
      this.calls++;
      const sv = bySeed.get(o.seed ?? -1);
      if (!sv || indices.length !== B) throw new Error(`fixture dataset: unexpected batch seed ${o.seed} / size ${indices.length}`);
      const [s, v] = sv;
      const x = (j: number): Float32Array => {
        const a = f32(normalArray64(B * DIN[j], { seed: 1000 + s, stream: 2 * v + j }));
        if (s === nan && j === 0) a[1] = NaN;
        return a;
      };
      const video = Tensor.fromArray(dev, x(0), [B, DIN[0]]), audio = Tensor.fromArray(dev, x(1), [B, DIN[1]]);
      return { video, audio, dispose: () => (video.dispose(), audio.dispose()) };
    },
  };
}

/** createTrainer options of run A (2 stages, 3 + 3 steps) or B (1 stage, joint transfer). */
export function fixtureOptions(dev: Device, run: 'A' | 'B', encoders: { video: LinearEncoder; audio: LinearEncoder }, dataset: SsclDataset): TrainerOptions {
  const { B, K, seed, tau, lr, warmupSteps, momentum, weightDecay, keyMomentum } = SETUP;
  return { device: dev, encoders, dataset, batchSize: B, stages: run === 'A' ? 2 : 1, selfSteps: 3, transferSteps: 3, jointTransfer: run === 'B', lr, warmupSteps, momentum, weightDecay, tau, queueSize: K, dim: SETUP.D, keyMomentum, seed };
}

export function linearEncoders(dev: Device): { video: LinearEncoder; audio: LinearEncoder } {
  return { video: LinearEncoder.create(dev, 0), audio: LinearEncoder.create(dev, 1) };
}
