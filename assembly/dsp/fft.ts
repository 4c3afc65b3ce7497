// Mixed-radix Stockham autosort FFT (complex, forward, e^{-2πi jk/n}), lane-generic (see lanes.ts).
// Data layout: split re/im, element e of a buffer at base + e*sizeof<T>(), imaginary part at base + imOff.
// One stage with radix r on a sub-length ns (stride s, m = ns/r), x -> y:
//   a_k = x[q + s*(p + k*m)],  y[q + s*(r*p + j)] = w_ns^{p*j} * Σ_k a_k w_r^{jk}   (p < m, q < s, j < r)
// then ns /= r, s *= r. After the last stage the result is in natural order (no bit reversal).
// Radix 4 and 2 have hand-written butterflies; any other factor (3, 5, 7, big primes) uses the generic
// O(r²) butterfly, so every n works (slowly for large prime factors: documented, and tested up to 97).
import { vadd, vsub, vmul, vload1 } from './lanes';

const MAX_STAGES = 32;
const HDR_BYTES: usize = (4 + 3 * MAX_STAGES) * 4;

// Plan layout (i32 words): [0] n, [1] stages, [2] twiddle pairs, [3] unused,
// then per stage i at 4 + 3i: radix, twiddle offset (pairs), root offset (pairs, generic radix only).
// After the header: f32 (re, im) pairs.

/** Builds a plan for a complex FFT of size n (n >= 1). Twiddles in f64, stored as f32. */
export function fftPlanCreate(n: i32): usize {
  // factor: powers of two as 4s, with one 2 first when the exponent is odd, then odd factors ascending;
  // the last radix-4 stage then has m = 1, i.e. no twiddles (see the p = 0 paths). (A radix-8 stage was
  // tried: no faster in V8, whose 16 SIMD registers spill on the 8-point butterfly.)
  const radices = heap.alloc(MAX_STAGES * 4); // freed below (no GC objects: the module never collects)
  let stages = 0;
  let rest = n;
  let twos = 0;
  while (rest % 2 == 0 && rest > 1) { twos++; rest /= 2; }
  if (twos & 1) { store<i32>(radices + (<usize>stages << 2), 2); stages++; }
  for (let i = 0; i < twos >> 1; i++) { store<i32>(radices + (<usize>stages << 2), 4); stages++; }
  for (let f = 3; rest > 1; f += 2) {
    if (<i64>f * f > rest) f = rest;
    while (rest % f == 0) { store<i32>(radices + (<usize>stages << 2), f); stages++; rest /= f; }
  }
  // count twiddles
  let pairs = 0;
  let ns = n;
  for (let i = 0; i < stages; i++) {
    const r = load<i32>(radices + (<usize>i << 2));
    pairs += (ns / r) * (r - 1);
    if (r != 2 && r != 4) pairs += r;
    ns /= r;
  }
  const plan = heap.alloc(HDR_BYTES + <usize>pairs * 8);
  store<i32>(plan, n);
  store<i32>(plan, stages, 4);
  store<i32>(plan, pairs, 8);
  const tw = plan + HDR_BYTES;
  let off = 0;
  ns = n;
  for (let i = 0; i < stages; i++) {
    const r = load<i32>(radices + (<usize>i << 2));
    const m = ns / r;
    const h = plan + <usize>(4 + 3 * i) * 4;
    store<i32>(h, r);
    store<i32>(h, off, 4);
    for (let p = 0; p < m; p++) {
      for (let j = 1; j < r; j++) {
        const a = (-2.0 * Math.PI * <f64>(<i64>p * j)) / <f64>ns;
        store<f32>(tw + <usize>off * 8, <f32>Math.cos(a));
        store<f32>(tw + <usize>off * 8, <f32>Math.sin(a), 4);
        off++;
      }
    }
    if (r != 2 && r != 4) {
      store<i32>(h, off, 8);
      for (let t = 0; t < r; t++) {
        const a = (-2.0 * Math.PI * <f64>t) / <f64>r;
        store<f32>(tw + <usize>off * 8, <f32>Math.cos(a));
        store<f32>(tw + <usize>off * 8, <f32>Math.sin(a), 4);
        off++;
      }
    } else store<i32>(h, -1, 8);
    ns = m;
  }
  heap.free(radices);
  return plan;
}

export function fftPlanSize(plan: usize): i32 {
  return load<i32>(plan);
}

/**
 * Runs the plan on buffers a (input, overwritten) and b (scratch); returns the buffer holding the result.
 * imOff: byte distance from re to im inside each buffer. tmp: scratch of 2*maxRadix T values (generic radix).
 */
