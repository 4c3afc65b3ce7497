// Pooling over (NC, D, H, W) planes: max / average, with regular windows (kernel, stride, zero/-inf
// padding) or adaptive windows (torch's start = floor(o*In/Out), end = ceil((o+1)*In/Out)). Sizes are
// uniforms; the variant (max/avg, adaptive, countIncludePad) is baked. Backward gathers: each input
// element sums the gradients of the output windows that contain it (no atomics, deterministic).
import type { KernelSpec } from '../../gpu/kernel.ts';

export type PoolKind = 'max' | 'avg';

const DIMS = ['D', 'H', 'W'] as const;
export const POOL_UNIFORMS: Array<[string, 'u32']> = [
  ['total', 'u32'],
  ...DIMS.flatMap((d) => [`i${d}`, `o${d}`, `k${d}`, `s${d}`, `p${d}`].map((n): [string, 'u32'] => [n, 'u32'])),
];

function windowFns(adaptive: boolean): string {
  return DIMS.map((d) => {
    const win = adaptive
      ? `let st = i32((o * u.i${d}) / u.o${d}); let en = i32(((o + 1u) * u.i${d} + u.o${d} - 1u) / u.o${d});`
      : `let st = i32(o * u.s${d}) - i32(u.p${d}); let en = st + i32(u.k${d});`;
    const range = adaptive
      ? `let lo = i32((i * u.o${d}) / u.i${d}); let hi = min(i32(((i + 1u) * u.o${d} + u.i${d} - 1u) / u.i${d}) - 1, i32(u.o${d}) - 1);`
      : `let num = i32(i) + i32(u.p${d}) - i32(u.k${d}) + 1;
  var lo = 0; if (num > 0) { lo = (num + i32(u.s${d}) - 1) / i32(u.s${d}); }
  let hi = min((i32(i) + i32(u.p${d})) / i32(u.s${d}), i32(u.o${d}) - 1);`;
    return `fn win${d}(o: u32) -> vec2<i32> { ${win} return vec2<i32>(st, en); }
fn orange${d}(i: u32) -> vec2<i32> {
  ${range}
  return vec2<i32>(lo, hi);
}`;
  }).join('\n');
}

const decodeOut = `  let ow = o % u.oW; let oh = (o / u.oW) % u.oH; let od = (o / (u.oW * u.oH)) % u.oD;
  let nc = o / (u.oW * u.oH * u.oD);
  let wd = winD(od); let wh = winH(oh); let ww = winW(ow);
  let d0 = max(wd.x, 0); let d1 = min(wd.y, i32(u.iD));
  let h0 = max(wh.x, 0); let h1 = min(wh.y, i32(u.iH));
  let w0 = max(ww.x, 0); let w1 = min(ww.y, i32(u.iW));
  let plane = nc * u.iD * u.iH * u.iW;`;

/** Divisor of output window (wd, wh, ww) after clipping to [d0,d1) x ...: torch's avg_pool rule. */
function divisor(adaptive: boolean, countIncludePad: boolean): string {
  if (adaptive || !countIncludePad) return 'f32((d1 - d0) * (h1 - h0) * (w1 - w0))';
  // pad-extended window: end clipped to In + pad
  return `f32((min(wd.y, i32(u.iD + u.pD)) - wd.x) * (min(wh.y, i32(u.iH + u.pH)) - wh.x) * (min(ww.y, i32(u.iW + u.pW)) - ww.x))`;
}

/** Forward. Bindings x, out (+ argmax u32 for max). Grid: ceil(total / 64). */
export function poolForward(kind: PoolKind, adaptive: boolean, countIncludePad: boolean): KernelSpec {
  const loop = kind === 'max'
    ? `  var best = bitcast<f32>(0xff7fffffu); var bi = u32(d0) * u.iH * u.iW + u32(h0) * u.iW + u32(w0);
  for (var d = d0; d < d1; d++) { for (var h = h0; h < h1; h++) { for (var w = w0; w < w1; w++) {
    let li = (u32(d) * u.iH + u32(h)) * u.iW + u32(w);
    let v = x(plane + li);
    if (v > best) { best = v; bi = li; }
  } } }
  out_set(o, best);
  arg_set(o, bi);`
    : `  var s = 0.0;
  for (var d = d0; d < d1; d++) { for (var h = h0; h < h1; h++) { for (var w = w0; w < w1; w++) {
    s += x(plane + (u32(d) * u.iH + u32(h)) * u.iW + u32(w));
  } } }
  out_set(o, s / ${divisor(adaptive, countIncludePad)});`;
  return {
    name: `${kind}Pool${adaptive ? '.adaptive' : ''}`,
    bindings: [{ name: 'x' }, { name: 'out', write: true }, ...(kind === 'max' ? [{ name: 'arg', type: 'u32' as const, write: true }] : [])],
    uniforms: POOL_UNIFORMS,
    workgroupSize: 64,
    decls: windowFns(adaptive),
    body: `  let o = gidx;
  if (o >= u.total) { return; }
${decodeOut}
${loop}`,
  };
}

/** Backward: dX[i] += sum of g over windows containing i (max: only where argmax == i). total = size of x. */
export function poolBackward(kind: PoolKind, adaptive: boolean, countIncludePad: boolean): KernelSpec {
  const contrib = kind === 'max'
    ? 'if (arg(o) == li) { acc += g(o); }'
    : `let wd = wa; let wh = wb; let ww = wc;
        let d0 = max(wd.x, 0); let d1 = min(wd.y, i32(u.iD));
        let h0 = max(wh.x, 0); let h1 = min(wh.y, i32(u.iH));
        let w0 = max(ww.x, 0); let w1 = min(ww.y, i32(u.iW));
        acc += g(o) / ${divisor(adaptive, countIncludePad)};`;
  return {
    name: `${kind}Pool${adaptive ? '.adaptive' : ''}.dX`,
    bindings: [{ name: 'g' }, ...(kind === 'max' ? [{ name: 'arg', type: 'u32' as const }] : []), { name: 'dX', write: true }],
    uniforms: POOL_UNIFORMS,
    workgroupSize: 64,
    decls: windowFns(adaptive),
    body: `  let i = gidx;
  if (i >= u.total) { return; }
  let iw = i % u.iW; let ih = (i / u.iW) % u.iH; let id = (i / (u.iW * u.iH)) % u.iD;
  let ncI = i / (u.iW * u.iH * u.iD);
  let li = (id * u.iH + ih) * u.iW + iw;
  let rd = orangeD(id); let rh = orangeH(ih); let rw = orangeW(iw);
  var acc = 0.0;
  for (var a = max(rd.x, 0); a <= rd.y; a++) {
    let wa = winD(u32(a)); if (i32(id) < wa.x || i32(id) >= wa.y) { continue; }
    for (var b = max(rh.x, 0); b <= rh.y; b++) {
      let wb = winH(u32(b)); if (i32(ih) < wb.x || i32(ih) >= wb.y) { continue; }
      for (var c = max(rw.x, 0); c <= rw.y; c++) {
        let wc = winW(u32(c)); if (i32(iw) < wc.x || i32(iw) >= wc.y) { continue; }
        let o = ((ncI * u.oD + u32(a)) * u.oH + u32(b)) * u.oW + u32(c);
        ${contrib}
      }
    }
  }
  dX_set(i, dX(i) + acc);`,
  };
}
