// AudioFrontend: the typed wrapper over the WASM kernels (assembly/dsp/*). Frontends made with the default
// loader share one module instance (loadDsp caches it) but each owns its scratch slots and configs; every
// call runs synchronously to the end, so sharing is safe within a thread. Use one frontend per worker.
import { InvalidArgumentError, InvalidAudioError } from '../errors.ts';
import { WasmHeap } from './heap.ts';
import { frameCount, resolveOptions, type MelSpectrogramOptions, type Resolved, type Spectrogram, type SpectrogramOptions } from './options.ts';
import { melFilterbank, sparseFilterbank, stftWindow } from './filters.ts';
import { checkRate, resampleKernel, resampledLength, type ResampleKernel } from './resample.ts';
import { specAugment as specAugmentTs, type SpecAugmentOptions } from './specaugment.ts';
import { loadDsp, type DspExports, type DspModule, type LoadDspOptions } from './wasm.ts';

interface Exports extends DspExports {
  fftPlanCreate(n: number): number;
  stftWorkBytes(m: number): number;
  stft(cfg: number, sig: number, nSig: number, out: number): number;
  padEdges(pad: number, n: number, h: number, mode: number): void;
  firstNonFinite(x: number, n: number): number;
  resampleRun(xp: number, nOut: number, orig: number, next: number, kernel: number, stride: number, out: number): void;
}

// Config block words, must match assembly/dsp/stft.ts
const enum Cfg { NFFT, HOP, CENTER, PADMODE, POWER, BANDS, NMELS, LOGMODE, PLAN, WINDOW, POSTTW, MELSTART, MELLEN, MELOFF, MELW, WORK, M, BINS, SCALE, LOGOFFSET, DBMUL, AMIN, TOPDB, DBREF, WORDS }

interface Config {
  ptr: number;
  r: Resolved;
  bands: number;
  /** Every WASM allocation of this config (plan, window, twiddles, filters, work), freed on eviction. */
  owned: number[];
}

/** Result shape of a batch call: out holds count × bands × frames f32, clip-major. */
export interface BatchResult {
  count: number;
  bands: number;
  frames: number;
}

const MAX_CONFIGS = 32;

/**
 * Audio frontend in WebAssembly: resample, spectrogram, mel spectrogram, log/dB, SpecAugment, with
 * torchaudio 0.13's semantics and defaults.
 *
 * @example
 * ```ts
 * import { AudioFrontend, SSCL_AUDIO } from 'sscl-sdk';
 * const fe = await AudioFrontend.create();
 * const x = new Float32Array(48000).map((_, i) => Math.sin(i / 10));
 * const m = fe.melSpectrogram(x, SSCL_AUDIO);
 * console.log(m.bands, m.frames); // 128 128
 * ```
 */
export class AudioFrontend {
  /** The loaded module (variant 'simd' or 'scalar'). */
  readonly dsp: DspModule;
  private readonly e: Exports;
  private readonly heap: WasmHeap;
  private readonly configs = new Map<string, Config>();
  private readonly kernels = new Map<string, { k: ResampleKernel; ptr: number }>();
  private lastOpts: object | undefined;
  private lastMel = false;
  private lastCfg: Config | undefined;

  private constructor(dsp: DspModule) {
    this.dsp = dsp;
    this.e = dsp.exports as Exports;
    this.heap = new WasmHeap(this.e);
  }

  /** Instantiates the WASM once (shared per variant through loadDsp's cache). */
  static async create(options: LoadDspOptions = {}): Promise<AudioFrontend> {
    const dsp = await loadDsp(options);
    for (const name of ['stft', 'fftPlanCreate', 'padEdges', 'firstNonFinite', 'resampleRun']) {
      if (typeof dsp.exports[name] !== 'function') throw new InvalidArgumentError(`the DSP module has no '${name}' export: rebuild with npm run build:wasm`);
    }
    return new AudioFrontend(dsp);
  }

  /** Bytes of the module's linear memory (for flat-memory checks). */
  get memoryBytes(): number {
    return this.e.memory.buffer.byteLength;
  }

  /** (bands, frames) that spectrogram/melSpectrogram give for n samples with these options. */
  outputShape(nSamples: number, options: MelSpectrogramOptions = {}, mel = true): { bands: number; frames: number } {
    const c = this.config(options, mel);
    return { bands: c.bands, frames: frameCount(c.r, nSamples) };
  }

