// SpecAugment (Park et al. 2019, arXiv:1904.08779): time warp, mF frequency masks of width f ~ U[0, F],
// mT time masks of width t ~ U[0, min(T, floor(p·τ))]. Works in TypeScript on a (bands, frames) spectrogram;
// the draws come from Mulberry32(seed) in a fixed order (see drawSpecAugment), so the output is
// bit-identical in every runtime. reference.ts holds the plain per-element oracle the tests compare with.
import { InvalidArgumentError } from '../errors.ts';
import { Mulberry32 } from './prng.ts';
import type { Spectrogram } from './options.ts';

/** SpecAugment parameters, named as in the paper's Table 1. */
export interface SpecAugmentParams {
  /** Time warp parameter W (frames). 0 disables warping. */
  W: number;
  /** Frequency mask parameter F (max width, bands). */
  F: number;
  /** Number of frequency masks mF. */
  mF: number;
  /** Time mask parameter T (max width, frames). */
  T: number;
  /** Upper bound p on the time-mask width as a fraction of the frames. */
  p: number;
  /** Number of time masks mT. */
  mT: number;
}

/** The paper's policies (Table 1): LibriSpeech basic/double, Switchboard mild/strong. */
export const SPEC_AUGMENT_POLICIES: Readonly<Record<'LB' | 'LD' | 'SM' | 'SS', Readonly<SpecAugmentParams>>> = Object.freeze({
  LB: Object.freeze({ W: 80, F: 27, mF: 1, T: 100, p: 1.0, mT: 1 }),
  LD: Object.freeze({ W: 80, F: 27, mF: 2, T: 100, p: 1.0, mT: 2 }),
  SM: Object.freeze({ W: 40, F: 15, mF: 2, T: 70, p: 0.2, mT: 2 }),
  SS: Object.freeze({ W: 40, F: 27, mF: 2, T: 70, p: 0.2, mT: 2 }),
});

export interface SpecAugmentOptions {
  policy: 'LB' | 'LD' | 'SM' | 'SS' | SpecAugmentParams;
  /** Any integer; taken modulo 2^32. */
  seed: number;
  /** Value written into masked cells: a number [0, as the paper on mean-normalised features] or 'mean' (of the warped input). */
  maskValue?: number | 'mean';
}

/** Every random choice of one call, in draw order. */
export interface SpecAugmentDraws {
  /** Warp source anchor and its destination (frames); equal when no warp happened. */
  warpFrom: number;
  warpTo: number;
  /** [start, width) per frequency mask. */
  freq: Array<[number, number]>;
  /** [start, width) per time mask. */
  time: Array<[number, number]>;
}

export function resolvePolicy(policy: SpecAugmentOptions['policy']): SpecAugmentParams {
  const p = typeof policy === 'string' ? SPEC_AUGMENT_POLICIES[policy] : policy;
  if (!p || typeof p !== 'object') throw new InvalidArgumentError(`policy must be 'LB', 'LD', 'SM', 'SS' or { W, F, mF, T, p, mT }, got ${String(policy)}`);
  for (const k of ['W', 'F', 'mF', 'T', 'mT'] as const) {
    const v = p[k];
    if (!Number.isInteger(v) || v < 0 || v > 1e6) throw new InvalidArgumentError(`SpecAugment ${k} must be an integer in [0, 1e6], got ${String(v)}`);
  }
  if (typeof p.p !== 'number' || !(p.p >= 0 && p.p <= 1)) throw new InvalidArgumentError(`SpecAugment p must be in [0, 1], got ${String(p.p)}`);
  return p;
}

/**
 * The draws, in this order: warp anchor, warp destination, then per frequency mask (width, start), then per
 * time mask (width, start). Warp: W' = min(W, floor(τ/2) − 1); anchor c ~ U[W', τ−1−W'], destination
 * d ~ U[c−W', c+W'] clamped to [1, τ−2]; no warp when W' < 1 (the two draws are still taken).
 */
