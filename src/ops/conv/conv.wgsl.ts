// conv3d (and conv2d as T = 1) as implicit GEMMs over the tiled kernel of ../matmul/gemm.wgsl.ts. Only
// the index maths lives here: which x / dOut / weight element a GEMM coordinate reads.
//
//   forward   out(Co, Nb*So)    = W(Co, Ci*kvol)      @ im2col(x)(Ci*kvol, Nb*So)
//   dX        dX(Ci, Nb*Si)     = W^T(Ci, Co*kvol)    @ col2im(dOut)(Co*kvol, Nb*Si)
//   dW        dW(Co, Ci*kvol)   = dOut(Co, Nb*So)     @ im2col(x)^T(Nb*So, Ci*kvol)
// (So / Si: output / input positions To*Ho*Wo and T*H*W; kvol = kt*kh*kw.)

/** Static geometry of one conv3d: shapes, stride, padding, dilation. */
export interface ConvGeom {
  N: number; Ci: number; T: number; H: number; W: number;
  Co: number; kt: number; kh: number; kw: number;
  st: number; sh: number; sw: number;
  pt: number; ph: number; pw: number;
  dt: number; dh: number; dw: number;
  To: number; Ho: number; Wo: number;
}

/** The geometry as u32 uniforms (prefixed `c`), so one pipeline serves every conv shape. */
export function convParams(g: ConvGeom): Record<string, number> {
  const p: Record<string, number> = {};
  for (const [k, v] of Object.entries(g)) p[`c${k}`] = v;
  p.ckvol = g.kt * g.kh * g.kw;
  p.ckhw = g.kh * g.kw;
  p.cSo = g.To * g.Ho * g.Wo;
  p.cSi = g.T * g.H * g.W;
  p.cHoWo = g.Ho * g.Wo;
  p.cHW = g.H * g.W;
  return p;
}

/**
 * WGSL helpers (reading the convParams uniforms): xAt(p, j) reads x for output position p (= n*So + s)
 * and reduction index j (= ci*kvol + r), zero in the padding; gAt(k, q) reads dOut for the dX GEMM
 * (k = co*kvol + r, q = n*Si + input position), zero where no output position maps there.
 */
export function convDecls(which: 'xAt' | 'gAt'): string {
  const xAt = `
fn xAt(p: u32, j: u32) -> f32 {
  let n = p / u.cSo; let s = p % u.cSo;
  let to = s / u.cHoWo; let ho = (s / u.cWo) % u.cHo; let wo = s % u.cWo;
  let ci = j / u.ckvol; let r = j % u.ckvol;
  let a = r / u.ckhw; let bb = (r / u.ckw) % u.ckh; let c = r % u.ckw;
  let ti = i32(to * u.cst + a * u.cdt) - i32(u.cpt);
  let hi = i32(ho * u.csh + bb * u.cdh) - i32(u.cph);
  let wi = i32(wo * u.csw + c * u.cdw) - i32(u.cpw);
  if (ti < 0 || ti >= i32(u.cT) || hi < 0 || hi >= i32(u.cH) || wi < 0 || wi >= i32(u.cW)) { return 0.0; }
  return X(((n * u.cCi + ci) * u.cT + u32(ti)) * u.cHW + u32(hi) * u.cW + u32(wi));
}`;
  const gAt = `
fn back(i: u32, k: u32, p: u32, s: u32, d: u32, o: u32) -> i32 {
  // the output index q with q*s - p + k*d == i, or -1
  let num = i32(i) + i32(p) - i32(k * d);
  if (num < 0 || (num % i32(s)) != 0) { return -1; }
  let q = num / i32(s);
  if (q >= i32(o)) { return -1; }
  return q;
}
fn gAt(k: u32, q: u32) -> f32 {
  let co = k / u.ckvol; let r = k % u.ckvol;
  let a = r / u.ckhw; let bb = (r / u.ckw) % u.ckh; let c = r % u.ckw;
  let n = q / u.cSi; let s = q % u.cSi;
  let ti = s / u.cHW; let hi = (s / u.cW) % u.cH; let wi = s % u.cW;
  let to = back(ti, a, u.cpt, u.cst, u.cdt, u.cTo);
  let ho = back(hi, bb, u.cph, u.csh, u.cdh, u.cHo);
  let wo = back(wi, c, u.cpw, u.csw, u.cdw, u.cWo);
  if (to < 0 || ho < 0 || wo < 0) { return 0.0; }
  return G((n * u.cCo + co) * u.cSo + (u32(to) * u.cHo + u32(ho)) * u.cWo + u32(wo));
}`;
  return which === 'xAt' ? xAt : gAt;
}

// ---- dX by phases (sub-pixel decomposition) ------------------------------------------------------------
// With stride s > 1 an input position i only receives taps a with (i + p - a) % s == 0: grouping input
// positions by phase r = (i + p) % s, phase r gets exactly the taps a = r, r + s, r + 2s, ... and every
// (position, tap) pair of its GEMM is a real one, so no zero tap is multiplied (the plain col2im GEMM spends
// (s-1)/s of its K per strided dim on zeros: 3/4 for the (1,7,7) s(1,2,2) stem). Per dim, phase r covers
// i = z + s*j (j < n) and taps a = f + as*t (t < k), and the output index is o = b + j - t*q. Dims with
// stride 1 have one phase (z = 0, f = 0, as = 1, b = p, q = dilation); dims with stride > 1 need
// dilation 1 (z = (r - p) mod s, f = r, as = s, b = (z + p - r) / s >= 0, q = 1), else no phase split.

