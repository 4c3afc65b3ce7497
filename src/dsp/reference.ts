// Plain-loop float64 oracles for the tests (STYLE.md #2): a direct DFT spectrogram, the resampler written
// as the sinc-interpolation sum (not polyphase), and SpecAugment evaluated cell by cell from the draws.
import { melFilterbank, stftWindow } from './filters.ts';
import { frameCount, resolveOptions, type MelSpectrogramOptions, type Spectrogram } from './options.ts';
import { LOWPASS_FILTER_WIDTH, ROLLOFF, gcd } from './resample.ts';
import { drawSpecAugment, resolvePolicy, warpSource, type SpecAugmentOptions } from './specaugment.ts';

/** |DFT|^power of every frame, O(nFft²) per frame, (bands, frames) float64; mel when nMels given. */
export function spectrogramReference(x: ArrayLike<number>, options: MelSpectrogramOptions, mel: boolean): { data: Float64Array; bands: number; frames: number } {
  const r = resolveOptions(options, mel);
  const n = x.length;
  const h = r.center ? Math.floor(r.nFft / 2) : 0;
  const at = (i: number): number => {
    const j = i - h;
    if (j >= 0 && j < n) return x[j];
    if (r.padMode === 'constant') return 0;
    return j < 0 ? x[-j] : x[2 * (n - 1) - j];
  };
  const frames = frameCount(r, n);
  const bins = Math.floor(r.nFft / 2) + 1;
  const w = stftWindow(r.window, r.winLength, r.nFft);
  let sumSq = 0;
  for (const v of w) sumSq += v * v;
  const spec = new Float64Array(bins * frames);
  for (let f = 0; f < frames; f++) {
    for (let k = 0; k < bins; k++) {
      let re = 0;
      let im = 0;
      for (let t = 0; t < r.nFft; t++) {
        const v = at(f * r.hopLength + t) * w[t];
        const a = (-2 * Math.PI * ((k * t) % r.nFft)) / r.nFft;
        re += v * Math.cos(a);
        im += v * Math.sin(a);
      }
      let p = re * re + im * im;
      if (r.normalized) p /= sumSq;
      spec[k * frames + f] = r.power === 2 ? p : Math.sqrt(p);
    }
  }
  if (!mel) return { data: spec, bands: bins, frames };
  const fb = melFilterbank(bins, r.fMin, r.fMax, r.nMels, r.sampleRate, r.norm, r.melScale);
  const out = new Float64Array(r.nMels * frames);
  for (let m = 0; m < r.nMels; m++) for (let f = 0; f < frames; f++) {
    let acc = 0;
    for (let k = 0; k < bins; k++) acc += fb[k * r.nMels + m] * spec[k * frames + f];
    out[m * frames + f] = acc;
  }
  return { data: out, bands: r.nMels, frames };
}

/** torchaudio's resample as the plain interpolation sum y[j] = Σ_i x[i]·k(i/orig − j/new), float64. */
export function resampleReference(x: ArrayLike<number>, from: number, to: number): Float64Array {
  const g = gcd(from, to);
  const orig = from / g;
  const next = to / g;
  if (orig === next) return Float64Array.from(x);
  const base = Math.min(orig, next) * ROLLOFF;
  const width = Math.ceil((LOWPASS_FILTER_WIDTH * orig) / base);
  const nOut = Math.ceil((next * x.length) / orig);
  const y = new Float64Array(nOut);
  for (let j = 0; j < nOut; j++) {
    const chunk = Math.floor(j / next);
    const phase = j % next;
    let acc = 0;
    // taps t in [0, 2·width + orig): input index chunk·orig + t − width
    for (let t = 0; t < 2 * width + orig; t++) {
      const i = chunk * orig + t - width;
      if (i < 0 || i >= x.length) continue;
      let u = (-phase / next + (t - width) / orig) * base;
      u = Math.min(LOWPASS_FILTER_WIDTH, Math.max(-LOWPASS_FILTER_WIDTH, u));
      const win = Math.cos((u * Math.PI) / LOWPASS_FILTER_WIDTH / 2) ** 2;
      const s = u === 0 ? 1 : Math.sin(Math.PI * u) / (Math.PI * u);
      acc += x[i] * s * win * (base / orig);
    }
    y[j] = acc;
  }
  return y;
}

/** SpecAugment cell by cell: is (b, t) masked? else lerp of the input at warpSource(t). */
export function specAugmentReference(spec: Spectrogram, options: SpecAugmentOptions): Float32Array {
  const p = resolvePolicy(options.policy);
  const { bands, frames, data } = spec;
  const d = drawSpecAugment(p, bands, frames, options.seed);
  const warped = new Float32Array(bands * frames);
  for (let b = 0; b < bands; b++) {
    for (let t = 0; t < frames; t++) {
      const s = warpSource(t, d.warpFrom, d.warpTo, frames);
      const i0 = Math.floor(s);
      const i1 = Math.min(i0 + 1, frames - 1);
      const a = s - i0;
      const x0 = data[b * frames + i0];
      warped[b * frames + t] = x0 + (data[b * frames + i1] - x0) * a;
    }
  }
  let fill = 0;
  if (options.maskValue === 'mean') {
    let s = 0;
    for (const v of warped) s += v;
    fill = s / warped.length;
  } else if (typeof options.maskValue === 'number') fill = options.maskValue;
  const out = new Float32Array(bands * frames);
  for (let b = 0; b < bands; b++) {
    for (let t = 0; t < frames; t++) {
      const inF = d.freq.some(([f0, f]) => b >= f0 && b < f0 + f);
      const inT = d.time.some(([t0, w]) => t >= t0 && t < t0 + w);
      out[b * frames + t] = inF || inT ? fill : warped[b * frames + t];
    }
  }
  return out;
}
