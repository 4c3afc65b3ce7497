// Float64 references: logSoftmax over the last dim of (R, C), nll loss.
export function logSoftmaxRef(x: ArrayLike<number>, R: number, C: number): Float64Array {
  const y = new Float64Array(R * C);
  for (let r = 0; r < R; r++) {
    let mx = -Infinity;
    for (let c = 0; c < C; c++) mx = Math.max(mx, x[r * C + c]);
    let s = 0;
    for (let c = 0; c < C; c++) s += Math.exp(x[r * C + c] - mx);
    const lse = mx + Math.log(s);
    for (let c = 0; c < C; c++) y[r * C + c] = x[r * C + c] - lse;
  }
  return y;
}

export function logSoftmaxBackwardRef(g: ArrayLike<number>, y: ArrayLike<number>, R: number, C: number): Float64Array {
  const d = new Float64Array(R * C);
  for (let r = 0; r < R; r++) {
    let s = 0;
    for (let c = 0; c < C; c++) s += g[r * C + c];
    for (let c = 0; c < C; c++) d[r * C + c] = g[r * C + c] - Math.exp(y[r * C + c]) * s;
  }
  return d;
}

export function crossEntropyRef(x: ArrayLike<number>, t: ArrayLike<number>, N: number, C: number): { loss: number; dX: Float64Array } {
  const lp = logSoftmaxRef(x, N, C);
  let loss = 0;
  const g = new Float64Array(N * C);
  for (let n = 0; n < N; n++) {
    loss -= lp[n * C + t[n]] / N;
    g[n * C + t[n]] = -1 / N;
  }
  return { loss, dX: logSoftmaxBackwardRef(g, lp, N, C) };
}