/** One dim's phase: input start z, count n; first tap f, tap step as, tap count k; output base b, step q. */
export interface PhaseDim { z: number; n: number; f: number; as: number; k: number; b: number; q: number }

/** The phases of one strided dim (empty phases, with no input position or no tap, are left out). */
export function phaseDims(I: number, k: number, s: number, p: number, d: number): PhaseDim[] {
  if (s === 1) return [{ z: 0, n: I, f: 0, as: 1, k, b: p, q: d }];
  if (d !== 1) throw new RangeError(`phaseDims: stride ${s} with dilation ${d} has no phase split`);
  const out: PhaseDim[] = [];
  for (let r = 0; r < s; r++) {
    const z = (((r - p) % s) + s) % s;
    const n = I > z ? Math.ceil((I - z) / s) : 0;
    const kc = k > r ? Math.ceil((k - r) / s) : 0;
    if (n > 0 && kc > 0) out.push({ z, n, f: r, as: s, k: kc, b: (z + p - r) / s, q: 1 });
  }
  return out;
}

/** Whether dX can be split by phases: every strided dim has dilation 1. */
export function canSplitPhases(g: ConvGeom): boolean {
  return (g.st === 1 || g.dt === 1) && (g.sh === 1 || g.dh === 1) && (g.sw === 1 || g.dw === 1);
}

/** The phases of dX as u32 uniforms (read by phaseDecls), with P = positions and K = taps per phase. */
export function dxPhases(g: ConvGeom): Array<{ P: number; K: number; params: Record<string, number> }> {
  const res: Array<{ P: number; K: number; params: Record<string, number> }> = [];
  for (const t of phaseDims(g.T, g.kt, g.st, g.pt, g.dt)) for (const h of phaseDims(g.H, g.kh, g.sh, g.ph, g.dh)) for (const w of phaseDims(g.W, g.kw, g.sw, g.pw, g.dw)) {
    const params: Record<string, number> = { cPn: t.n * h.n * w.n, cPhw: h.n * w.n, cKn: t.k * h.k * w.k, cKhw: h.k * w.k };
    for (const [D, v] of [['T', t], ['H', h], ['W', w]] as const) {
      Object.assign(params, { [`c${D}z`]: v.z, [`c${D}n`]: v.n, [`c${D}f`]: v.f, [`c${D}s`]: v.as, [`c${D}k`]: v.k, [`c${D}b`]: v.b, [`c${D}q`]: v.q });
    }
    res.push({ P: params.cPn, K: params.cKn, params });
  }
  return res;
}

/**
 * WGSL for one phase's GEMM: gAtP(k, q) reads dOut for tap k (= co*K + tap) and phase position q
 * (= n*P + position), zero where the output index falls outside; wAtP(k, ci) reads the weight of that tap;
 * dxIdx(q, ci) is the dX element of position q.
 */
export const phaseDecls = `
fn gAtP(k: u32, q: u32) -> f32 {
  let co = k / u.cKn; let r = k % u.cKn;
  let it = r / u.cKhw; let ih = (r / u.cWk) % u.cHk; let iw = r % u.cWk;
  let n = q / u.cPn; let s = q % u.cPn;
  let jt = s / u.cPhw; let jh = (s / u.cWn) % u.cHn; let jw = s % u.cWn;
  let to = i32(u.cTb + jt) - i32(it * u.cTq);
  let ho = i32(u.cHb + jh) - i32(ih * u.cHq);
  let wo = i32(u.cWb + jw) - i32(iw * u.cWq);
  if (to < 0 || to >= i32(u.cTo) || ho < 0 || ho >= i32(u.cHo) || wo < 0 || wo >= i32(u.cWo)) { return 0.0; }
  return G((n * u.cCo + co) * u.cSo + (u32(to) * u.cHo + u32(ho)) * u.cWo + u32(wo));
}
fn wAtP(k: u32, ci: u32) -> f32 {
  let co = k / u.cKn; let r = k % u.cKn;
  let a = u.cTf + (r / u.cKhw) * u.cTs;
  let bb = u.cHf + ((r / u.cWk) % u.cHk) * u.cHs;
  let c = u.cWf + (r % u.cWk) * u.cWs;
  return Wt((co * u.cCi + ci) * u.ckvol + (a * u.ckh + bb) * u.ckw + c);
}
fn dxIdx(q: u32, ci: u32) -> u32 {
  let n = q / u.cPn; let s = q % u.cPn;
  let ti = u.cTz + (s / u.cPhw) * u.cst;
  let hi = u.cHz + ((s / u.cWn) % u.cHn) * u.csh;
  let wi = u.cWz + (s % u.cWn) * u.csw;
  return ((n * u.cCi + ci) * u.cT + ti) * u.cHW + hi * u.cW + wi;
}`;
