// Vorbis audio packets -> PCM (Vorbis I specification, sections 1.3, 4.3, 7.3, 8.6): floor 1 curves,
// residue 0/1/2 vectors, inverse channel coupling, inverse MDCT, power-sine windows and overlap-add.
// Computed in float64 (libvorbis uses float32: outputs agree to ~1e-6) with detmath cosines, so a file
// decodes to the same bytes in every runtime.
import { InvalidMediaError } from '../../errors.ts';
import { detCos, detExp, detLog, detSin } from '../../detmath.ts';
import { BitReader, EndOfPacket, ilog } from './bits.ts';
import type { Floor1, Residue, VorbisSetup } from './setup.ts';

const FLOOR_RANGE = [256, 128, 86, 64];
// floor1_inverse_dB_table: a geometric series from 1.0649863e-07 (index 0) to 1 (index 255)
const INV_DB = Float64Array.from({ length: 256 }, (_, i) => Math.fround(detExp(((255 - i) / 255) * detLog(1.0649863e-7))));

/** Inverse MDCT by its definition, O(N^2): y[n] = sum_k X[k] cos(pi/(2N) (2n + 1 + N/2)(2k + 1)). The oracle of `imdct`. */
export function imdctReference(X: Float64Array, N: number): Float64Array {
  const y = new Float64Array(N);
  for (let n = 0; n < N; n++) {
    let s = 0;
    for (let k = 0; k < N / 2; k++) s += X[k] * detCos((Math.PI / (2 * N)) * (((2 * n + 1 + N / 2) * (2 * k + 1)) % (4 * N)));
    y[n] = s;
  }
  return y;
}

interface Twiddles {
  pre: Float64Array; // (H, 2): exp(-i pi j / M)
  post: Float64Array; // (H, 2): exp(-i pi (4l + 1) / (4M))
  fft: Float64Array; // (H/2, 2): exp(-2 pi i k / H)
  rev: Uint32Array; // bit reversal of H
}
const twiddleCache = new Map<number, Twiddles>();
function twiddles(M: number): Twiddles {
  let t = twiddleCache.get(M);
  if (!t) {
    const H = M / 2;
    const pre = new Float64Array(2 * H), post = new Float64Array(2 * H), fft = new Float64Array(H), rev = new Uint32Array(H);
    for (let j = 0; j < H; j++) {
      const a = (-Math.PI * j) / M, b = (-Math.PI * (4 * j + 1)) / (4 * M);
      pre[2 * j] = detCos(a);
      pre[2 * j + 1] = detSin(a);
      post[2 * j] = detCos(b);
      post[2 * j + 1] = detSin(b);
    }
    for (let k = 0; k < H / 2; k++) {
      fft[2 * k] = detCos((-2 * Math.PI * k) / H);
      fft[2 * k + 1] = detSin((-2 * Math.PI * k) / H);
    }
    const bits = Math.log2(H);
    for (let i = 0; i < H; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      rev[i] = r;
    }
    t = { pre, post, fft, rev };
    twiddleCache.set(M, t);
  }
  return t;
}

/**
 * Inverse MDCT in O(N log N): a DCT-IV of the M = N/2 coefficients through an M/2-point complex FFT
 * (even/odd interleave, pre- and post-twiddle), then the DCT-IV's symmetries unfold it to N samples.
 */
export function imdct(X: Float64Array, N: number): Float64Array {
  const M = N / 2, H = M / 2;
  const { pre, post, fft, rev } = twiddles(M);
  const re = new Float64Array(H), im = new Float64Array(H);
  for (let j = 0; j < H; j++) {
    const a = X[2 * j], b = X[M - 1 - 2 * j];
    const c = pre[2 * j], s = pre[2 * j + 1];
    const r = rev[j];
    re[r] = a * c - b * s;
    im[r] = a * s + b * c;
  }
  for (let len = 2; len <= H; len <<= 1) {
    const half = len >> 1, step = H / len;
    for (let i = 0; i < H; i += len) {
      for (let k = 0; k < half; k++) {
        const wr = fft[2 * k * step], wi = fft[2 * k * step + 1];
        const p = i + k, q = p + half;
        const xr = re[q] * wr - im[q] * wi, xi = re[q] * wi + im[q] * wr;
        re[q] = re[p] - xr;
        im[q] = im[p] - xi;
        re[p] += xr;
        im[p] += xi;
      }
    }
  }
  const u = new Float64Array(M); // DCT-IV of X
  for (let l = 0; l < H; l++) {
    const c = post[2 * l], s = post[2 * l + 1];
    u[2 * l] = re[l] * c - im[l] * s;
    u[M - 1 - 2 * l] = -(re[l] * s + im[l] * c);
  }
  // y[n] = u(n + M/2) with u(2M - 1 - m) = -u(m) and u(m + 2M) = -u(m)
  const y = new Float64Array(N);
  for (let n = 0; n < M / 2; n++) y[n] = u[n + M / 2];
  for (let n = M / 2; n < (3 * M) / 2; n++) y[n] = -u[(3 * M) / 2 - 1 - n];
  for (let n = (3 * M) / 2; n < N; n++) y[n] = -u[n - (3 * M) / 2];
  return y;
}

