// STFT power/magnitude -> optional sparse mel filterbank -> optional log/dB, all for one clip per call,
// written in (bands, frames) layout. The configuration block is written by src/dsp/frontend.ts (CFG_* below
// must match `Cfg` there). Frames are processed `lanes<T>()` at a time (4 in the SIMD build).
import { vadd, vsub, vmul, vsqrt, vmax, vsplat, vload1, lanes } from './lanes';
import { fftRun } from './fft';
import { vlog } from './mathf';

// i32 words of the config block
const NFFT = 0, HOP = 1, CENTER = 2, PADMODE = 3, POWER = 4, BANDS = 5, NMELS = 6, LOGMODE = 7;
const PLAN = 8, WINDOW = 9, POSTTW = 10, MELSTART = 11, MELLEN = 12, MELOFF = 13, MELW = 14, WORK = 15;
const M = 16, BINS = 17;
// f32 words
const SCALE = 18, LOGOFFSET = 19, DBMUL = 20, AMIN = 21, TOPDB = 22, DBREF = 23;

// @ts-ignore: decorator
@inline function ci(cfg: usize, k: i32): i32 { return load<i32>(cfg + (<usize>k << 2)); }
// @ts-ignore: decorator
@inline function cf(cfg: usize, k: i32): f32 { return load<f32>(cfg + (<usize>k << 2)); }

/** Bytes of WORK the config needs for lane type T (2 FFT buffers, the power row, the radix scratch). */
export function stftWorkBytes(m: i32, lanesBytes: i32): i32 {
  return (2 * 2 * m + (m + 2) + 2 * m + 4) * lanesBytes + 64;
}

/**
 * Centre padding in place, as torch.stft(center=True): the n samples already sit at pad + h (floats);
 * writes h reflected (mode 0) or zero (mode 1) samples on each side.
 */
export function padEdges(pad: usize, n: i32, h: i32, mode: i32): void {
  const x = pad + (<usize>h << 2);
  for (let i = 0; i < h; i++) {
    const l = mode == 0 ? load<f32>(x + (<usize>(h - i) << 2)) : <f32>0;
    const r = mode == 0 ? load<f32>(x + (<usize>(n - 2 - i) << 2)) : <f32>0;
    store<f32>(pad + (<usize>i << 2), l);
    store<f32>(pad + (<usize>(h + n + i) << 2), r);
  }
}

/** Index of the first NaN/±Inf among n f32 at x, or -1. */
export function firstNonFinite(x: usize, n: i32): i32 {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 16 <= n; i += 16) {
      const p = x + (<usize>i << 2);
      let a = f32x4.sub(v128.load(p), v128.load(p));
      a = f32x4.add(a, f32x4.sub(v128.load(p, 16), v128.load(p, 16)));
      a = f32x4.add(a, f32x4.sub(v128.load(p, 32), v128.load(p, 32)));
      a = f32x4.add(a, f32x4.sub(v128.load(p, 48), v128.load(p, 48)));
      if (v128.any_true(f32x4.ne(a, a))) break;
    }
  }
  for (; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    if (v - v != 0) return i;
  }
  return -1;
}

/**
 * One clip: sig holds the (already padded when center) signal of nSig samples; out receives
 * (bands, frames) f32. Returns the number of frames.
 */
export function stftRun<T>(cfg: usize, sig: usize, nSig: i32, out: usize): i32 {
  const nFft = ci(cfg, NFFT), hop = ci(cfg, HOP);
  const frames = 1 + (nSig - nFft) / hop;
  const L = lanes<T>();
  const S = <usize>sizeof<T>();
  const m = ci(cfg, M);
  const work = <usize>ci(cfg, WORK);
  const bufBytes = <usize>(2 * m) * S;
  const a = work, b = work + bufBytes;
  const pw = b + bufBytes; // power row, (bins) T values
  const tmp = pw + <usize>(m + 2) * S;
  const slot = tmp + <usize>(2 * m + 4) * S; // 16 spare bytes for partial lane stores
  const imOff = <usize>m * S;
  const plan = <usize>ci(cfg, PLAN);
  const win = <usize>ci(cfg, WINDOW);
  const even = (nFft & 1) == 0;
  for (let f0 = 0; f0 < frames; f0 += L) {
    const valid = min(L, frames - f0);
    gather<T>(sig, f0, frames, hop, win, nFft, m, even, a, imOff);
    const z = fftRun<T>(plan, a, b, imOff, tmp);
    if (even) powerEven<T>(cfg, z, imOff, m, pw);
    else powerOdd<T>(cfg, z, imOff, ci(cfg, BINS), pw);
    emit<T>(cfg, pw, out, frames, f0, valid, slot);
  }
  const logMode = ci(cfg, LOGMODE);
  if (logMode != 0) logPass<T>(cfg, out, ci(cfg, BANDS) * frames, logMode);
  return frames;
}

