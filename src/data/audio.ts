// Audio helpers for clips: band-limited resampling (speech speed perturbation and rate conversion),
// aligned crops and gain jitter. Deterministic in every runtime (detmath). Spectrograms and SpecAugment
// are the audio frontend's (src/dsp), not ours.
import { InvalidArgumentError } from '../errors.ts';
import { detCos, detExp, detSin } from './detmath.ts';
import type { Rng } from './rng.ts';

const HALF_TAPS = 8; // windowed-sinc half width in input samples (at the cut-off)
const PHASES = 256;
const tables = new Map<string, Float64Array>();

/** Windowed-sinc (Hann) interpolation kernel for a cut-off `fc` (cycles/sample, <= 0.5), PHASES x 2*HALF_TAPS*w. */
function kernel(fc: number): { table: Float64Array; width: number } {
  const width = Math.ceil(HALF_TAPS * (0.5 / fc)); // wider kernel when low-passing below Nyquist
  const key = `${fc}`;
  let table = tables.get(key);
  if (!table) {
    table = new Float64Array(PHASES * 2 * width);
    for (let ph = 0; ph < PHASES; ph++) {
      const frac = ph / PHASES;
      for (let k = 0; k < 2 * width; k++) {
        const x = k - width + 1 - frac; // distance from the sample point, in input samples
        const arg = Math.PI * 2 * fc * x;
        const sinc = x === 0 ? 2 * fc : detSin(arg) / (Math.PI * x);
        const win = 0.5 + 0.5 * detCos((Math.PI * x) / width);
        table[ph * 2 * width + k] = Math.abs(x) >= width ? 0 : sinc * win;
      }
    }
    if (tables.size > 64) tables.clear();
    tables.set(key, table);
  }
  return { table, width };
}

/**
 * Resamples `input` (at `inRate`) to `outRate`, played `speed` times faster (speed 1.1 = 10% faster and
 * higher, like tape). Output length = round(len * outRate / (inRate * speed)).
 */
export function resample(input: ArrayLike<number>, inRate: number, outRate: number, speed = 1, scale = 1): Float32Array {
  if (!(inRate > 0 && outRate > 0 && speed > 0)) throw new InvalidArgumentError(`resample: rates and speed must be > 0, got ${inRate}, ${outRate}, ${speed}`);
  const step = (inRate * speed) / outRate; // input samples per output sample
  const fc = Math.min(0.5, 0.5 / step) * 0.95;
  const { table, width } = kernel(Math.round(fc * 1e6) / 1e6);
  const n = Math.round(input.length / step);
  const out = new Float32Array(n);
  for (let j = 0; j < n; j++) {
    const pos = j * step;
    const i0 = Math.floor(pos);
    const ph = Math.floor((pos - i0) * PHASES);
    const row = ph * 2 * width;
    let acc = 0;
    for (let k = 0; k < 2 * width; k++) {
      const i = i0 - width + 1 + k;
      if (i >= 0 && i < input.length) acc += input[i] * table[row + k];
    }
    out[j] = acc * scale;
  }
  return out;
}

/**
 * The audio window aligned with a clip: centred on the clip's centre, `seconds` long. Returns its start
 * time in seconds. A clip of T frames at stride s from a video at `fps` spans (T - 1) * s / fps seconds.
 */
export function alignedAudioStart(clipStart: number, frames: number, stride: number, fps: number, seconds: number): number {
  const span = ((frames - 1) * stride) / fps;
  return clipStart + span / 2 - seconds / 2;
}

/** Crops `seconds` of audio starting at `start` seconds (zero-padded outside the signal). */
export function cropAudio(audio: Float32Array, sampleRate: number, start: number, seconds: number): Float32Array {
  if (!(sampleRate > 0 && seconds >= 0)) throw new InvalidArgumentError(`cropAudio: sampleRate must be > 0 and seconds >= 0, got ${sampleRate}, ${seconds}`);
  const n = Math.round(seconds * sampleRate);
  const off = Math.round(start * sampleRate);
  const out = new Float32Array(n);
  const a = Math.max(0, -off);
  const b = Math.min(n, audio.length - off);
  if (b > a) out.set(audio.subarray(off + a, off + b), a);
  return out;
}

/** Multiplies by a random gain, uniform in decibels within [lo, hi] (default ±6 dB), in place. Returns the gain. */
export function gainJitter(audio: Float32Array, rng: Rng, dbRange: [number, number] = [-6, 6]): number {
  const db = rng.range(dbRange[0], dbRange[1]);
  const gain = dbToGain(db);
  for (let i = 0; i < audio.length; i++) audio[i] *= gain;
  return gain;
}

/** 10^(db/20) computed deterministically. */
export function dbToGain(db: number): number {
  return detExp((db / 20) * 2.302585092994046); // ln 10
}

/** Root mean square. */
export function rms(x: ArrayLike<number>, from = 0, to = x.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i] * x[i];
  return to > from ? Math.sqrt(s / (to - from)) : 0;
}

/** out[off + k] += x[k] * gain where in range. */
export function mixInto(out: Float32Array, x: Float32Array, off: number, gain: number): void {
  const a = Math.max(0, -off);
  const b = Math.min(x.length, out.length - off);
  for (let k = a; k < b; k++) out[off + k] += x[k] * gain;
}

/** Adds noise of RMS ~`level`: white mixed with brown (integrated) noise by `colour` in [0, 1]. */
export function addBackgroundNoise(out: Float32Array, rng: Rng, level: number, colour: number): void {
  const white = new Float64Array(out.length);
  let brown = 0;
  for (let k = 0; k < out.length; k++) {
    const w = (rng.uniform() - 0.5) * 3.4641016151377544; // unit variance
    brown = 0.98 * brown + 0.2 * w; // stationary variance 0.04 / (1 - 0.98^2) ~ 1.01
    white[k] = (1 - colour) * w + colour * brown;
  }
  const r = rms(white) || 1;
  for (let k = 0; k < out.length; k++) out[k] += (white[k] / r) * level;
}
