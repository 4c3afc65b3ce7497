// The SSCL_AUDIO log-mel in plain JavaScript around fft.js: reflect pad, periodic Hann, power, sparse mel,
// ln(x + 1e-6) — the same algorithm as the WASM frontend, so the comparison is about the implementation.
import FFT from 'fft.js';

/** torch.stft's center=True reflect padding of x by h on each side, into pad (length >= x.length + 2h). */
export function reflectPadInto(pad, x, h) {
  const len = x.length;
  for (let i = 0; i < h; i++) {
    pad[i] = x[h - i];
    pad[h + len + i] = x[len - 2 - i];
  }
  pad.set(x, h);
}

export function makeJsLogMel(P, fb /* {start, len, off, weights} */, nMels) {
  const n = P.nFft;
  const h = n >> 1;
  const fft = new FFT(n);
  const win = new Float64Array(n);
  for (let i = 0; i < n; i++) win[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
  const frame = new Array(n).fill(0);
  const spec = fft.createComplexArray();
  const pw = new Float64Array(h + 1);
  let pad = new Float32Array(0);
  return (x, out) => {
    const len = x.length;
    if (pad.length < len + 2 * h) pad = new Float32Array(len + 2 * h);
    reflectPadInto(pad, x, h);
    const frames = 1 + Math.floor((len + 2 * h - n) / P.hopLength);
    for (let f = 0; f < frames; f++) {
      const s = f * P.hopLength;
      for (let i = 0; i < n; i++) frame[i] = pad[s + i] * win[i];
      fft.realTransform(spec, frame);
      for (let k = 0; k <= h; k++) pw[k] = spec[2 * k] * spec[2 * k] + spec[2 * k + 1] * spec[2 * k + 1];
      for (let m = 0; m < nMels; m++) {
        let acc = 0;
        const k0 = fb.start[m];
        const o = fb.off[m];
        for (let j = 0; j < fb.len[m]; j++) acc += fb.weights[o + j] * pw[k0 + j];
        out[m * frames + f] = Math.log(acc + 1e-6);
      }
    }
    return frames;
  };
}