export function fftRun<T>(plan: usize, a: usize, b: usize, imOff: usize, tmp: usize): usize {
  const stages = load<i32>(plan, 4);
  const tw = plan + HDR_BYTES;
  let ns = load<i32>(plan);
  let s = 1;
  let x = a;
  let y = b;
  for (let i = 0; i < stages; i++) {
    const h = plan + <usize>(4 + 3 * i) * 4;
    const r = load<i32>(h);
    const twp = tw + <usize>load<i32>(h, 4) * 8;
    if (r == 4) radix4<T>(x, y, imOff, ns, s, twp);
    else if (r == 2) radix2<T>(x, y, imOff, ns, s, twp);
    else radixN<T>(x, y, imOff, ns, s, r, twp, tw + <usize>load<i32>(h, 8) * 8, tmp);
    ns /= r;
    s *= r;
    const t = x; x = y; y = t;
  }
  return x;
}

// @ts-ignore: decorator
@inline function radix2<T>(x: usize, y: usize, imOff: usize, ns: i32, s: i32, tw: usize): void {
  const S = <usize>sizeof<T>();
  const m = ns >> 1;
  const ms = <usize>(m * s) * S;
  const ss = <usize>s * S;
  // p = 0: all twiddles are 1
  for (let q = 0, xi = x, yo = y; q < s; q++, xi += S, yo += S) {
    const ar = load<T>(xi), ai = load<T>(xi + imOff);
    const br = load<T>(xi + ms), bi = load<T>(xi + ms + imOff);
    store<T>(yo, vadd<T>(ar, br));
    store<T>(yo + imOff, vadd<T>(ai, bi));
    store<T>(yo + ss, vsub<T>(ar, br));
    store<T>(yo + ss + imOff, vsub<T>(ai, bi));
  }
  for (let p = 1; p < m; p++) {
    const wr = vload1<T>(tw + <usize>p * 8);
    const wi = vload1<T>(tw + <usize>p * 8 + 4);
    let xi = x + <usize>(s * p) * S;
    let yo = y + <usize>(s * 2 * p) * S;
    for (let q = 0; q < s; q++) {
      const ar = load<T>(xi), ai = load<T>(xi + imOff);
      const br = load<T>(xi + ms), bi = load<T>(xi + ms + imOff);
      store<T>(yo, vadd<T>(ar, br));
      store<T>(yo + imOff, vadd<T>(ai, bi));
      const dr = vsub<T>(ar, br), di = vsub<T>(ai, bi);
      store<T>(yo + ss, vsub<T>(vmul<T>(dr, wr), vmul<T>(di, wi)));
      store<T>(yo + ss + imOff, vadd<T>(vmul<T>(dr, wi), vmul<T>(di, wr)));
      xi += S;
      yo += S;
    }
  }
}

