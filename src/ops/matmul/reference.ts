// Plain float64 matmul/linear references.
export function matmulRef(a: ArrayLike<number>, b: ArrayLike<number>, M: number, K: number, N: number): Float64Array {
  const c = new Float64Array(M * N);
  for (let m = 0; m < M; m++) for (let k = 0; k < K; k++) {
    const av = a[m * K + k];
    for (let n = 0; n < N; n++) c[m * N + n] += av * b[k * N + n];
  }
  return c;
}

export function transposeRef(a: ArrayLike<number>, R: number, C: number): Float64Array {
  const t = new Float64Array(R * C);
  for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) t[c * R + r] = a[r * C + c];
  return t;
}

/** y(R, out) = x(R, in) W(out, in)^T + b; and its gradients for dOut g. */
export function linearRef(x: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number> | null, R: number, inF: number, outF: number) {
  const y = matmulRef(x, transposeRef(w, outF, inF), R, inF, outF);
  if (b) for (let r = 0; r < R; r++) for (let o = 0; o < outF; o++) y[r * outF + o] += b[o];
  return y;
}

export function linearBackwardRef(g: ArrayLike<number>, x: ArrayLike<number>, w: ArrayLike<number>, R: number, inF: number, outF: number) {
  const dX = matmulRef(g, w, R, outF, inF);
  const dW = matmulRef(transposeRef(g, R, outF), x, outF, R, inF);
  const dB = new Float64Array(outF);
  for (let r = 0; r < R; r++) for (let o = 0; o < outF; o++) dB[o] += g[r * outF + o];
  return { dX, dW, dB };
}