// @ts-ignore: decorator
@inline function gather<T>(sig: usize, f0: i32, frames: i32, hop: i32, win: usize, nFft: i32, m: i32, even: bool, a: usize, imOff: usize): void {
  const S = <usize>sizeof<T>();
  if (isVector<T>()) {
    // frames past the end repeat the last one (their lanes are never written out)
    const p0 = sig + (<usize>(f0 * hop) << 2);
    const p1 = sig + (<usize>(min(f0 + 1, frames - 1) * hop) << 2);
    const p2 = sig + (<usize>(min(f0 + 2, frames - 1) * hop) << 2);
    const p3 = sig + (<usize>(min(f0 + 3, frames - 1) * hop) << 2);
    if (even) {
      // 4 samples of 4 frames, transposed: lanes = frames; (x[2i], x[2i+1]) -> (re_i, im_i)
      let i = 0;
      for (; i + 2 <= m; i += 2) {
        const o = <usize>i << 3;
        const r0 = v128.load(p0 + o), r1 = v128.load(p1 + o), r2 = v128.load(p2 + o), r3 = v128.load(p3 + o);
        const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
        const t2 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5), t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
        const w = win + o;
        const d = a + <usize>i * S;
        v128.store(d, f32x4.mul(v128.shuffle<f32>(t0, t2, 0, 1, 4, 5), v128.load32_splat(w)));
        v128.store(d + imOff, f32x4.mul(v128.shuffle<f32>(t0, t2, 2, 3, 6, 7), v128.load32_splat(w + 4)));
        v128.store(d + S, f32x4.mul(v128.shuffle<f32>(t1, t3, 0, 1, 4, 5), v128.load32_splat(w + 8)));
        v128.store(d + S + imOff, f32x4.mul(v128.shuffle<f32>(t1, t3, 2, 3, 6, 7), v128.load32_splat(w + 12)));
      }
      for (; i < m; i++) {
        const o = <usize>i << 3;
        let vr = f32x4.splat(load<f32>(p0 + o)), vi = f32x4.splat(load<f32>(p0 + o + 4));
        vr = v128.load32_lane(p1 + o, vr, 1); vi = v128.load32_lane(p1 + o + 4, vi, 1);
        vr = v128.load32_lane(p2 + o, vr, 2); vi = v128.load32_lane(p2 + o + 4, vi, 2);
        vr = v128.load32_lane(p3 + o, vr, 3); vi = v128.load32_lane(p3 + o + 4, vi, 3);
        v128.store(a + <usize>i * S, f32x4.mul(vr, v128.load32_splat(win + o)));
        v128.store(a + <usize>i * S + imOff, f32x4.mul(vi, v128.load32_splat(win + o + 4)));
      }
    } else {
      for (let i = 0; i < m; i++) {
        const o = <usize>i << 2;
        let vr = f32x4.splat(load<f32>(p0 + o));
        vr = v128.load32_lane(p1 + o, vr, 1);
        vr = v128.load32_lane(p2 + o, vr, 2);
        vr = v128.load32_lane(p3 + o, vr, 3);
        v128.store(a + <usize>i * S, f32x4.mul(vr, v128.load32_splat(win + o)));
        v128.store(a + <usize>i * S + imOff, f32x4.splat(0));
      }
    }
  } else {
    const p = sig + (<usize>(f0 * hop) << 2);
    if (even) {
      for (let i = 0; i < m; i++) {
        const o = <usize>i << 3;
        store<f32>(a + (<usize>i << 2), load<f32>(p + o) * load<f32>(win + o));
        store<f32>(a + (<usize>i << 2) + imOff, load<f32>(p + o + 4) * load<f32>(win + o + 4));
      }
    } else {
      for (let i = 0; i < m; i++) {
        const o = <usize>i << 2;
        store<f32>(a + o, load<f32>(p + o) * load<f32>(win + o));
        store<f32>(a + o + imOff, 0);
      }
    }
  }
}

