// TuxAV items whose hashes are committed (test/fixtures/data/tuxav_hashes.json, generated in Node from
// Debian's tuxpaint-stamps-default 2022.06.04-1) and recomputed in Node and Deno.
import type { TuxAvOptions } from '../../src/data/tuxav/dataset.ts';

export const TUX_CASES: { name: string; options: TuxAvOptions; indices: number[]; shift?: number }[] = [
  { name: 'tiny-test-seed0', options: { split: 'test', seed: 0, preset: 'tiny' }, indices: [0, 5, 1000] },
  { name: 'tiny-train-seed2-noise1', options: { split: 'train', seed: 2, noise: 1, preset: 'tiny' }, indices: [7] },
  { name: 'small-train-shift', options: { split: 'train', seed: 2, preset: 'small' }, indices: [3], shift: 0.3 },
];
