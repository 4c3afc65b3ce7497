// The `datasets` namespace of the public API.
import { AvDigits, type AvDigitsOptions } from './avdigits/dataset.ts';
import { ManifestDataset, type ManifestOptions } from './manifest.ts';
import { TuxAv, type TuxAvOptions } from './tuxav/dataset.ts';

/**
 * Datasets built offline from packages (nothing is downloaded at run time).
 *
 * @example
 * ```ts
 * import { datasets } from 'sscl-sdk';
 * const ds = await datasets.avDigits({ split: 'train', seed: 0, size: 10000, noise: 0.2, preset: 'tiny' });
 * const item = await ds.get(0);
 * console.log(ds.length, item.video.length, item.audio.length, item.sampleRate); // 10000 24576 16000 16000
 * ```
 */
export const datasets = {
  /** AV-Digits: spoken MNIST digits in motion. Needs the optional packages `mnist` and `@echogarden/espeak-ng-emscripten` (GPL-3.0). */
  avDigits: (options?: AvDigitsOptions): Promise<AvDigits> => AvDigits.create(options),
  /** TuxAV: Tux Paint stamps with people naming them in ~12 languages. Needs `apt-get install tuxpaint-stamps-default` (GPL-2+) and, in Node/Deno, `pngjs`; browsers take the directory's URL and file list (`root`, `files`). */
  tuxAv: (options?: TuxAvOptions): Promise<TuxAv> => TuxAv.create(options),
  /** Clips from your own videos: a JSONL manifest (or entries) of frame images + a WAV file per video, or (browsers) video files. */
  fromManifest: (options: ManifestOptions): Promise<ManifestDataset> => ManifestDataset.create(options),
};