// Even nFft = 2m: z = FFT_m(x[2n] + i x[2n+1]); X[k] = E[k] + W^k O[k] with
// E = (Z[k] + conj Z[m-k]) / 2, O = (Z[k] - conj Z[m-k]) / 2i, W = e^{-iπ/m}; k = 0..m.
// Bins k and m-k share their loads: E[m-k] = conj E[k], O[m-k] = conj O[k], W^{m-k} = -conj W^k, so with
// A + iB = W^k·2O[k]:  2X[k] = (2Er + A) + i(2Ei + B),  2X[m-k] = (2Er - A) + i(B - 2Ei).
// pw[k] = scale * |X[k]|^2 (or scale * |X[k]| for power = 1); the factor 2 is folded into the scale.
// @ts-ignore: decorator
@inline function powerEven<T>(cfg: usize, z: usize, imOff: usize, m: i32, pw: usize): void {
  const S = <usize>sizeof<T>();
  const tw = <usize>ci(cfg, POSTTW);
  const mag = ci(cfg, POWER) == 1;
  const scale = vsplat<T>(cf(cfg, SCALE) * (mag ? <f32>0.5 : <f32>0.25));
  const half = m >> 1;
  for (let k = 0; k <= half; k++) {
    const k2 = k == 0 ? 0 : m - k;
    const zr = load<T>(z + <usize>k * S), zi = load<T>(z + <usize>k * S + imOff);
    const cr = load<T>(z + <usize>k2 * S), cI = load<T>(z + <usize>k2 * S + imOff);
    const er = vadd<T>(zr, cr), ei = vsub<T>(zi, cI);
    const or = vadd<T>(zi, cI), oi = vsub<T>(cr, zr);
    const c = vload1<T>(tw + <usize>k * 8), s = vload1<T>(tw + <usize>k * 8 + 4);
    const A = vsub<T>(vmul<T>(c, or), vmul<T>(s, oi));
    const B = vadd<T>(vmul<T>(c, oi), vmul<T>(s, or));
    const xr = vadd<T>(er, A), xi = vadd<T>(ei, B);
    const yr = vsub<T>(er, A), yi = vsub<T>(B, ei);
    let p = vadd<T>(vmul<T>(xr, xr), vmul<T>(xi, xi));
    let q = vadd<T>(vmul<T>(yr, yr), vmul<T>(yi, yi));
    if (mag) {
      p = vsqrt<T>(p);
      q = vsqrt<T>(q);
    }
    store<T>(pw + <usize>(m - k) * S, vmul<T>(q, scale));
    store<T>(pw + <usize>k * S, vmul<T>(p, scale));
  }
}

// @ts-ignore: decorator
@inline function powerOdd<T>(cfg: usize, z: usize, imOff: usize, bins: i32, pw: usize): void {
  const S = <usize>sizeof<T>();
  const scale = vsplat<T>(cf(cfg, SCALE));
  const mag = ci(cfg, POWER) == 1;
  for (let k = 0; k < bins; k++) {
    const zr = load<T>(z + <usize>k * S), zi = load<T>(z + <usize>k * S + imOff);
    let p = vadd<T>(vmul<T>(zr, zr), vmul<T>(zi, zi));
    if (mag) p = vsqrt<T>(p);
    store<T>(pw + <usize>k * S, vmul<T>(p, scale));
  }
}

// @ts-ignore: decorator
@inline function storeLanes<T>(addr: usize, v: T, valid: i32, slot: usize): void {
  if (isVector<T>()) {
    if (valid == 4) v128.store(addr, <v128>v);
    else {
      v128.store(slot, <v128>v);
      for (let l = 0; l < valid; l++) store<f32>(addr + (<usize>l << 2), load<f32>(slot + (<usize>l << 2)));
    }
  } else store<f32>(addr, <f32>v);
}

