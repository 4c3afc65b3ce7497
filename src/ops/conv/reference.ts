// Plain-loop float64 conv3d forward and backward (the oracle for the GPU implicit GEMMs).
export interface ConvRefGeom {
  N: number; Ci: number; T: number; H: number; W: number; Co: number; k: [number, number, number];
  s: [number, number, number]; p: [number, number, number]; d: [number, number, number];
}

export function convOutSize(g: ConvRefGeom): [number, number, number] {
  const f = (i: number, k: number, p: number, s: number, d: number) => Math.floor((i + 2 * p - d * (k - 1) - 1) / s) + 1;
  return [f(g.T, g.k[0], g.p[0], g.s[0], g.d[0]), f(g.H, g.k[1], g.p[1], g.s[1], g.d[1]), f(g.W, g.k[2], g.p[2], g.s[2], g.d[2])];
}

/** Visits every (output, weight, input) triple that contributes: cb(outIdx, wIdx, xIdx). */
function visit(g: ConvRefGeom, cb: (o: number, w: number, x: number) => void): void {
  const [To, Ho, Wo] = convOutSize(g);
  const [kt, kh, kw] = g.k;
  for (let n = 0; n < g.N; n++) for (let co = 0; co < g.Co; co++) for (let to = 0; to < To; to++) for (let ho = 0; ho < Ho; ho++) for (let wo = 0; wo < Wo; wo++) {
    const o = (((n * g.Co + co) * To + to) * Ho + ho) * Wo + wo;
    for (let ci = 0; ci < g.Ci; ci++) for (let a = 0; a < kt; a++) {
      const ti = to * g.s[0] - g.p[0] + a * g.d[0];
      if (ti < 0 || ti >= g.T) continue;
      for (let b = 0; b < kh; b++) {
        const hi = ho * g.s[1] - g.p[1] + b * g.d[1];
        if (hi < 0 || hi >= g.H) continue;
        for (let c = 0; c < kw; c++) {
          const wi = wo * g.s[2] - g.p[2] + c * g.d[2];
          if (wi < 0 || wi >= g.W) continue;
          cb(o, (((co * g.Ci + ci) * kt + a) * kh + b) * kw + c, (((n * g.Ci + ci) * g.T + ti) * g.H + hi) * g.W + wi);
        }
      }
    }
  }
}

export function conv3dRef(g: ConvRefGeom, x: ArrayLike<number>, w: ArrayLike<number>, bias: ArrayLike<number> | null): Float64Array {
  const [To, Ho, Wo] = convOutSize(g);
  const So = To * Ho * Wo;
  const out = new Float64Array(g.N * g.Co * So);
  if (bias) for (let i = 0; i < out.length; i++) out[i] = bias[Math.floor(i / So) % g.Co];
  visit(g, (o, wi, xi) => (out[o] += w[wi] * x[xi]));
  return out;
}

export function conv3dBackwardRef(g: ConvRefGeom, dOut: ArrayLike<number>, x: ArrayLike<number>, w: ArrayLike<number>) {
  const [To, Ho, Wo] = convOutSize(g);
  const So = To * Ho * Wo;
  const dX = new Float64Array(x.length);
  const dW = new Float64Array(w.length);
  const dB = new Float64Array(g.Co);
  visit(g, (o, wi, xi) => {
    dX[xi] += w[wi] * dOut[o];
    dW[wi] += x[xi] * dOut[o];
  });
  for (let i = 0; i < dOut.length; i++) dB[Math.floor(i / So) % g.Co] += dOut[i];
  return { dX, dW, dB };
}

/** The fused epilogue of conv3d/conv2d (ConvOptions.epilogue) on a conv output: relu?(y * scale + shift) per channel. */
export function convEpilogueRef(y: ArrayLike<number>, Co: number, So: number, scale: ArrayLike<number> | null, shift: ArrayLike<number> | null, relu: boolean): Float64Array {
  const out = new Float64Array(y.length);
  for (let i = 0; i < y.length; i++) {
    const c = Math.floor(i / So) % Co;
    const v = y[i] * (scale ? scale[c] : 1) + (shift ? shift[c] : 0);
    out[i] = relu ? Math.max(v, 0) : v;
  }
  return out;
}
