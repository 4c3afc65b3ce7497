// The trainer's data: which items a step reads (a seeded permutation per epoch, a pure function of the
// global step so a resumed run reads the same batches) and the default AV-Digits datasets.
import { AvDigits } from '../../data/avdigits/dataset.ts';
import { mixSeed, Rng } from '../../data/rng.ts';
import type { AvDigitsSpec, SsclDataset, TrainerPreset } from './options.ts';

const permCache = new Map<string, Int32Array>();

/** Fisher-Yates permutation of [0, n) for (seed, epoch). */
function permutation(n: number, seed: number, epoch: number): Int32Array {
  const key = `${n}:${seed}:${epoch}`;
  let p = permCache.get(key);
  if (p) return p;
  p = Int32Array.from(new Rng(mixSeed(seed, epoch, 0x55c1)).shuffle(Array.from({ length: n }, (_, i) => i)));
  if (permCache.size > 8) permCache.clear();
  permCache.set(key, p);
  return p;
}

/**
 * The (distinct) dataset indices of global step `step`: epoch e = floor(step / floor(n / B)) is a seeded
 * permutation cut into floor(n / B) batches; the last n mod B items of each epoch's order are skipped.
 */
export function batchIndices(n: number, B: number, seed: number, step: number): number[] {
  const per = Math.floor(n / B);
  const epoch = Math.floor(step / per), b = step - epoch * per;
  return Array.from(permutation(n, seed, epoch).subarray(b * B, (b + 1) * B));
}

/** The AV-Digits split of a spec (train for training, test for evaluation), at the preset's clip size. */
export function avDigitsOf(spec: AvDigitsSpec, preset: TrainerPreset, split: 'train' | 'test' = 'train', size?: number, speakers?: number): Promise<AvDigits> {
  return AvDigits.create({ split, seed: spec.seed, size: size ?? spec.size, noise: spec.noise, speakers: speakers ?? spec.speakers, preset });
}

/** @internal the dataset type check shared by the trainer and the evaluation helpers */
export function isDataset(d: unknown): d is SsclDataset {
  return typeof d === 'object' && d !== null && typeof (d as SsclDataset).batch === 'function' && Number.isInteger((d as SsclDataset).length);
}
