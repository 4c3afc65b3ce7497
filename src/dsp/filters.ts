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

/** Dense filterbank (nFreqs, nMels), torchaudio.functional.melscale_fbanks. */
export function melFilterbank(nFreqs: number, fMin: number, fMax: number, nMels: number, sampleRate: number, norm: 'slaney' | null, scale: 'htk' | 'slaney'): Float64Array {
  const top = Math.floor(sampleRate / 2); // torch.linspace(0, sample_rate // 2, n_freqs)
  const freqs = new Float64Array(nFreqs);
  for (let k = 0; k < nFreqs; k++) freqs[k] = nFreqs === 1 ? 0 : (top * k) / (nFreqs - 1);
  const mMin = hzToMel(fMin, scale);
  const mMax = hzToMel(fMax, scale);
  const fPts = new Float64Array(nMels + 2);
  for (let i = 0; i < nMels + 2; i++) fPts[i] = melToHz(mMin + ((mMax - mMin) * i) / (nMels + 1), scale);
  const fb = new Float64Array(nFreqs * nMels);
  for (let j = 0; j < nMels; j++) {
    const lo = fPts[j];
    const mid = fPts[j + 1];
    const hi = fPts[j + 2];
    const enorm = norm === 'slaney' ? 2 / (hi - lo) : 1;
    for (let k = 0; k < nFreqs; k++) {
      const down = (freqs[k] - lo) / (mid - lo);
      const up = (hi - freqs[k]) / (hi - mid);
      const v = Math.max(0, Math.min(down, up));
      fb[k * nMels + j] = v * enorm;
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
