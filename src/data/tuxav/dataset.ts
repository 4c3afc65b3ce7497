// TuxAV: real pictures and real voices from Debian's `tuxpaint-stamps-default` (GPL-2+). Each item is a
// Tux Paint stamp panning and zooming over a random background, paired with a person saying what it is in
// one language, sometimes with the object's own sound effect, over background noise. Splits hold out
// languages (hence speakers). Node and Deno list the package's directory; browsers need its file list
// (`files`, see ./catalogue.ts) and the directory served over HTTP (`root`).
import { InvalidArgumentError } from '../../errors.ts';
import { addBackgroundNoise, alignedAudioStart, dbToGain, mixInto, resample, rms } from '../audio.ts';
import { renderBackground } from '../avdigits/render.ts';
import { background } from '../avdigits/scene.ts';
import { makeBatch, makeBatchArrays, type AvBatch, type TensorBatch, type AvItem, type BatchOptions } from '../batch.ts';
import { readBytes } from '../io.ts';
import { decodeImage } from '../media/image.ts';
import { decodeOggVorbis } from '../media/vorbis/index.ts';
import { toMono } from '../media/wav.ts';
import { resolvePreset, type ClipPreset, type PresetName } from '../presets.ts';
import { mixSeed, Rng } from '../rng.ts';
import { INSTALL_HINT, loadCatalogue, loadCatalogueFromList, TUXPAINT_ROOT, type Catalogue } from './catalogue.ts';
import { drawStamp, prepareStamp, type Prepared } from './render.ts';

export interface TuxAvOptions {
  split?: 'train' | 'test';
  seed?: number;
  /** Fraction of items whose speech names another object (same language), and of items with an off-screen sound effect. Default 0.2. */
  noise?: number;
  preset?: PresetName | ClipPreset;
  /** Number of items; default: every (stamp, language) pair of the split once. */
  size?: number;
  /** The stamps directory (a path, or in browsers its URL). Default /usr/share/tuxpaint/stamps. */
  root?: string;
  /**
   * The directory's file list instead of a listing (required in browsers): the URL/path of a text file
   * with one path (relative to `root`) per line, e.g. `find . -type f | sort` run in the directory, or the paths.
   */
  files?: string | URL | string[];
  /** Languages held out for 'test'. Default ['bg', 'el', 'nl']: the rest are 'train'. */
  testLanguages?: string[];
}

/** A TuxAV item: on the 'test' split `label` is the category index and `identity` the stamp index. */
export interface TuxItem extends AvItem {
  identity?: number;
  /** Language of the speech. */
  language: string;
}

export const DEFAULT_TEST_LANGUAGES = ['bg', 'el', 'nl'];

export class TuxAv {
  readonly length: number;
  readonly preset: ClipPreset;
  readonly languages: string[];
  private readonly pairs: [number, string][];
  private readonly order: Uint32Array;
  private readonly effects: number[];
  private readonly images = new Map<number, Prepared>();
  private readonly sounds = new Map<string, Float32Array>();

  private constructor(readonly catalogue: Catalogue, readonly split: 'train' | 'test', readonly seed: number, readonly noise: number, preset: ClipPreset, testLanguages: string[], size: number | undefined) {
    this.preset = preset;
    const held = new Set(testLanguages);
    this.languages = catalogue.languages.filter((l) => held.has(l) === (split === 'test'));
    const langs = new Set(this.languages);
    this.pairs = [];
    catalogue.stamps.forEach((s, k) => {
      for (const l of [...s.speech.keys()].sort()) if (langs.has(l)) this.pairs.push([k, l]);
    });
    if (this.pairs.length === 0) throw new InvalidArgumentError(`tuxAv: no ${split} items (languages available: ${catalogue.languages.join(', ')})`);
    this.length = size ?? this.pairs.length;
    const perm = new Rng(mixSeed(seed, 0x7a11)).shuffle(Array.from(this.pairs, (_, k) => k));
    this.order = Uint32Array.from(perm);
    this.effects = catalogue.stamps.flatMap((s, k) => (s.effect ? [k] : []));
  }

