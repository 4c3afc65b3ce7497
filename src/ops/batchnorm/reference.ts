// Float64 batch-norm reference over (N, C, S) (S = product of the spatial dims).
export function batchNormRef(x: ArrayLike<number>, N: number, C: number, S: number, w: ArrayLike<number> | null, b: ArrayLike<number> | null, mean: ArrayLike<number> | null, variance: ArrayLike<number> | null, eps: number) {
  const R = N * S;
  const m = new Float64Array(C);
  const v = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    if (mean && variance) {
      m[c] = mean[c];
      v[c] = variance[c];
      continue;
    }
    let s = 0;
    for (let n = 0; n < N; n++) for (let i = 0; i < S; i++) s += x[(n * C + c) * S + i];
    m[c] = s / R;
    let q = 0;
    for (let n = 0; n < N; n++) for (let i = 0; i < S; i++) q += (x[(n * C + c) * S + i] - m[c]) ** 2;
    v[c] = q / R;
  }
  const y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const c = Math.floor(i / S) % C;
    y[i] = ((x[i] - m[c]) / Math.sqrt(v[c] + eps)) * (w ? w[c] : 1) + (b ? b[c] : 0);
  }
  return { y, mean: m, var: v, unbiasedVar: Float64Array.from(v, (q) => (q * R) / (R - 1)) };
}