  /**
   * torchaudio.transforms.Spectrogram (+ optional log). Layout (bands = nFft/2+1, frames). With `out`
   * (at least bands × frames long) the result is written there and `data` is a view of it: no allocation.
   */
  spectrogram(x: ArrayLike<number>, options: SpectrogramOptions = {}, out?: Float32Array): Spectrogram {
    return this.run(x, this.config(options, false), out);
  }

  /** torchaudio.transforms.MelSpectrogram (+ optional log / dB). Layout (nMels, frames). `out` as spectrogram. */
  melSpectrogram(x: ArrayLike<number>, options: MelSpectrogramOptions = {}, out?: Float32Array): Spectrogram {
    return this.run(x, this.config(options, true), out);
  }

  /** Many clips of equal length (clips.length = count × clipLength) into out (count × bands × frames). */
  melSpectrogramBatch(clips: Float32Array, clipLength: number, out: Float32Array, options: MelSpectrogramOptions = {}): BatchResult {
    return this.batch(clips, clipLength, out, this.config(options, true));
  }

  /** Spectrogram version of melSpectrogramBatch. */
  spectrogramBatch(clips: Float32Array, clipLength: number, out: Float32Array, options: SpectrogramOptions = {}): BatchResult {
    return this.batch(clips, clipLength, out, this.config(options, false));
  }

  /**
   * torchaudio.functional.resample(x, fromRate, toRate) with its defaults (sinc_interpolation,
   * lowpass_filter_width 6, rolloff 0.99): output length ceil(n · to / from).
   */
  resample(x: ArrayLike<number>, fromRate: number, toRate: number): Float32Array {
    checkRate('fromRate', fromRate);
    checkRate('toRate', toRate);
    const n = this.checkedLength(x);
    const key = `${fromRate}/${toRate}`;
    let kc = this.kernels.get(key);
    if (!kc) {
      const k = resampleKernel(fromRate, toRate);
      if (this.kernels.size >= MAX_CONFIGS) {
        const [oldKey, old] = this.kernels.entries().next().value!; // evict the oldest, free its memory
        this.e.free(old.ptr);
        this.kernels.delete(oldKey);
      }
      kc = { k, ptr: this.heap.persist(k.kernel) };
      this.kernels.set(key, kc);
    }
    const k = kc.k;
    const xpLen = k.width + n + k.width + k.orig + k.stride + 4;
    const nOut = resampledLength(n, k);
    const xp = this.heap.slot('xp', xpLen * 4);
    const out = this.heap.slot('rout', Math.max(1, nOut) * 4);
    const f32 = this.heap.f32;
    const base = xp >> 2;
    f32.fill(0, base, base + k.width);
    f32.set(x, base + k.width);
    f32.fill(0, base + k.width + n, base + xpLen);
    this.checkFinite(xp + k.width * 4, n);
    if (k.orig === k.next) return this.heap.f32.slice(base + k.width, base + k.width + n); // torchaudio returns the input
    this.e.resampleRun(xp, nOut, k.orig, k.next, kc.ptr, k.stride, out);
    return this.heap.f32.slice(out >> 2, (out >> 2) + nOut);
  }

  /** SpecAugment (time warp, frequency and time masks), deterministic for a seed; see specaugment.ts. */
  specAugment(spec: Spectrogram, options: SpecAugmentOptions, out?: Float32Array): Spectrogram {
    return specAugmentTs(spec, options, out);
  }

  // ---- internals ----

  private checkedLength(x: ArrayLike<number>): number {
    if (x === null || typeof x !== 'object' || typeof (x as { length?: unknown }).length !== 'number') {
      throw new InvalidAudioError(`expected the samples as a Float32Array, got ${x === null ? 'null' : typeof x}`);
    }
    if (x.length === 0) throw new InvalidAudioError('expected audio samples, got 0 samples');
    return x.length;
  }

  private checkFinite(ptr: number, n: number, clip = -1): void {
    const bad = this.e.firstNonFinite(ptr, n);
    if (bad >= 0) {
      const v = this.heap.f32[(ptr >> 2) + bad];
      throw new InvalidAudioError(`${clip >= 0 ? `clip ${clip}: ` : ''}sample ${bad} is ${v}; the frontend needs finite samples (replace NaN/Inf before calling)`);
    }
  }