  /**
   * @example
   * ```ts
   * const ds = await datasets.tuxAv({ split: 'test', preset: 'tiny' }); // needs: apt-get install tuxpaint-stamps-default
   * const item = await ds.get(0); // item.label: category index, item.identity: stamp index, item.language
   * ```
   */
  static async create(o: TuxAvOptions = {}): Promise<TuxAv> {
    const split = o.split ?? 'train';
    if (split !== 'train' && split !== 'test') throw new InvalidArgumentError(`tuxAv: split must be 'train' or 'test', got '${String(split)}'`);
    const seed = o.seed ?? 0;
    if (!Number.isSafeInteger(seed) || seed < 0) throw new InvalidArgumentError(`tuxAv: seed must be a non-negative safe integer, got ${seed}`);
    const noise = o.noise ?? 0.2;
    if (!(noise >= 0 && noise <= 1)) throw new InvalidArgumentError(`tuxAv: noise must be in [0, 1], got ${noise}`);
    if (o.size !== undefined && !(Number.isSafeInteger(o.size) && o.size > 0)) throw new InvalidArgumentError(`tuxAv: size must be a positive integer, got ${o.size}`);
    const preset = resolvePreset(o.preset);
    const root = (o.root ?? TUXPAINT_ROOT).replace(/\/+$/, '');
    const catalogue = o.files !== undefined ? await loadCatalogueFromList(root, o.files) : loadCatalogue(root);
    return new TuxAv(catalogue, split, seed, noise, preset, o.testLanguages ?? DEFAULT_TEST_LANGUAGES, o.size);
  }

  private async image(k: number): Promise<Prepared> {
    let p = this.images.get(k);
    if (!p) {
      const path = `${this.catalogue.root}/${this.catalogue.stamps[k].id}.png`;
      p = prepareStamp(await decodeImage(await readBytes(path, 'a TuxAV stamp', INSTALL_HINT), path), 2 * Math.max(this.preset.height, this.preset.width));
      if (this.images.size >= 256) this.images.delete(this.images.keys().next().value!);
      this.images.set(k, p);
    }
    return p;
  }

  private async sound(rel: string): Promise<Float32Array> {
    let a = this.sounds.get(rel);
    if (!a) {
      const path = `${this.catalogue.root}/${rel}`;
      const d = decodeOggVorbis(await readBytes(path, 'a TuxAV recording', INSTALL_HINT), path);
      a = resample(toMono(d), d.sampleRate, this.preset.sampleRate);
      if (this.sounds.size >= 512) this.sounds.delete(this.sounds.keys().next().value!);
      this.sounds.set(rel, a);
    }
    return a;
  }

  /** Item i; `shift` seconds moves the clip later in the same underlying animation and recording. */
  async get(i: number, opts: { shift?: number } = {}): Promise<TuxItem> {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) throw new InvalidArgumentError(`tuxAv.get: index must be an integer in [0, ${this.length}), got ${i}`);
    const shift = opts.shift ?? 0;
    if (!Number.isFinite(shift) || Math.abs(shift) > 10) throw new InvalidArgumentError(`tuxAv.get: shift must be in [-10, 10] seconds, got ${shift}`);
    const P = this.preset;
    const [stampIdx, lang] = this.pairs[this.order[i % this.pairs.length]];
    const stamp = this.catalogue.stamps[stampIdx];
    const rng = new Rng(mixSeed(this.seed, this.split === 'train' ? 0 : 1, i, 0x7a));
    // speech: this object's, or (noisy pair) another object's in the same language
    let speechPath = stamp.speech.get(lang)!;
    if (rng.bernoulli(this.noise)) {
      const others = this.catalogue.stamps.filter((s, k) => k !== stampIdx && s.speech.has(lang));
      if (others.length) speechPath = rng.pick(others).speech.get(lang)!;
    }
    const withEffect = stamp.effect !== null && rng.bernoulli(0.5);
    const offscreen = this.effects.length > 0 && rng.bernoulli(this.noise) ? this.catalogue.stamps[rng.pick(this.effects)].effect : null;
    const onsetU = rng.uniform(), effU = rng.uniform(), effDb = rng.range(-8, 0), offU = rng.uniform(), offDb = rng.range(-16, -8);
    const snrDb = rng.range(10, 30), colour = rng.uniform();
    const span = ((P.frames - 1) * P.stride) / P.fps;
    const motion = { x0: rng.range(0.35, 0.65), y0: rng.range(0.35, 0.65), x1: rng.range(0.35, 0.65), y1: rng.range(0.35, 0.65), s0: rng.range(0.5, 0.9), s1: rng.range(0.5, 0.9), span: Math.max(span, 1e-6) };
    const bg = background(rng);
    const noiseRng = rng.fork();

