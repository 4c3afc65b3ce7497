// The speakers of AV-Digits and their split: eSpeak language voices and voice variants are partitioned
// into train and test by a fixed hash of their names (about 1 in 5 goes to test), so no language and no
// variant is heard in both splits. A split's speakers are drawn from its own languages x variants with a
// speaking rate and pitch; the pool is fixed (independent of the dataset seed).
import { DatasetAssetError } from '../errors.ts';
import { mixSeed, Rng } from '../rng.ts';
import type { Speaker } from './speech.ts';

export type Split = 'train' | 'test';

/** Stable 32-bit hash of a string (FNV-1a over UTF-16 code units, then mixed). */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mixSeed(h >>> 0);
}

/** Which split a language or variant name belongs to. */
export function nameSplit(name: string): Split {
  return hashString(name) % 5 === 0 ? 'test' : 'train';
}

/** Default number of speakers per split. */
export const DEFAULT_SPEAKERS: Record<Split, number> = { train: 256, test: 64 };

/** The speaker pool of a split. Variant '' (the plain language voice) belongs to train. */
export function speakerPool(languages: string[], variants: string[], split: Split, count: number): Speaker[] {
  const langs = languages.filter((l) => nameSplit(l) === split);
  const vars = [...(split === 'train' ? [''] : []), ...variants.filter((v) => nameSplit(v) === split)];
  if (!langs.length || !vars.length) throw new DatasetAssetError(`AV-Digits: no ${split} voices (this eSpeak NG data has ${languages.length} languages, ${variants.length} variants); use @echogarden/espeak-ng-emscripten 0.3.x`);
  const rng = new Rng(mixSeed(0x5ea4e7, split === 'train' ? 0 : 1));
  const out: Speaker[] = [];
  for (let k = 0; k < count; k++) {
    out.push({ language: rng.pick(langs), variant: rng.pick(vars), rate: Math.round(rng.range(130, 230)), pitch: Math.round(rng.range(20, 80)) });
  }
  return out;
}