const windows = new Map<string, Float64Array>();
/** Window of a block of size n given the neighbouring block sizes (spec 1.3.2); cached. */
function windowOf(n: number, b0: number, longBlock: boolean, prevLong: boolean, nextLong: boolean): Float64Array {
  const key = `${n}:${b0}:${longBlock}:${prevLong}:${nextLong}`;
  let w = windows.get(key);
  if (!w) {
    w = makeWindow(n, b0, longBlock, prevLong, nextLong);
    windows.set(key, w);
  }
  return w;
}

function makeWindow(n: number, b0: number, longBlock: boolean, prevLong: boolean, nextLong: boolean): Float64Array {
  const w = new Float64Array(n);
  const ls = longBlock && !prevLong ? n / 4 - b0 / 4 : 0;
  const le = longBlock && !prevLong ? n / 4 + b0 / 4 : n / 2;
  const ln = longBlock && !prevLong ? b0 / 2 : n / 2;
  const rs = longBlock && !nextLong ? (n * 3) / 4 - b0 / 4 : n / 2;
  const re = longBlock && !nextLong ? (n * 3) / 4 + b0 / 4 : n;
  const rn = longBlock && !nextLong ? b0 / 2 : n / 2;
  const f = (x: number) => detSin((Math.PI / 2) * detSin(x) ** 2);
  for (let i = ls; i < le; i++) w[i] = f(((i - ls + 0.5) / ln) * (Math.PI / 2));
  for (let i = le; i < rs; i++) w[i] = 1;
  for (let i = rs; i < re; i++) w[i] = f(((i - rs + 0.5) / rn) * (Math.PI / 2) + Math.PI / 2);
  return w;
}

/** Floor 1 packet decode; null when the channel is unused this packet. */
function floor1Decode(r: BitReader, s: VorbisSetup, f: Floor1): number[] | null {
  try {
    if (!r.flag()) return null;
    const range = FLOOR_RANGE[f.multiplier - 1];
    const bits = ilog(range - 1);
    const y = [r.read(bits), r.read(bits)];
    for (const c of f.partitionClass) {
      const cdim = f.classDims[c];
      const cbits = f.classSubclasses[c];
      const csub = (1 << cbits) - 1;
      let cval = cbits ? s.codebooks[f.classMasterbook[c]].decode(r) : 0;
      for (let j = 0; j < cdim; j++) {
        const book = f.subclassBooks[c][cval & csub];
        cval >>>= cbits;
        y.push(book >= 0 ? s.codebooks[book].decode(r) : 0);
      }
    }
    return y;
  } catch (e) {
    if (e instanceof EndOfPacket) return null;
    throw e;
  }
}

function renderPoint(x0: number, y0: number, x1: number, y1: number, x: number): number {
  const dy = y1 - y0;
  const off = Math.trunc((Math.abs(dy) * (x - x0)) / (x1 - x0));
  return dy < 0 ? y0 - off : y0 + off;
}

function renderLine(x0: number, y0: number, x1: number, y1: number, v: Float64Array): void {
  const dy = y1 - y0;
  const adx = x1 - x0;
  let ady = Math.abs(dy);
  const base = Math.trunc(dy / adx);
  const sy = dy < 0 ? base - 1 : base + 1;
  let y = y0;
  let err = 0;
  ady -= Math.abs(base) * adx;
  if (x0 < v.length) v[x0] = INV_DB[y & 255];
  for (let x = x0 + 1; x < x1 && x < v.length; x++) {
    err += ady;
    if (err >= adx) {
      err -= adx;
      y += sy;
    } else y += base;
    v[x] = INV_DB[y & 255]; // y stays in [0, 255] for valid streams; & 255 keeps corrupt ones finite
  }
}

