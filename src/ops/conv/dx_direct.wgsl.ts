// Direct (not GEMM) conv dX for one phase (see conv.wgsl.ts) with few input channels (the RGB stem), for
// CPU-backed adapters. As a GEMM (N = Ci = 3) every gathered dOut element feeds only 3 multiply-adds, so the
// gathers' index maths dominate. Here one invocation owns R consecutive phase positions along W and all Ci
// channels (R x Ci accumulators): per (co, t-tap, h-tap) it loads the R + WK - 1 dOut values of one output
// row once and reuses them for all WK w-taps and Ci channels (R*WK*Ci multiply-adds per R+WK-1 loads).
// Needs the phase's W output step q = 1 (stride > 1 or dilation 1 along W).
import type { KernelSpec } from '../../gpu/kernel.ts';

/** Positions per invocation along W. */
export const DIRECT_R = 8;
export const DIRECT_WG = 64;

/** Uniform names, in order (values from convParams + a phase's params). */
export const directUniforms = ['cN', 'cCi', 'cCo', 'cT', 'cHW', 'cW', 'cSo', 'cTo', 'cHo', 'cWo', 'ckvol', 'ckh', 'ckw', 'cst', 'csh', 'csw',
  'cTz', 'cTn', 'cTf', 'cTs', 'cTk', 'cTb', 'cTq', 'cHz', 'cHn', 'cHf', 'cHs', 'cHk', 'cHb', 'cHq', 'cWz', 'cWn', 'cWf', 'cWs', 'cWb'];

/**
 * Kernel for Ci = C channels and WK w-taps. Bindings: G = dOut (N, Co, To, Ho, Wo), Wt = weight
 * (Co, Ci, kt, kh, kw), dX (N, Ci, T, H, W) accumulated into. Launch with ceil(invocations / DIRECT_WG)
 * workgroups, invocations = N * Tn * Hn * ceil(Wn / R).
 */
export function dxDirectSpec(C: number, WK: number): KernelSpec {
  const R = DIRECT_R;
  const L = R + WK - 1;
  const loads: string[] = [];
  for (let e = 0; e < L; e++) {
    loads.push(`        { let wo = i32(u.cWb + jw0 + ${e}u) - ${WK - 1}; row[${e}] = select(0.0, G(rowBase + u32(max(wo, 0))), wo >= 0 && wo < i32(u.cWo)); }`);
  }
  const fmas: string[] = [];
  for (let iw = 0; iw < WK; iw++) {
    for (let ci = 0; ci < C; ci++) fmas.push(`        let w${iw}_${ci} = Wt(wBase + ${ci}u * u.ckvol + (u.cWf + ${iw}u * u.cWs));`);
    for (let r = 0; r < R; r++) for (let ci = 0; ci < C; ci++) fmas.push(`        acc[${r * C + ci}] = fma(row[${r - iw + WK - 1}], w${iw}_${ci}, acc[${r * C + ci}]);`);
  }
  const stores: string[] = [];
  for (let r = 0; r < R; r++) {
    stores.push(`  if (jw0 + ${r}u < u.cWn) {
    let wi = u.cWz + (jw0 + ${r}u) * u.csw;
${Array.from({ length: C }, (_, ci) => `    { let o = ((n * u.cCi + ${ci}u) * u.cT + ti) * u.cHW + hi * u.cW + wi; dX_set(o, dX(o) + acc[${r * C + ci}]); }`).join('\n')}
  }`);
  }
  return {
    name: `conv3d.dXdirect${C}x${WK}`,
    bindings: [{ name: 'G' }, { name: 'Wt' }, { name: 'dX', write: true }],
    uniforms: directUniforms.map((n): [string, 'u32'] => [n, 'u32']),
    workgroupSize: DIRECT_WG,
    body: `  let nStrip = (u.cWn + ${R - 1}u) / ${R}u;
  if (gidx >= u.cN * u.cTn * u.cHn * nStrip) { return; }
  let jw0 = (gidx % nStrip) * ${R}u;
  var rest = gidx / nStrip;
  let jh = rest % u.cHn; rest = rest / u.cHn;
  let jt = rest % u.cTn; let n = rest / u.cTn;
  var acc: array<f32, ${R * C}>;
  var row: array<f32, ${L}>;
  for (var co = 0u; co < u.cCo; co++) {
    for (var it = 0u; it < u.cTk; it++) {
      let to = i32(u.cTb + jt) - i32(it * u.cTq);
      if (to < 0 || to >= i32(u.cTo)) { continue; }
      for (var ih = 0u; ih < u.cHk; ih++) {
        let ho = i32(u.cHb + jh) - i32(ih * u.cHq);
        if (ho < 0 || ho >= i32(u.cHo)) { continue; }
        let rowBase = (n * u.cCo + co) * u.cSo + (u32(to) * u.cHo + u32(ho)) * u.cWo;
        let wBase = co * u.cCi * u.ckvol + ((u.cTf + it * u.cTs) * u.ckh + (u.cHf + ih * u.cHs)) * u.ckw;
${loads.join('\n')}
${fmas.join('\n')}
      }
    }
  }
  let ti = u.cTz + jt * u.cst;
  let hi = u.cHz + jh * u.csh;
${stores.join('\n')}`,
  };
}
