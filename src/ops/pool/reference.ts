// Float64 pooling references over (NC, D, H, W): regular windows (k, s, p) or adaptive ones.
export interface PoolRefGeom {
  NC: number; i: [number, number, number]; o: [number, number, number];
  adaptive: boolean; k?: [number, number, number]; s?: [number, number, number]; p?: [number, number, number];
  countIncludePad?: boolean;
}

function windowOf(g: PoolRefGeom, d: number, o: number): [number, number, number] {
  // [start, end) clipped to the input, and the torch divisor extent along this dim
  if (g.adaptive) {
    const st = Math.floor((o * g.i[d]) / g.o[d]);
    const en = Math.ceil(((o + 1) * g.i[d]) / g.o[d]);
    return [st, en, en - st];
  }
  const st = o * g.s![d] - g.p![d];
  const en = st + g.k![d];
  const padded = Math.min(en, g.i[d] + g.p![d]) - st;
  const a = Math.max(st, 0);
  const b = Math.min(en, g.i[d]);
  return [a, b, g.countIncludePad === false ? b - a : padded];
}

/** Returns out and, for backward, the list of (outIdx, inIdx, weight) contributions. */
export function poolRef(kind: 'max' | 'avg', g: PoolRefGeom, x: ArrayLike<number>) {
  const [iD, iH, iW] = g.i;
  const [oD, oH, oW] = g.o;
  const out = new Float64Array(g.NC * oD * oH * oW);
  const links: Array<[number, number, number]> = [];
  for (let nc = 0; nc < g.NC; nc++) for (let a = 0; a < oD; a++) for (let b = 0; b < oH; b++) for (let c = 0; c < oW; c++) {
    const o = ((nc * oD + a) * oH + b) * oW + c;
    const [d0, d1, ed] = windowOf(g, 0, a);
    const [h0, h1, eh] = windowOf(g, 1, b);
    const [w0, w1, ew] = windowOf(g, 2, c);
    let best = -Infinity;
    let bi = -1;
    let sum = 0;
    const idx: number[] = [];
    for (let d = d0; d < d1; d++) for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) {
      const ii = ((nc * iD + d) * iH + h) * iW + w;
      idx.push(ii);
      sum += x[ii];
      if (x[ii] > best) {
        best = x[ii];
        bi = ii;
      }
    }
    if (kind === 'max') {
      out[o] = best;
      links.push([o, bi, 1]);
    } else {
      const div = g.adaptive || g.countIncludePad === false ? idx.length : ed * eh * ew;
      out[o] = sum / div;
      for (const ii of idx) links.push([o, ii, 1 / div]);
    }
  }
  return { out, links };
}

export function poolBackwardRef(links: Array<[number, number, number]>, g: ArrayLike<number>, xSize: number): Float64Array {
  const dX = new Float64Array(xSize);
  for (const [o, i, w] of links) dX[i] += g[o] * w;
  return dX;
}