  private config(options: MelSpectrogramOptions, mel: boolean): Config {
    if (options === this.lastOpts && mel === this.lastMel && this.lastCfg) return this.lastCfg;
    const r = resolveOptions(options, mel);
    const key = JSON.stringify(r);
    let c = this.configs.get(key);
    if (!c) {
      if (this.configs.size >= MAX_CONFIGS) {
        const [oldKey, old] = this.configs.entries().next().value!; // evict the oldest, free its memory
        for (const p of old.owned) this.e.free(p);
        this.configs.delete(oldKey);
        if (this.lastCfg === old) this.lastCfg = this.lastOpts = undefined;
      }
      c = this.buildConfig(r);
      this.configs.set(key, c);
    }
    if (Object.isFrozen(options)) {
      // frozen presets (SSCL_AUDIO) cannot change behind our back: skip re-resolving next time
      this.lastOpts = options;
      this.lastMel = mel;
      this.lastCfg = c;
    }
    return c;
  }

  private buildConfig(r: Resolved): Config {
    const even = r.nFft % 2 === 0;
    const m = even ? r.nFft / 2 : r.nFft;
    const bins = Math.floor(r.nFft / 2) + 1;
    const owned: number[] = [];
    const keep = (p: number): number => (owned.push(p), p);
    const plan = keep(this.e.fftPlanCreate(m));
    const win = stftWindow(r.window, r.winLength, r.nFft);
    let sumSq = 0;
    for (const v of win) sumSq += v * v;
    const post = new Float32Array(2 * (m + 1));
    for (let k = 0; k <= m; k++) {
      post[2 * k] = Math.cos((-Math.PI * k) / m);
      post[2 * k + 1] = Math.sin((-Math.PI * k) / m);
    }
    const words = new Int32Array(Cfg.WORDS);
    const fw = new Float32Array(words.buffer);
    words[Cfg.NFFT] = r.nFft;
    words[Cfg.HOP] = r.hopLength;
    words[Cfg.CENTER] = r.center ? 1 : 0;
    words[Cfg.PADMODE] = r.padMode === 'reflect' ? 0 : 1;
    words[Cfg.POWER] = r.power;
    words[Cfg.BANDS] = r.nMels > 0 ? r.nMels : bins;
    words[Cfg.NMELS] = r.nMels;
    words[Cfg.LOGMODE] = r.log === null ? 0 : r.log === 'db' ? 2 : 1;
    words[Cfg.PLAN] = plan;
    words[Cfg.WINDOW] = keep(this.heap.persist(Float32Array.from(win)));
    words[Cfg.POSTTW] = keep(this.heap.persist(post));
    if (r.nMels > 0) {
      const fb = melFilterbank(bins, r.fMin, r.fMax, r.nMels, r.sampleRate, r.norm, r.melScale);
      const sp = sparseFilterbank(fb, bins, r.nMels);
      words[Cfg.MELSTART] = keep(this.heap.persist(sp.start));
      words[Cfg.MELLEN] = keep(this.heap.persist(sp.len));
      words[Cfg.MELOFF] = keep(this.heap.persist(sp.off));
      words[Cfg.MELW] = keep(this.heap.persist(sp.weights));
    }
    words[Cfg.WORK] = keep(this.e.alloc(this.e.stftWorkBytes(m)));
    words[Cfg.M] = m;
    words[Cfg.BINS] = bins;
    fw[Cfg.SCALE] = r.normalized ? (r.power === 2 ? 1 / sumSq : 1 / Math.sqrt(sumSq)) : 1;
    fw[Cfg.LOGOFFSET] = r.log !== null && r.log !== 'db' ? r.log.offset : 0;
    fw[Cfg.DBMUL] = r.power === 2 ? 10 : 20;
    fw[Cfg.AMIN] = 1e-10;
    fw[Cfg.TOPDB] = r.topDb ?? -1;
    fw[Cfg.DBREF] = 0; // multiplier * log10(max(amin, ref=1))
    const ptr = keep(this.heap.persist(words));
    return { ptr, r, bands: words[Cfg.BANDS], owned };
  }

