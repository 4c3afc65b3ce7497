// Option types, torchaudio defaults, the SSCL_AUDIO preset and validation for the audio frontend.
// Names are torchaudio's (transforms.Spectrogram / MelSpectrogram / AmplitudeToDB) in camelCase.
import { InvalidArgumentError } from '../errors.ts';

/** `{ offset }`: ln(x + offset) (offset > 0). `'db'`: AmplitudeToDB (10·log10 for power 2, 20·log10 for power 1, amin 1e-10, ref 1). */
export type LogOption = null | 'db' | { offset: number };

/** torchaudio.transforms.Spectrogram options (defaults in brackets are torchaudio's). */
export interface SpectrogramOptions {
  /** FFT size [400]. Any n >= 2 works (mixed radix; large prime factors are slow). */
  nFft?: number;
  /** Window length <= nFft [nFft]; the window is zero-padded to nFft, centred. */
  winLength?: number;
  /** Hop between frames [winLength / 2, floored]. */
  hopLength?: number;
  /** Periodic window ['hann']. */
  window?: 'hann' | 'hamming';
  /** Pad nFft/2 on both sides so frame t is centred at t·hop [true]. */
  center?: boolean;
  /** Padding used when center ['reflect']. */
  padMode?: 'reflect' | 'constant';
  /** 2: power, 1: magnitude [2]. Other exponents are not supported (InvalidArgumentError). */
  power?: number;
  /** Divide by sqrt(Σ window²) (torchaudio normalized=True / 'window') [false]. */
  normalized?: boolean;
  /** Log step applied after the (mel) spectrogram [null: none]. */
  log?: LogOption;
  /** With log 'db': floor at max − topDb over the whole clip (AmplitudeToDB top_db) [null]. */
  topDb?: number | null;
}

/** torchaudio.transforms.MelSpectrogram options. */
export interface MelSpectrogramOptions extends SpectrogramOptions {
  /** [16000] */
  sampleRate?: number;
  /** [128] */
  nMels?: number;
  /** [0] */
  fMin?: number;
  /** [sampleRate / 2, integer division as torchaudio] */
  fMax?: number | null;
  /** Filter area normalisation [null]. */
  norm?: 'slaney' | null;
  /** ['htk'] */
  melScale?: 'htk' | 'slaney';
}

/** A (bands, frames) spectrogram, row-major: data[band * frames + frame]. */
export interface Spectrogram {
  data: Float32Array;
  bands: number;
  frames: number;
}

/** Fully resolved options (internal). nMels = 0 means a plain spectrogram. */
export interface Resolved {
  nFft: number;
  winLength: number;
  hopLength: number;
  window: 'hann' | 'hamming';
  center: boolean;
  padMode: 'reflect' | 'constant';
  power: 1 | 2;
  normalized: boolean;
  log: LogOption;
  topDb: number | null;
  sampleRate: number;
  nMels: number;
  fMin: number;
  fMax: number;
  norm: 'slaney' | null;
  melScale: 'htk' | 'slaney';
}

/**
 * The SSCL paper's audio input: 2 s at 24 kHz (48,000 samples) -> 128 log-mel bands x 128 frames.
 * nFft 1024 (42.7 ms, power of two, every one of the 128 HTK filters gets non-zero weights — with 512,
 * four low filters are empty), hop 376 with center=true: frames = 1 + floor(48000 / 376) = 128 exactly.
 * Log: ln(mel + 1e-6). See docs/audio.md for the derivation and the alternatives rejected.
 */
export const SSCL_AUDIO = Object.freeze({
  sampleRate: 24000,
  clipSamples: 48000,
  nFft: 1024,
  winLength: 1024,
  hopLength: 376,
  window: 'hann',
  center: true,
  padMode: 'reflect',
  power: 2,
  normalized: false,
  nMels: 128,
  fMin: 0,
  fMax: 12000,
  norm: null,
  melScale: 'htk',
  log: Object.freeze({ offset: 1e-6 }),
  topDb: null,
} as const);

const MAX_NFFT = 1 << 20;
const MAX_FFT_WORK = 1 << 22;

export function largestPrimeFactor(n: number): number {
  let best = 1;
  for (let f = 2; f * f <= n; f++) {
    while (n % f === 0) {
      best = f;
      n /= f;
    }
  }
  return n > 1 ? Math.max(best, n) : best;
}

function int(name: string, v: unknown, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) {
    throw new InvalidArgumentError(`${name} must be an integer in [${lo}, ${hi}], got ${String(v)}`);
  }
  return v;
}