/** Floor 1 curve (spec 7.2.4) of length n2 = blocksize / 2, as linear amplitudes. */
function floor1Curve(f: Floor1, yIn: number[], n2: number): Float64Array {
  const range = FLOOR_RANGE[f.multiplier - 1];
  const X = f.xList;
  const nv = X.length;
  const fy = new Array<number>(nv);
  const step2 = new Array<boolean>(nv).fill(false);
  step2[0] = step2[1] = true;
  fy[0] = yIn[0];
  fy[1] = yIn[1];
  for (let i = 2; i < nv; i++) {
    const lo = f.low[i], hi = f.high[i];
    const pred = renderPoint(X[lo], fy[lo], X[hi], fy[hi], X[i]);
    const val = yIn[i];
    const highroom = range - pred;
    const lowroom = pred;
    const room = (highroom < lowroom ? highroom : lowroom) * 2;
    if (val !== 0) {
      step2[lo] = step2[hi] = step2[i] = true;
      if (val >= room) fy[i] = highroom > lowroom ? val - lowroom + pred : pred - val + highroom - 1;
      else fy[i] = val & 1 ? pred - (val + 1) / 2 : pred + val / 2;
    } else fy[i] = pred;
  }
  const v = new Float64Array(n2);
  let lx = 0, ly = fy[f.order[0]] * f.multiplier, hx = 0, hy = ly;
  for (let k = 1; k < nv; k++) {
    const i = f.order[k];
    if (!step2[i]) continue;
    hy = Math.min(255, Math.max(0, fy[i] * f.multiplier));
    hx = X[i];
    renderLine(lx, ly, hx, hy, v);
    lx = hx;
    ly = hy;
  }
  if (hx < n2) renderLine(hx, hy, n2, hy, v);
  return v;
}

/** Residue decode into `vecs` (each n2 long) for the channels not marked `skip` (spec 8.6.2). */
function residueDecode(r: BitReader, s: VorbisSetup, res: Residue, vecs: Float64Array[], skip: boolean[], n2: number): void {
  if (res.type === 2) {
    if (skip.every(Boolean)) return;
    const ch = vecs.length;
    const inter = new Float64Array(n2 * ch);
    residueCore(r, s, res, [inter], [false], n2 * ch, 1);
    for (let i = 0; i < n2 * ch; i++) vecs[i % ch][Math.floor(i / ch)] += inter[i];
    return;
  }
  residueCore(r, s, res, vecs, skip, n2, res.type);
}

function residueCore(r: BitReader, s: VorbisSetup, res: Residue, vecs: Float64Array[], skip: boolean[], size: number, format: number): void {
  const begin = Math.min(res.begin, size), end = Math.min(res.end, size);
  const psize = res.partitionSize;
  const nparts = Math.floor((end - begin) / psize);
  if (nparts <= 0) return;
  const cb = s.codebooks[res.classbook];
  const perWord = cb.dims;
  const classes = vecs.map(() => new Int32Array(nparts + perWord));
  try {
    for (let pass = 0; pass < 8; pass++) {
      let p = 0;
      while (p < nparts) {
        if (pass === 0) {
          for (let j = 0; j < vecs.length; j++) {
            if (skip[j]) continue;
            let temp = cb.decode(r);
            for (let i = perWord - 1; i >= 0; i--) {
              classes[j][i + p] = temp % res.classifications;
              temp = Math.floor(temp / res.classifications);
            }
          }
        }
        for (let i = 0; i < perWord && p < nparts; i++, p++) {
          for (let j = 0; j < vecs.length; j++) {
            if (skip[j]) continue;
            const book = res.books[classes[j][p]][pass];
            if (book < 0) continue;
            const b = s.codebooks[book];
            if (!b.vq) throw new InvalidMediaError('Vorbis residue uses a codebook without VQ values');
            const v = vecs[j];
            const off = begin + p * psize;
            const d = b.dims;
            if (format === 0) {
              const step = psize / d;
              for (let k = 0; k < step; k++) {
                const e = b.decode(r) * d;
                for (let m = 0; m < d; m++) v[off + k + m * step] += b.vq[e + m];
              }
            } else {
              for (let k = 0; k < psize; ) {
                const e = b.decode(r) * d;
                for (let m = 0; m < d && k < psize; m++, k++) v[off + k] += b.vq[e + m];
              }
            }
          }
        }
      }
    }
  } catch (e) {
    if (!(e instanceof EndOfPacket)) throw e; // a packet may end inside the residue: the rest stays zero
  }
}