// @ts-ignore: decorator
@inline function emit<T>(cfg: usize, pw: usize, out: usize, frames: i32, f0: i32, valid: i32, slot: usize): void {
  const S = <usize>sizeof<T>();
  const nMels = ci(cfg, NMELS);
  const row = <usize>frames << 2;
  let o = out + (<usize>f0 << 2);
  if (nMels == 0) {
    const bins = ci(cfg, BINS);
    for (let k = 0; k < bins; k++) {
      storeLanes<T>(o, load<T>(pw + <usize>k * S), valid, slot);
      o += row;
    }
    return;
  }
  const starts = <usize>ci(cfg, MELSTART), lens = <usize>ci(cfg, MELLEN), offs = <usize>ci(cfg, MELOFF);
  const wts = <usize>ci(cfg, MELW);
  for (let j = 0; j < nMels; j++) {
    const jo = <usize>j << 2;
    const k0 = load<i32>(starts + jo), len = load<i32>(lens + jo);
    let w = wts + (<usize>load<i32>(offs + jo) << 2);
    let p = pw + <usize>k0 * S;
    let acc0 = vsplat<T>(0), acc1 = vsplat<T>(0);
    let k = 0;
    for (; k + 2 <= len; k += 2) {
      acc0 = vadd<T>(acc0, vmul<T>(vload1<T>(w), load<T>(p)));
      acc1 = vadd<T>(acc1, vmul<T>(vload1<T>(w + 4), load<T>(p + S)));
      w += 8;
      p += 2 * S;
    }
    if (k < len) acc0 = vadd<T>(acc0, vmul<T>(vload1<T>(w), load<T>(p)));
    storeLanes<T>(o, vadd<T>(acc0, acc1), valid, slot);
    o += row;
  }
}

// log: ln(x + offset); db: dbMul*log10(max(x, amin)) - dbRef, then the top_db floor over the whole clip.
function logPass<T>(cfg: usize, out: usize, n: i32, mode: i32): void {
  const S = <usize>sizeof<T>();
  const L = lanes<T>();
  const INV_LN10: f32 = 0.4342944819032518;
  let i = 0;
  if (mode == 1) {
    const off = vsplat<T>(cf(cfg, LOGOFFSET));
    // 4 independent log chains per iteration: the polynomial is a serial mul-add chain, so a single one
    // is latency-bound
    for (; i + 4 * L <= n; i += 4 * L) {
      const p = out + (<usize>i << 2);
      const a0 = vlog<T>(vadd<T>(load<T>(p), off));
      const a1 = vlog<T>(vadd<T>(load<T>(p + S), off));
      const a2 = vlog<T>(vadd<T>(load<T>(p + 2 * S), off));
      const a3 = vlog<T>(vadd<T>(load<T>(p + 3 * S), off));
      store<T>(p, a0);
      store<T>(p + S, a1);
      store<T>(p + 2 * S, a2);
      store<T>(p + 3 * S, a3);
    }
    for (; i + L <= n; i += L) {
      const p = out + (<usize>i << 2);
      store<T>(p, vlog<T>(vadd<T>(load<T>(p), off)));
    }
    for (; i < n; i++) {
      const p = out + (<usize>i << 2);
      store<f32>(p, <f32>vlog<f32>(load<f32>(p) + cf(cfg, LOGOFFSET)));
    }
    return;
  }
  const amin = cf(cfg, AMIN);
  const mul = cf(cfg, DBMUL) * INV_LN10;
  const ref = cf(cfg, DBREF);
  const vamin = vsplat<T>(amin), vmulc = vsplat<T>(mul), vref = vsplat<T>(ref);
  for (; i + L <= n; i += L) {
    const p = out + (<usize>i << 2);
    store<T>(p, vsub<T>(vmul<T>(vlog<T>(vmax<T>(load<T>(p), vamin)), vmulc), vref));
  }
  for (; i < n; i++) {
    const p = out + (<usize>i << 2);
    store<f32>(p, vlog<f32>(max(load<f32>(p), amin)) * mul - ref);
  }
  const topDb = cf(cfg, TOPDB);
  if (topDb >= 0) {
    let mx: f32 = -Infinity;
    for (let j = 0; j < n; j++) mx = max(mx, load<f32>(out + (<usize>j << 2)));
    const floor = mx - topDb;
    for (let j = 0; j < n; j++) {
      const p = out + (<usize>j << 2);
      store<f32>(p, max(load<f32>(p), floor));
    }
  }
}