// @ts-ignore: decorator
@inline function radix4<T>(x: usize, y: usize, imOff: usize, ns: i32, s: i32, tw: usize): void {
  const S = <usize>sizeof<T>();
  const m = ns >> 2;
  const ms = <usize>(m * s) * S;
  const ss = <usize>s * S;
  // p = 0: all twiddles are 1 (the whole last stage, where m = 1)
  for (let q = 0, xi = x, yo = y; q < s; q++, xi += S, yo += S) {
    const a0r = load<T>(xi), a0i = load<T>(xi + imOff);
    const a1r = load<T>(xi + ms), a1i = load<T>(xi + ms + imOff);
    const a2r = load<T>(xi + 2 * ms), a2i = load<T>(xi + 2 * ms + imOff);
    const a3r = load<T>(xi + 3 * ms), a3i = load<T>(xi + 3 * ms + imOff);
    const t0r = vadd<T>(a0r, a2r), t0i = vadd<T>(a0i, a2i);
    const t1r = vsub<T>(a0r, a2r), t1i = vsub<T>(a0i, a2i);
    const t2r = vadd<T>(a1r, a3r), t2i = vadd<T>(a1i, a3i);
    const t3r = vsub<T>(a1i, a3i), t3i = vsub<T>(a3r, a1r);
    store<T>(yo, vadd<T>(t0r, t2r));
    store<T>(yo + imOff, vadd<T>(t0i, t2i));
    store<T>(yo + ss, vadd<T>(t1r, t3r));
    store<T>(yo + ss + imOff, vadd<T>(t1i, t3i));
    store<T>(yo + 2 * ss, vsub<T>(t0r, t2r));
    store<T>(yo + 2 * ss + imOff, vsub<T>(t0i, t2i));
    store<T>(yo + 3 * ss, vsub<T>(t1r, t3r));
    store<T>(yo + 3 * ss + imOff, vsub<T>(t1i, t3i));
  }
  for (let p = 1; p < m; p++) {
    const t = tw + <usize>p * 24;
    const w1r = vload1<T>(t), w1i = vload1<T>(t + 4);
    const w2r = vload1<T>(t + 8), w2i = vload1<T>(t + 12);
    const w3r = vload1<T>(t + 16), w3i = vload1<T>(t + 20);
    let xi = x + <usize>(s * p) * S;
    let yo = y + <usize>(s * 4 * p) * S;
    for (let q = 0; q < s; q++) {
      const a0r = load<T>(xi), a0i = load<T>(xi + imOff);
      const a1r = load<T>(xi + ms), a1i = load<T>(xi + ms + imOff);
      const a2r = load<T>(xi + 2 * ms), a2i = load<T>(xi + 2 * ms + imOff);
      const a3r = load<T>(xi + 3 * ms), a3i = load<T>(xi + 3 * ms + imOff);
      const t0r = vadd<T>(a0r, a2r), t0i = vadd<T>(a0i, a2i);
      const t1r = vsub<T>(a0r, a2r), t1i = vsub<T>(a0i, a2i);
      const t2r = vadd<T>(a1r, a3r), t2i = vadd<T>(a1i, a3i);
      // t3 = (a1 - a3) * (-i)
      const t3r = vsub<T>(a1i, a3i), t3i = vsub<T>(a3r, a1r);
      store<T>(yo, vadd<T>(t0r, t2r));
      store<T>(yo + imOff, vadd<T>(t0i, t2i));
      const y1r = vadd<T>(t1r, t3r), y1i = vadd<T>(t1i, t3i);
      const y2r = vsub<T>(t0r, t2r), y2i = vsub<T>(t0i, t2i);
      const y3r = vsub<T>(t1r, t3r), y3i = vsub<T>(t1i, t3i);
      store<T>(yo + ss, vsub<T>(vmul<T>(y1r, w1r), vmul<T>(y1i, w1i)));
      store<T>(yo + ss + imOff, vadd<T>(vmul<T>(y1r, w1i), vmul<T>(y1i, w1r)));
      store<T>(yo + 2 * ss, vsub<T>(vmul<T>(y2r, w2r), vmul<T>(y2i, w2i)));
      store<T>(yo + 2 * ss + imOff, vadd<T>(vmul<T>(y2r, w2i), vmul<T>(y2i, w2r)));
      store<T>(yo + 3 * ss, vsub<T>(vmul<T>(y3r, w3r), vmul<T>(y3i, w3i)));
      store<T>(yo + 3 * ss + imOff, vadd<T>(vmul<T>(y3r, w3i), vmul<T>(y3i, w3r)));
      xi += S;
      yo += S;
    }
  }
}

function radixN<T>(x: usize, y: usize, imOff: usize, ns: i32, s: i32, r: i32, tw: usize, roots: usize, tmp: usize): void {
  const S = <usize>sizeof<T>();
  const m = ns / r;
  const ms = <usize>(m * s) * S;
  const ss = <usize>s * S;
  const tIm = <usize>r * S;
  for (let p = 0; p < m; p++) {
    for (let q = 0; q < s; q++) {
      const xi = x + <usize>(q + s * p) * S;
      for (let k = 0; k < r; k++) {
        store<T>(tmp + <usize>k * S, load<T>(xi + <usize>k * ms));
        store<T>(tmp + tIm + <usize>k * S, load<T>(xi + <usize>k * ms + imOff));
      }
      const yo = y + <usize>(q + s * r * p) * S;
      for (let j = 0; j < r; j++) {
        let sr = load<T>(tmp), si = load<T>(tmp + tIm);
        let idx = 0;
        for (let k = 1; k < r; k++) {
          idx += j;
          if (idx >= r) idx -= r;
          const cr = vload1<T>(roots + <usize>idx * 8), ci = vload1<T>(roots + <usize>idx * 8 + 4);
          const vr = load<T>(tmp + <usize>k * S), vi = load<T>(tmp + tIm + <usize>k * S);
          sr = vadd<T>(sr, vsub<T>(vmul<T>(vr, cr), vmul<T>(vi, ci)));
          si = vadd<T>(si, vadd<T>(vmul<T>(vr, ci), vmul<T>(vi, cr)));
        }
        if (j > 0) {
          const t = tw + <usize>(p * (r - 1) + j - 1) * 8;
          const wr = vload1<T>(t), wi = vload1<T>(t + 4);
          const nr = vsub<T>(vmul<T>(sr, wr), vmul<T>(si, wi));
          si = vadd<T>(vmul<T>(sr, wi), vmul<T>(si, wr));
          sr = nr;
        }
        store<T>(yo + <usize>j * ss, sr);
        store<T>(yo + <usize>j * ss + imOff, si);
      }
    }
  }
}
