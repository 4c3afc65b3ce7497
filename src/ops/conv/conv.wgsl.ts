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
