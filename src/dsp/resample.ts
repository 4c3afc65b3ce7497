// torchaudio.functional.resample (0.13, resampling_method='sinc_interpolation'): the polyphase windowed-sinc
// bank of _get_sinc_resample_kernel, computed in float64, and the output length of
// _apply_sinc_resample_kernel. The convolution itself runs in WASM (assembly/dsp/resample.ts).
import { InvalidArgumentError } from '../errors.ts';

export interface ResampleKernel {
  orig: number; // reduced rates
  next: number;
  width: number;
  taps: number; // 2*width + orig
  stride: number; // taps rounded up to a multiple of 4
  kernel: Float32Array; // (next, stride)
}

export const LOWPASS_FILTER_WIDTH = 6;
export const ROLLOFF = 0.99;
const MAX_KERNEL = 1 << 24;

export function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

export function checkRate(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 1e7) {
    throw new InvalidArgumentError(`${name} must be an integer sample rate in [1, 10000000] Hz, got ${String(v)}`);
  }
  return v;
}

export function resampleKernel(origFreq: number, newFreq: number): ResampleKernel {
  const g = gcd(origFreq, newFreq);
  const orig = origFreq / g;
  const next = newFreq / g;
  const base = Math.min(orig, next) * ROLLOFF;
  const width = Math.ceil((LOWPASS_FILTER_WIDTH * orig) / base);
  const taps = 2 * width + orig;
  const stride = (taps + 3) & ~3;
  if (next * stride > MAX_KERNEL) {
    throw new InvalidArgumentError(
      `resampling ${origFreq} -> ${newFreq} Hz needs a ${next} x ${taps} polyphase kernel (gcd ${g}); ` +
        'that is too large: pick rates with a larger common divisor (e.g. round to a multiple of 100 Hz)',
    );
  }
  const kernel = new Float32Array(next * stride);
  const lw = LOWPASS_FILTER_WIDTH;
  for (let i = 0; i < next; i++) {
    for (let t = 0; t < taps; t++) {
      let x = (-i / next + (t - width) / orig) * base;
      x = Math.min(lw, Math.max(-lw, x));
      const win = Math.cos((x * Math.PI) / lw / 2) ** 2;
      x *= Math.PI;
      const sinc = x === 0 ? 1 : Math.sin(x) / x;
      kernel[i * stride + t] = sinc * win * (base / orig);
    }
  }
  return { orig, next, width, taps, stride, kernel };
}

/** ceil(next * n / orig) with the reduced rates, exactly (integer arithmetic), as torchaudio. */
export function resampledLength(n: number, k: ResampleKernel): number {
  const num = k.next * n;
  if (num <= Number.MAX_SAFE_INTEGER) return Math.floor(num / k.orig) + (num % k.orig === 0 ? 0 : 1);
  const b = BigInt(k.next) * BigInt(n);
  const o = BigInt(k.orig);
  return Number(b / o + (b % o === 0n ? 0n : 1n));
}
