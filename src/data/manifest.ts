// "Your own data": clips cut from the user's videos, given as a JSONL manifest (one JSON object per line)
// or an array of entries. Each entry is a video as a list of frame images at `fps` plus one audio file:
//   {"frames": ["v1/0001.png", "v1/0002.png", ...], "fps": 25, "audio": "v1.wav", "label": 3}
// or, in browsers, a video file whose soundtrack is the audio (unless `audio` names a WAV):
//   {"video": "v1.webm", "label": 3}
// Relative paths resolve against the manifest's URL (or `baseUrl`). Extract frames and audio with ffmpeg:
//   ffmpeg -i v1.mp4 -vf fps=25 v1/%04d.png && ffmpeg -i v1.mp4 -ac 1 -ar 24000 v1.wav
// A clip is T frames at the preset's stride (in source frames; for video files, frames at the preset's fps,
// each the frame on screen at that time), the audio window centred on it; frames are resized (short side)
// and centre-cropped to the preset size. Node/Deno decode PNG (pngjs) and WAV; browsers decode any image
// format they support, and video files (./media/video.ts: WebCodecs + our WebM demuxer, or <video>).
import { InvalidArgumentError } from '../errors.ts';
import { cropResizeFlip } from './augment/reference.ts';
import { cropAudio, resample } from './audio.ts';
import { makeBatch, makeBatchArrays, type AvBatch, type TensorBatch, type AvItem, type BatchOptions } from './batch.ts';
import { DatasetAssetError } from './errors.ts';
import { readBytes, toUrl } from './io.ts';
import { decodeImage } from './media/image.ts';
import { entriesOfFolder } from './folder.ts';
import { decodeVideoFrames, assertVideoRuntime, type VideoDecoderChoice } from './media/video.ts';
import { decodeAudioTrack } from './media/soundtrack.ts';
import { decodeWavFile, toMono } from './media/wav.ts';
import { resolvePreset, type ClipPreset, type PresetName } from './presets.ts';

export interface ManifestEntry {
  /** Frame image paths or URLs, in order (or give `video`). */
  frames?: string[];
  /** Frame rate of the frames (required with `frames`). */
  fps?: number;
  /** A video file (WebM; MP4 and others where the browser plays them). Browsers only. */
  video?: string;
  /** WAV file path or URL; its time 0 is the first frame's time. Required with `frames`; with `video` it replaces the soundtrack. */
  audio?: string;
  /** Optional integer label (for evaluation). */
  label?: number;
}

export interface ManifestOptions {
  /** A JSONL manifest file (path or URL) ... */
  manifest?: string | URL;
  /** ... or the entries themselves ... */
  entries?: ManifestEntry[];
  /** ... or a local folder of clips (Node/Deno): `<dir>/` of frame images + `<dir>.wav`, optional `labels.json` (./folder.ts). */
  folder?: string | URL;
  /** Frame rate of the frames in `folder` (required with `folder`). */
  fps?: number;
  /** Base for relative paths of `entries` (default: the manifest's URL, or the current directory/page). */
  baseUrl?: string | URL;
  preset?: PresetName | ClipPreset;
  /** Video files: `auto` (WebCodecs for WebM when available, else `<video>`), or force one. */
  videoDecoder?: VideoDecoderChoice;
}

const HINT = 'Check the path; manifest paths are relative to the manifest file.';

/** A dataset of clips from the user's own videos: one clip per entry (centred by default), `shift` to move it. */
export class ManifestDataset {
  readonly length: number;
  private readonly audioCache = new Map<string, Float32Array>();

  private readonly videoCache = new Map<string, Uint8Array>();

  private constructor(readonly entries: ManifestEntry[], private readonly base: URL, readonly preset: ClipPreset, private readonly videoDecoder: VideoDecoderChoice) {
    this.length = entries.length;
  }