/** Decodes all audio packets: one Float32Array per channel, trimmed to `totalFrames` when >= 0. */
export function decodeAudioPackets(s: VorbisSetup, packets: Uint8Array[], totalFrames: number): Float32Array[] {
  const C = s.channels;
  const [b0, b1] = s.blocksize;
  const chunks: Float64Array[][] = Array.from({ length: C }, () => []);
  let produced = 0;
  let prev: Float64Array[] | null = null;
  let prevN = 0;
  const modeBits = ilog(s.modes.length - 1);
  for (const pkt of packets) {
    const r = new BitReader(pkt);
    let modeIndex: number, prevLong = true, nextLong = true;
    try {
      if (r.read(1) !== 0) continue; // not an audio packet
      modeIndex = r.read(modeBits);
      if (modeIndex >= s.modes.length) continue;
      if (s.modes[modeIndex].blockflag) {
        prevLong = r.flag();
        nextLong = r.flag();
      }
    } catch (e) {
      if (e instanceof EndOfPacket) continue;
      throw e;
    }
    const mode = s.modes[modeIndex];
    const n = mode.blockflag ? b1 : b0;
    const n2 = n / 2;
    const map = s.mappings[mode.mapping];
    // floors
    const floorY: (number[] | null)[] = [];
    for (let c = 0; c < C; c++) floorY.push(floor1Decode(r, s, s.floors[map.submapFloor[map.mux[c]]]));
    // a coupled pair is decoded if either channel has a floor
    const noResidue = floorY.map((y) => y === null);
    for (const [m, a] of map.coupling) {
      if (!noResidue[m] || !noResidue[a]) noResidue[m] = noResidue[a] = false;
    }
    const spec = Array.from({ length: C }, () => new Float64Array(n2));
    for (let sm = 0; sm < map.submapFloor.length; sm++) {
      const chans: number[] = [];
      for (let c = 0; c < C; c++) if (map.mux[c] === sm) chans.push(c);
      residueDecode(r, s, s.residues[map.submapResidue[sm]], chans.map((c) => spec[c]), chans.map((c) => noResidue[c]), n2);
    }
    for (let i = map.coupling.length - 1; i >= 0; i--) {
      const M = spec[map.coupling[i][0]], A = spec[map.coupling[i][1]];
      for (let j = 0; j < n2; j++) {
        const m = M[j], a = A[j];
        if (m > 0) {
          if (a > 0) (M[j] = m), (A[j] = m - a);
          else (A[j] = m), (M[j] = m + a);
        } else if (a > 0) (M[j] = m), (A[j] = m + a);
        else (A[j] = m), (M[j] = m - a);
      }
    }
    const win = windowOf(n, b0, mode.blockflag === 1, prevLong, nextLong);
    const cur: Float64Array[] = [];
    for (let c = 0; c < C; c++) {
      const y = floorY[c];
      if (y === null) {
        cur.push(new Float64Array(n));
        continue;
      }
      const curve = floor1Curve(s.floors[map.submapFloor[map.mux[c]]], y, n2);
      const X = spec[c];
      for (let j = 0; j < n2; j++) X[j] *= curve[j];
      const out = imdct(X, n);
      for (let j = 0; j < n; j++) out[j] *= win[j];
      cur.push(out);
    }
    if (prev) {
      // previous block's 3/4 point meets this block's 1/4 point; return prev centre .. this centre
      const start = (prevN * 3) / 4 - n / 4; // this block's offset in the previous block's coordinates
      const len = prevN / 4 + n / 4;
      for (let c = 0; c < C; c++) {
        const o = new Float64Array(len);
        for (let t = 0; t < len; t++) {
          const pt = prevN / 2 + t;
          const ct = pt - start;
          o[t] = (pt < prevN ? prev[c][pt] : 0) + (ct >= 0 && ct < n ? cur[c][ct] : 0);
        }
        chunks[c].push(o);
      }
      produced += len;
    }
    prev = cur;
    prevN = n;
  }
  const total = totalFrames >= 0 ? Math.min(totalFrames, produced) : produced;
  return chunks.map((parts) => {
    const out = new Float32Array(total);
    let o = 0;
    for (const p of parts) {
      for (let i = 0; i < p.length && o < total; i++) {
        const v = p[i];
        if (!Number.isFinite(v) || Math.abs(v) > 1e6) throw new InvalidMediaError('corrupt Vorbis audio: a decoded sample is not finite');
        out[o++] = v;
      }
    }
    return out;
  });
}