export function drawSpecAugment(p: SpecAugmentParams, bands: number, frames: number, seed: number): SpecAugmentDraws {
  const rng = new Mulberry32(seed);
  const w = Math.min(p.W, Math.floor(frames / 2) - 1);
  let c = rng.int(Math.max(w, 0), frames - 1 - Math.max(w, 0));
  let d = rng.int(c - Math.max(w, 0), c + Math.max(w, 0));
  if (w < 1 || frames < 3) d = c = 0;
  else d = Math.min(frames - 2, Math.max(1, d));
  const freq: Array<[number, number]> = [];
  for (let i = 0; i < p.mF; i++) {
    const f = Math.min(rng.int(0, p.F), bands);
    freq.push([rng.int(0, bands - f), f]);
  }
  const maxT = Math.min(p.T, Math.floor(p.p * frames));
  const time: Array<[number, number]> = [];
  for (let i = 0; i < p.mT; i++) {
    const t = Math.min(rng.int(0, maxT), frames);
    time.push([rng.int(0, frames - t), t]);
  }
  return { warpFrom: c, warpTo: d, freq, time };
}

/** Source position (fractional frame) of output frame t under the piecewise-linear warp c -> d. */
export function warpSource(t: number, c: number, d: number, frames: number): number {
  if (c === d) return t;
  return t <= d ? (t * c) / d : c + ((t - d) * (frames - 1 - c)) / (frames - 1 - d);
}

function checkSpec(spec: Spectrogram): void {
  if (!spec || !(spec.data instanceof Float32Array)) throw new InvalidArgumentError('spec must be { data: Float32Array, bands, frames }');
  const { bands, frames } = spec;
  if (!Number.isInteger(bands) || !Number.isInteger(frames) || bands < 1 || frames < 1 || spec.data.length !== bands * frames) {
    throw new InvalidArgumentError(`spec has ${spec.data.length} values, not bands (${bands}) x frames (${frames})`);
  }
}

/**
 * Applies SpecAugment to a (bands, frames) spectrogram; returns a new spectrogram (or writes into `out`).
 * @example
 * ```ts
 * const a = specAugment(fe.melSpectrogram(x, SSCL_AUDIO), { policy: 'LB', seed: 7 });
 * ```
 */
export function specAugment(spec: Spectrogram, options: SpecAugmentOptions, out?: Float32Array): Spectrogram {
  checkSpec(spec);
  if (!options || typeof options !== 'object') throw new InvalidArgumentError('specAugment needs { policy, seed }');
  const p = resolvePolicy(options.policy);
  if (typeof options.seed !== 'number' || !Number.isInteger(options.seed)) throw new InvalidArgumentError(`seed must be an integer, got ${String(options.seed)}`);
  const { bands, frames } = spec;
  if (out !== undefined && (!(out instanceof Float32Array) || out.length !== bands * frames)) throw new InvalidArgumentError(`out must be a Float32Array of ${bands * frames}`);
  if (out === spec.data) throw new InvalidArgumentError('out must not alias spec.data (the warp reads neighbouring frames)');
  const y = out ?? new Float32Array(bands * frames);
  const dr = drawSpecAugment(p, bands, frames, options.seed);
  const x = spec.data;
  // time warp: y[:, t] = lerp of x at warpSource(t)
  if (dr.warpFrom === dr.warpTo) y.set(x);
  else {
    for (let t = 0; t < frames; t++) {
      const s = warpSource(t, dr.warpFrom, dr.warpTo, frames);
      const i0 = Math.floor(s);
      const i1 = Math.min(i0 + 1, frames - 1);
      const a = s - i0;
      for (let b = 0, o = 0; b < bands; b++, o += frames) y[o + t] = x[o + i0] + (x[o + i1] - x[o + i0]) * a;
    }
  }
  let fill = 0;
  const mv = options.maskValue ?? 0;
  if (mv === 'mean') {
    let s = 0;
    for (let i = 0; i < y.length; i++) s += y[i];
    fill = s / y.length;
  } else if (typeof mv === 'number' && Number.isFinite(mv)) fill = mv;
  else throw new InvalidArgumentError(`maskValue must be a finite number or 'mean', got ${String(mv)}`);
  for (const [f0, f] of dr.freq) y.fill(fill, f0 * frames, (f0 + f) * frames);
  for (const [t0, t] of dr.time) for (let b = 0; b < bands; b++) y.fill(fill, b * frames + t0, b * frames + t0 + t);
  return { data: y, bands, frames };
}