function num(name: string, v: unknown, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi) {
    throw new InvalidArgumentError(`${name} must be a finite number in [${lo}, ${hi}], got ${String(v)}`);
  }
  return v;
}

function bool(name: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') throw new InvalidArgumentError(`${name} must be true or false, got ${String(v)}`);
  return v;
}

function oneOf<T extends string>(name: string, v: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(v as T)) throw new InvalidArgumentError(`${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${String(v)}`);
  return v as T;
}

/** Applies torchaudio's defaults and checks every option; `mel` false gives nMels = 0. */
export function resolveOptions(o: MelSpectrogramOptions = {}, mel: boolean): Resolved {
  if (o === null || typeof o !== 'object') throw new InvalidArgumentError(`options must be an object, got ${String(o)}`);
  const nFft = int('nFft', o.nFft ?? 400, 2, MAX_NFFT);
  // The mixed-radix FFT handles any size, but a prime factor p costs O(p) per point (generic butterfly):
  // refuse sizes where that would take seconds per frame instead of hanging.
  const fftSize = nFft % 2 === 0 ? nFft / 2 : nFft;
  const p = largestPrimeFactor(fftSize);
  if (fftSize * p > MAX_FFT_WORK) {
    throw new InvalidArgumentError(`nFft ${nFft} has the prime factor ${p}; the FFT cost would be ~${fftSize} x ${p} per frame. Use an nFft whose prime factors are small (e.g. ${2 ** Math.round(Math.log2(nFft))})`);
  }
  const winLength = int('winLength', o.winLength ?? nFft, 1, nFft);
  const hopLength = int('hopLength', o.hopLength ?? Math.max(1, Math.floor(winLength / 2)), 1, MAX_NFFT);
  const power = o.power ?? 2;
  if (power !== 1 && power !== 2) throw new InvalidArgumentError(`power must be 1 (magnitude) or 2 (power), got ${String(power)}; other exponents and complex output are not supported`);
  let log: LogOption = o.log ?? null;
  if (log !== null && log !== 'db') {
    if (typeof log !== 'object' || !(typeof log.offset === 'number' && Number.isFinite(log.offset) && log.offset > 0 && log.offset < 1e30)) {
      throw new InvalidArgumentError(`log must be null, 'db' or { offset } with a finite offset > 0 (e.g. { offset: 1e-6 }), got ${JSON.stringify(log)}`);
    }
    log = { offset: log.offset };
  }
  const topDb = o.topDb ?? null;
  if (topDb !== null) {
    num('topDb', topDb, 0, 1e6);
    if (log !== 'db') throw new InvalidArgumentError(`topDb only applies with log: 'db'`);
  }
  const r: Resolved = {
    nFft,
    winLength,
    hopLength,
    window: oneOf('window', o.window ?? 'hann', ['hann', 'hamming'] as const),
    center: bool('center', o.center, true),
    padMode: oneOf('padMode', o.padMode ?? 'reflect', ['reflect', 'constant'] as const),
    power,
    normalized: bool('normalized', o.normalized, false),
    log,
    topDb,
    sampleRate: 0,
    nMels: 0,
    fMin: 0,
    fMax: 0,
    norm: null,
    melScale: 'htk',
  };
  if (!mel) return r;
  r.sampleRate = num('sampleRate', o.sampleRate ?? 16000, 1, 1e7);
  r.nMels = int('nMels', o.nMels ?? 128, 1, 4096);
  r.fMin = num('fMin', o.fMin ?? 0, 0, r.sampleRate / 2);
  // torchaudio: f_max = float(sample_rate // 2)
  r.fMax = num('fMax', o.fMax ?? Math.floor(r.sampleRate / 2), 0, r.sampleRate / 2);
  if (!(r.fMin < r.fMax)) throw new InvalidArgumentError(`fMin (${r.fMin}) must be below fMax (${r.fMax})`);
  r.norm = (o.norm ?? null) === null ? null : oneOf('norm', o.norm, ['slaney'] as const);
  r.melScale = oneOf('melScale', o.melScale ?? 'htk', ['htk', 'slaney'] as const);
  return r;
}

/** Frames of a clip of n samples: 1 + floor((padded − nFft) / hop), padded = n + 2·floor(nFft/2) when center. */
export function frameCount(r: Resolved, n: number): number {
  const padded = r.center ? n + 2 * Math.floor(r.nFft / 2) : n;
  return padded < r.nFft ? 0 : 1 + Math.floor((padded - r.nFft) / r.hopLength);
}