  /** @example `const ds = await datasets.fromManifest({ manifest: 'clips.jsonl', preset: 'paper' });` */
  static async create(o: ManifestOptions): Promise<ManifestDataset> {
    const preset = resolvePreset(o.preset);
    let entries = o.entries;
    let base: URL;
    if ([o.manifest, o.entries, o.folder].filter((x) => x !== undefined).length > 1) throw new InvalidArgumentError('fromManifest: give one of `manifest`, `entries` or `folder`');
    if (o.folder !== undefined) {
      ({ entries, base } = await entriesOfFolder(o.folder, o.fps ?? NaN));
    } else if (o.manifest !== undefined) {
      const url = toUrl(o.manifest, 'manifest');
      const text = new TextDecoder().decode(await readBytes(url, 'manifest', HINT));
      entries = text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')).map((l, k) => {
        try {
          return JSON.parse(l) as ManifestEntry;
        } catch (cause) {
          throw new DatasetAssetError(`${url}: line ${k + 1} is not JSON (${String(cause)})`, { cause });
        }
      });
      base = o.baseUrl !== undefined ? toUrl(o.baseUrl, 'baseUrl') : url;
    } else {
      base = toUrl(o.baseUrl ?? defaultBase(), 'baseUrl');
    }
    if (!entries || entries.length === 0) throw new InvalidArgumentError('fromManifest: give a non-empty `manifest` file, `entries` array or `folder`');
    entries.forEach((e, k) => checkEntry(e, k));
    if (entries.some((e) => e.video !== undefined)) assertVideoRuntime();
    return new ManifestDataset(entries, base, preset, o.videoDecoder ?? 'auto');
  }

  /** Clip of entry i: centred in the video, moved by `shift` seconds (clamped to the video). */
  async get(i: number, opts: { shift?: number } = {}): Promise<AvItem> {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) throw new InvalidArgumentError(`fromManifest.get: index must be an integer in [0, ${this.length}), got ${i}`);
    const e = this.entries[i];
    if (e.video !== undefined) return this.videoClip(e, i, opts.shift ?? 0);
    const frameList = e.frames!, fps = e.fps!;
    const P = this.preset;
    const span = (P.frames - 1) * P.stride; // in source frames
    const centre = Math.floor((frameList.length - 1 - span) / 2);
    const start = Math.min(Math.max(0, centre + Math.round((opts.shift ?? 0) * fps)), Math.max(0, frameList.length - 1 - span));
    const T = P.frames, H = P.height, W = P.width;
    const video = new Float32Array(3 * T * H * W);
    for (let k = 0; k < T; k++) {
      const f = Math.min(start + k * P.stride, frameList.length - 1); // a video shorter than the clip repeats its last frame
      const url = new URL(frameList[f], this.base);
      const img = await decodeImage(await readBytes(url, `frame ${f} of entry ${i}`, HINT), url.href);
      putFrame(video, k, P, img.rgb, img.height, img.width);
    }
    const audio = await this.audioOf(e.audio!, i);
    const clipStart = start / fps;
    const a0 = clipStart + span / fps / 2 - P.audioSeconds / 2;
    const item: AvItem = { video, audio: cropAudio(audio, P.sampleRate, a0, P.audioSeconds), sampleRate: P.sampleRate, shape: { c: 3, t: T, h: H, w: W } };
    if (e.label !== undefined) item.label = e.label;
    return item;
  }

  /** A clip of a video file: T times at the preset's fps, centred in the content, moved by `shift` seconds. */
  private async videoClip(e: ManifestEntry, i: number, shift: number): Promise<AvItem> {
    const P = this.preset;
    const T = P.frames, H = P.height, W = P.width;
    const url = new URL(e.video!, this.base).href;
    const bytes = await this.videoBytes(url, i);
    const span = ((T - 1) * P.stride) / P.fps; // seconds from the first to the last sampled frame
    let start = 0;
    const timesFor = (duration: number): number[] => {
      const maxStart = Math.max(0, duration - 1 / P.fps - span);
      start = Math.min(Math.max(0, maxStart / 2 + shift), maxStart);
      return Array.from({ length: T }, (_, k) => start + (k * P.stride) / P.fps);
    };
    const decoded = await decodeVideoFrames(bytes, url, timesFor, this.videoDecoder);
    const video = new Float32Array(3 * T * H * W);
    decoded.frames.forEach((rgb, k) => putFrame(video, k, P, rgb, decoded.height, decoded.width));
    const audio = e.audio !== undefined ? await this.audioOf(e.audio, i) : await this.cached(this.audioCache, `${url}#audio`, () => decodeAudioTrack(bytes, url, P.sampleRate));
    const a0 = start + span / 2 - P.audioSeconds / 2;
    const item: AvItem = { video, audio: cropAudio(audio, P.sampleRate, a0, P.audioSeconds), sampleRate: P.sampleRate, shape: { c: 3, t: T, h: H, w: W } };
    if (e.label !== undefined) item.label = e.label;
    return item;
  }

  private videoBytes(url: string, i: number): Promise<Uint8Array> {
    return this.cached(this.videoCache, url, () => readBytes(url, `video of entry ${i}`, HINT));
  }

  /** A small LRU (16 entries) of decoded files. */
  private async cached<V>(cache: Map<string, V>, key: string, make: () => Promise<V>): Promise<V> {
    let v = cache.get(key);
    if (v === undefined) {
      v = await make();
      if (cache.size >= 16) cache.delete(cache.keys().next().value!);
      cache.set(key, v);
    }
    return v;
  }

  private async audioOf(audioPath: string, i: number): Promise<Float32Array> {
    const url = new URL(audioPath, this.base).href;
    return this.cached(this.audioCache, url, async () => {
      const wav = decodeWavFile(await readBytes(url, `audio of entry ${i}`, HINT), url);
      const mono = toMono(wav);
      return wav.sampleRate === this.preset.sampleRate ? mono : resample(mono, wav.sampleRate, this.preset.sampleRate);
    });
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

function defaultBase(): string {
  const loc = (globalThis as { location?: { href: string } }).location?.href;
  if (loc) return loc;
  const cwd = (globalThis as { Deno?: { cwd(): string }; process?: { cwd?(): string } });
  const dir = cwd.Deno?.cwd() ?? cwd.process?.cwd?.() ?? '/';
  return `file://${dir.endsWith('/') ? dir : dir + '/'}`;
}

/** Frame k of a (3, T, H, W) clip from a (3, h, w) image: short side to the preset size, centre crop, bilinear. */
function putFrame(video: Float32Array, k: number, P: ClipPreset, rgb: Float32Array, h: number, w: number): void {
  const T = P.frames, H = P.height, W = P.width;
  const scale = Math.max(H / h, W / w);
  const bh = Math.min(h, Math.round(H / scale)), bw = Math.min(w, Math.round(W / scale));
  const box = { top: Math.floor((h - bh) / 2), left: Math.floor((w - bw) / 2), height: bh, width: bw };
  const frame = cropResizeFlip(rgb, { c: 3, t: 1, h, w }, box, H, W);
  for (let c = 0; c < 3; c++) video.set(frame.subarray(c * H * W, (c + 1) * H * W), (c * T + k) * H * W);
}

function checkEntry(e: ManifestEntry, k: number): void {
  const where = `manifest entry ${k}`;
  if (e && typeof e === 'object' && e.video !== undefined) {
    if (typeof e.video !== 'string' || e.frames !== undefined) throw new InvalidArgumentError(`${where}: 'video' must be one path (and no 'frames' beside it)`);
    if (e.audio !== undefined && typeof e.audio !== 'string') throw new InvalidArgumentError(`${where}: 'audio' must be a WAV path`);
    if (e.label !== undefined && !Number.isInteger(e.label)) throw new InvalidArgumentError(`${where}: 'label' must be an integer, got ${e.label}`);
    return;
  }
  if (!e || !Array.isArray(e.frames) || e.frames.length === 0 || !e.frames.every((f) => typeof f === 'string')) throw new InvalidArgumentError(`${where}: give 'frames' (a non-empty array of image paths, with 'fps' and 'audio') or 'video' (a video file)`);
  if (!(typeof e.fps === 'number' && e.fps > 0)) throw new InvalidArgumentError(`${where}: 'fps' must be a positive number, got ${e.fps}`);
  if (typeof e.audio !== 'string') throw new InvalidArgumentError(`${where}: 'audio' must be a WAV path (or give 'video' instead of 'frames')`);
  if (e.label !== undefined && !Number.isInteger(e.label)) throw new InvalidArgumentError(`${where}: 'label' must be an integer, got ${e.label}`);
}
