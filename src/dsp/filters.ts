// Windows and mel filterbanks, float64, with torchaudio's formulas (torch.hann_window / hamming_window with
// periodic=True; torchaudio.functional.melscale_fbanks and its _hz_to_mel/_mel_to_hz).

/** Periodic window of winLength, zero-padded (centred) to nFft as torch.stft does. */
export function stftWindow(kind: 'hann' | 'hamming', winLength: number, nFft: number): Float64Array {
  const w = new Float64Array(nFft);
  const left = Math.floor((nFft - winLength) / 2);
  const [a, b] = kind === 'hann' ? [0.5, 0.5] : [0.54, 0.46];
  for (let i = 0; i < winLength; i++) w[left + i] = a - b * Math.cos((2 * Math.PI * i) / winLength);
  return w;
}

export function hzToMel(f: number, scale: 'htk' | 'slaney'): number {
  if (scale === 'htk') return 2595 * Math.log10(1 + f / 700);
  const fSp = 200 / 3;
  const minLogHz = 1000;
  const minLogMel = minLogHz / fSp;
  const logstep = Math.log(6.4) / 27;
  return f >= minLogHz ? minLogMel + Math.log(f / minLogHz) / logstep : f / fSp;
}

export function melToHz(m: number, scale: 'htk' | 'slaney'): number {
  if (scale === 'htk') return 700 * (10 ** (m / 2595) - 1);
  const fSp = 200 / 3;
  const minLogHz = 1000;
  const minLogMel = minLogHz / fSp;
  const logstep = Math.log(6.4) / 27;
  return m >= minLogMel ? minLogHz * Math.exp(logstep * (m - minLogMel)) : fSp * m;
}

const f32 = Math.fround;

/**
 * torch.linspace in float32, reproducing ATen's CPU kernel (torch 1.13, AVX2 build) bit for bit: step in
 * float; blocks of 8 values (two blocks per loop turn) start at base = start + step·i (first half) or
 * end − step·(steps − i − 1) (second half, chosen by the block's first index), computed with a fused
 * multiply-add (one rounding), and add k·step per lane with two roundings; the tail is done value by value
 * (fused). Found by matching torch's output for 8 ranges exactly; the filterbank fixtures check it.
 */
export function linspace32(start: number, end: number, steps: number): Float32Array {
  const out = new Float32Array(steps);
  const s = f32(start);
  const e = f32(end);
  const step = steps > 1 ? f32(f32(e - s) / (steps - 1)) : 0;
  const half = Math.floor(steps / 2);
  // step·i is exact in float64 (24-bit × < 2^24), so one f32 rounding of the sum = the FMA's
  const at = (i: number): number => (i < half ? f32(s + step * i) : f32(e - step * (steps - i - 1)));
  const W = 8;
  let i = 0;
  for (; i <= steps - 2 * W; i += 2 * W) {
    for (const b of [i, i + W]) {
      const base = at(b);
      for (let k = 0; k < W; k++) out[b + k] = f32(base + f32(k * step));
    }
  }
  for (; i < steps; i++) out[i] = at(i);
  return out;
}

/** _mel_to_hz on a float32 tensor, op by op in float32 as torchaudio evaluates it. */
export function melToHz32(m: number, scale: 'htk' | 'slaney'): number {
  if (scale === 'htk') return f32(700 * f32(f32(10 ** f32(m / 2595)) - 1));
  const fSp = 200 / 3;
  const minLogMel = f32(1000 / fSp);
  if (m >= minLogMel) return f32(1000 * f32(Math.exp(f32(f32(Math.log(6.4) / 27) * f32(m - minLogMel)))));
  return f32(f32(fSp) * m);
}

/**
 * Dense filterbank (nFreqs, nMels) = torchaudio.functional.melscale_fbanks, evaluated op by op in float32
 * like torchaudio (its weights differ from the exact float64 triangles by up to ~3e-4 relative, which
 * matters for narrow filters). `exact` gives the float64 triangles instead.
 */
export function melFilterbank(nFreqs: number, fMin: number, fMax: number, nMels: number, sampleRate: number, norm: 'slaney' | null, scale: 'htk' | 'slaney', exact = false): Float64Array {
  const freqs = exact ? Float64Array.from({ length: nFreqs }, (_, k) => (nFreqs === 1 ? 0 : (Math.floor(sampleRate / 2) * k) / (nFreqs - 1))) : linspace32(0, Math.floor(sampleRate / 2), nFreqs);
  const mMin = hzToMel(fMin, scale);
  const mMax = hzToMel(fMax, scale);
  const fPts = new Float64Array(nMels + 2);
  if (exact) for (let i = 0; i < nMels + 2; i++) fPts[i] = melToHz(mMin + ((mMax - mMin) * i) / (nMels + 1), scale);
  else linspace32(mMin, mMax, nMels + 2).forEach((m, i) => (fPts[i] = melToHz32(m, scale)));
  const r = exact ? (v: number) => v : f32;
  const fb = new Float64Array(nFreqs * nMels);
  for (let j = 0; j < nMels; j++) {
    const d0 = r(fPts[j + 1] - fPts[j]);
    const d1 = r(fPts[j + 2] - fPts[j + 1]);
    const enorm = norm === 'slaney' ? r(2 / r(fPts[j + 2] - fPts[j])) : 1;
    for (let k = 0; k < nFreqs; k++) {
      const down = r(-r(fPts[j] - freqs[k]) / d0);
      const up = r(r(fPts[j + 2] - freqs[k]) / d1);
      const v = Math.max(0, Math.min(down, up));
      fb[k * nMels + j] = norm === 'slaney' ? r(v * enorm) : v;
    }
  }
  return fb;
}

/** Sparse form of a (nFreqs, nMels) bank: per mel the first non-zero bin, the count and the weights. */
export function sparseFilterbank(fb: Float64Array, nFreqs: number, nMels: number): { start: Int32Array; len: Int32Array; off: Int32Array; weights: Float32Array } {
  const start = new Int32Array(nMels);
  const len = new Int32Array(nMels);
  const off = new Int32Array(nMels);
  const w: number[] = [];
  for (let j = 0; j < nMels; j++) {
    let a = -1;
    let b = -1;
    for (let k = 0; k < nFreqs; k++) {
      if (fb[k * nMels + j] !== 0) {
        if (a < 0) a = k;
        b = k;
      }
    }
    off[j] = w.length;
    if (a < 0) continue; // an all-zero filter (torchaudio warns; its output row is 0)
    start[j] = a;
    len[j] = b - a + 1;
    for (let k = a; k <= b; k++) w.push(fb[k * nMels + j]);
  }
  return { start, len, off, weights: Float32Array.from(w) };
}