    // audio in world time, window aligned with the (shifted) clip
    const sr = P.sampleRate, A = P.audioSeconds, n = Math.round(A * sr);
    const a00 = alignedAudioStart(0, P.frames, P.stride, P.fps, A);
    const a0 = a00 + shift;
    const audio = new Float32Array(n);
    const speech = await this.sound(speechPath);
    const dur = speech.length / sr;
    const onset = a00 + 0.05 + onsetU * Math.max(0, A - dur - 0.1);
    const level = 0.1 / Math.max(1e-4, rms(speech));
    mixInto(audio, speech, Math.round((onset - a0) * sr), level);
    for (const [path, u, db] of [[withEffect ? stamp.effect : null, effU, effDb], [offscreen, offU, offDb]] as const) {
      if (!path) continue;
      const e = await this.sound(path);
      mixInto(audio, e, Math.round((a00 - e.length / sr / 2 + u * A - a0) * sr), (0.1 / Math.max(1e-4, rms(e))) * dbToGain(db));
    }
    addBackgroundNoise(audio, noiseRng, 0.1 * dbToGain(-snrDb), colour);
    for (let k = 0; k < n; k++) audio[k] = Math.min(1, Math.max(-1, audio[k]));

    // video: background + the stamp moving
    const T = P.frames, H = P.height, W = P.width;
    const bgImg = renderBackground(bg, H, W);
    const video = new Float32Array(3 * T * H * W);
    for (let f = 0; f < T; f++) for (let c = 0; c < 3; c++) video.set(bgImg.subarray(c * H * W, (c + 1) * H * W), (c * T + f) * H * W);
    const img = await this.image(stampIdx);
    for (let f = 0; f < T; f++) drawStamp(video, img, motion, shift + (f * P.stride) / P.fps, f, T, H, W);
    const item: TuxItem = { video, audio, sampleRate: sr, shape: { c: 3, t: T, h: H, w: W }, language: lang };
    if (this.split === 'test') {
      item.label = this.catalogue.categories.indexOf(stamp.category);
      item.identity = stampIdx;
    }
    return item;
  }

  /**
   * Items packed as a batch of engine Tensors ready for the encoders: `video` (B, 3, T, H, W), `audio`
   * (B, 1, nMels, frames) log-mel (the preset's `audioFeatures`), optionally augmented (temporal shift,
   * visual augmentation on the GPU or CPU, gain jitter, SpecAugment). Deterministic for (dataset seed,
   * indices, options.seed). The caller owns the tensors: `batch.dispose()` when done.
   *
   * @example
   * ```ts
   * const b = await ds.batch([0, 1, 2, 3], { augment: true, seed: 7 });
   * b.video.shape; // [4, 3, 8, 32, 32] (tiny)
   * b.audio.shape; // [4, 1, 64, 64]
   * b.dispose();
   * ```
   */
  batch(indices: number[], options: BatchOptions = {}): Promise<TensorBatch> {
    return makeBatch(this, (i, shift) => this.get(i, { shift }), indices, this.preset, options);
  }

  /** The same batch as plain typed arrays: `video` (B, 3, T, H, W), `audio` (B, samples) waveforms; no spectrogram. */
  batchArrays(indices: number[], options: BatchOptions = {}): Promise<AvBatch> {
    return makeBatchArrays((i, shift) => this.get(i, { shift }), indices, this.preset, options);
  }

}