  /** Checks the length for this config and returns frames (throws InvalidAudioError when too short). */
  private framesFor(c: Config, n: number): number {
    const h = Math.floor(c.r.nFft / 2);
    if (c.r.center && c.r.padMode === 'reflect' && n <= h) {
      throw new InvalidAudioError(`audio too short: ${n} samples; reflect padding needs more than nFft/2 = ${h} samples (pad the clip or use padMode 'constant')`);
    }
    const frames = frameCount(c.r, n);
    if (frames < 1) throw new InvalidAudioError(`audio too short: ${n} samples give no frame with nFft ${c.r.nFft} and center ${c.r.center}; need at least ${c.r.center ? c.r.nFft - 2 * h : c.r.nFft}`);
    return frames;
  }

  /**
   * Copies clip samples [from, from + n) of x into the signal slot (after h samples of room for the centre
   * padding), checks them, pads in place and runs the STFT into outPtr. Slots must be reserved first.
   */
  private runOne(c: Config, x: ArrayLike<number>, from: number, n: number, sig: number, outPtr: number, clip: number): void {
    const h = c.r.center ? Math.floor(c.r.nFft / 2) : 0;
    const f32 = this.heap.f32;
    const at = (sig >> 2) + h;
    if (from === 0 && x.length === n) f32.set(x, at);
    else f32.set((x as Float32Array).subarray(from, from + n), at);
    this.checkFinite(sig + h * 4, n, clip);
    if (c.r.center) this.e.padEdges(sig, n, h, c.r.padMode === 'reflect' ? 0 : 1);
    this.e.stft(c.ptr, sig, n + 2 * h, outPtr);
  }

  private run(x: ArrayLike<number>, c: Config, out?: Float32Array): Spectrogram {
    const n = this.checkedLength(x);
    const frames = this.framesFor(c, n);
    if (out !== undefined && (!(out instanceof Float32Array) || out.length < c.bands * frames)) {
      throw new InvalidArgumentError(`out must be a Float32Array of at least ${c.bands} bands x ${frames} frames = ${c.bands * frames} values`);
    }
    const h = Math.floor(c.r.nFft / 2);
    // reserve every slot before taking views: an allocation may grow (and detach) the memory
    const sig = this.heap.slot('sig', (n + 2 * h) * 4 + 16);
    const outPtr = this.heap.slot('out', c.bands * frames * 4 + 16);
    this.runOne(c, x, 0, n, sig, outPtr, -1);
    const view = this.heap.f32.subarray(outPtr >> 2, (outPtr >> 2) + c.bands * frames);
    if (!out) return { data: view.slice(), bands: c.bands, frames };
    out.set(view);
    return { data: out.length === view.length ? out : out.subarray(0, view.length), bands: c.bands, frames };
  }

  private batch(clips: Float32Array, clipLength: number, out: Float32Array, c: Config): BatchResult {
    if (!(clips instanceof Float32Array)) throw new InvalidAudioError('clips must be one Float32Array holding count × clipLength samples');
    if (!(out instanceof Float32Array)) throw new InvalidArgumentError('out must be a Float32Array of count × bands × frames');
    if (!Number.isInteger(clipLength) || clipLength < 1) throw new InvalidArgumentError(`clipLength must be a positive integer, got ${clipLength}`);
    if (clips.length === 0 || clips.length % clipLength !== 0) {
      throw new InvalidAudioError(`clips has ${clips.length} samples, not a positive multiple of clipLength ${clipLength}`);
    }
    const count = clips.length / clipLength;
    const frames = this.framesFor(c, clipLength);
    const per = c.bands * frames;
    if (out.length < count * per) throw new InvalidArgumentError(`out holds ${out.length} values; ${count} clips x ${c.bands} bands x ${frames} frames need ${count * per}`);
    const h = Math.floor(c.r.nFft / 2);
    const sig = this.heap.slot('sig', (clipLength + 2 * h) * 4 + 16);
    const outPtr = this.heap.slot('out', per * 4 + 16);
    for (let i = 0; i < count; i++) {
      this.runOne(c, clips, i * clipLength, clipLength, sig, outPtr, i);
      out.set(this.heap.f32.subarray(outPtr >> 2, (outPtr >> 2) + per), i * per);
    }
    return { count, bands: c.bands, frames };
  }
}
