// The AV-Digits items whose hashes are committed (test/fixtures/data/avdigits_hashes.json) and recomputed in
// every runtime. Kept small: the paper preset item costs ~0.1 s, SwiftShader does not run here.
import type { AvDigitsOptions } from '../../src/data/avdigits/dataset.ts';

export interface HashCase {
  name: string;
  options: AvDigitsOptions;
  indices: number[];
  shift?: number;
}

export const CASES: HashCase[] = [
  { name: 'tiny-test-seed0', options: { split: 'test', seed: 0, size: 100, noise: 0.2, preset: 'tiny' }, indices: [0, 1, 7, 99] },
  { name: 'tiny-train-seed3-noise1', options: { split: 'train', seed: 3, size: 1000, noise: 1, preset: 'tiny' }, indices: [5, 998] },
  { name: 'tiny-train-shift', options: { split: 'train', seed: 3, size: 1000, noise: 0.2, preset: 'tiny' }, indices: [5], shift: 0.13 },
  { name: 'paper-train-seed1', options: { split: 'train', seed: 1, size: 10, noise: 0.2, preset: 'paper' }, indices: [2] },
];
