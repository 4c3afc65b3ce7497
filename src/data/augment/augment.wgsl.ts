// WGSL kernels of the clip augmentation as engine KernelSpecs (src/gpu/kernel.ts): recorded into the
// engine's open command encoder by ./gpu.ts, so a batch's augmentation joins the engine's single submit.
// Same formulas, same float32 steps as reference.ts (the oracle). Storage is reached through the generated
// accessors (`x(i)`, `x_set(i, v)`), so buffers above maxStorageBufferBindingSize split transparently;
// `gidx` is the linear invocation index of a 1-D launch (folded by the engine above the per-dimension limit).
import type { KernelSpec } from '../../gpu/kernel.ts';

export const WG = 64;

/** Crop box -> bilinear resize (PyTorch align_corners=False taps) -> optional horizontal flip, every plane. */
export const GEOMETRY_SPEC: KernelSpec = {
  name: 'data.augment.geometry',
  bindings: [
    { name: 'src' }, //              (C*T, inH, inW)
    { name: 'dst', write: true }, // (C*T, outH, outW) at element dstOff
  ],
  uniforms: [
    ['planes', 'u32'], ['inH', 'u32'], ['inW', 'u32'], ['outH', 'u32'], ['outW', 'u32'], ['top', 'i32'], ['left', 'i32'],
    ['cropH', 'u32'], ['cropW', 'u32'], ['flip', 'u32'], ['scaleY', 'f32'], ['scaleX', 'f32'], ['dstOff', 'u32'],
  ],
  workgroupSize: WG,
  decls: /* wgsl */ `
struct Taps { i0: i32, i1: i32, w0: f32, w1: f32 }
fn taps(o: u32, inSize: u32, scale: f32) -> Taps {
  let s = max(scale * (f32(o) + 0.5) - 0.5, 0.0);
  let idx = min(i32(floor(s)), i32(inSize) - 1);
  let lambda = clamp(s - f32(idx), 0.0, 1.0);
  var t: Taps;
  t.i0 = idx;
  t.i1 = select(idx, idx + 1, idx < i32(inSize) - 1);
  t.w1 = lambda;
  t.w0 = 1.0 - lambda;
  return t;
}
fn at(base: u32, y: i32, x: i32) -> f32 {
  let sy = y + u.top;
  let sx = x + u.left;
  if (sy < 0 || sx < 0 || sy >= i32(u.inH) || sx >= i32(u.inW)) { return 0.0; }
  return src(base + u32(sy) * u.inW + u32(sx));
}`,
  body: /* wgsl */ `
  let i = gidx;
  let per = u.outH * u.outW;
  if (i >= u.planes * per) { return; }
  let p = i / per;
  let r = i % per;
  let oy = r / u.outW;
  let ox = r % u.outW;
  let ty = taps(oy, u.cropH, u.scaleY);
  let tx = taps(ox, u.cropW, u.scaleX);
  let base = p * u.inH * u.inW;
  let top = tx.w0 * at(base, ty.i0, tx.i0) + tx.w1 * at(base, ty.i0, tx.i1);
  let bot = tx.w0 * at(base, ty.i1, tx.i0) + tx.w1 * at(base, ty.i1, tx.i1);
  let outX = select(ox, u.outW - 1u - ox, u.flip != 0u);
  dst_set(u.dstOff + p * per + oy * u.outW + outX, ty.w0 * top + ty.w1 * bot);`,
};

/** Mean luma of each frame: one workgroup per frame (grid (T, 1, 1)), tree reduction in workgroup memory. */
export const FRAME_MEAN_SPEC: KernelSpec = {
  name: 'data.augment.frame-mean',
  bindings: [
    { name: 'x' }, //                  (3, T, H*W) at element xOff
    { name: 'means', write: true }, // (T)
  ],
  uniforms: [['t', 'u32'], ['hw', 'u32'], ['xOff', 'u32']],
  workgroupSize: 256,
  decls: 'var<workgroup> part: array<f32, 256>;',
  body: /* wgsl */ `
  let t = wid.x;
  let n = u.t * u.hw;
  var acc = 0.0;
  for (var k = lidx; k < u.hw; k += 256u) {
    let i = u.xOff + t * u.hw + k;
    acc += 0.2989 * x(i) + 0.587 * x(n + i) + 0.114 * x(2u * n + i);
  }
  part[lidx] = acc;
  workgroupBarrier();
  for (var s = 128u; s > 0u; s >>= 1u) {
    if (lidx < s) { part[lidx] += part[lidx + s]; }
    workgroupBarrier();
  }
  if (lidx == 0u) { means_set(t, part[0] / f32(u.hw)); }`,
};

/**
 * A run of colour ops on every pixel in place, in registers, one read and one write per pixel.
 * The run's ops are `count` rows of `ops` from row `opsRow`, each (op, factor, 1 - factor, 0) as f32 with
 * op: 0 brightness, 1 contrast (uses the frame means, so it may only open a run: the means are of the clip
 * as it is when the run starts), 2 saturation, 3 hue, 4 grayscale (3 channels), 5 normalize (m0..m2 mean,
 * s0..s2 std). A storage table rather than scalar uniforms: an op is then one indexed load, not a switch
 * over uniform fields per pixel.
 */
export const MAX_COLOR_OPS = 8;
export const COLOR_SPEC: KernelSpec = {
  name: 'data.augment.color',
  bindings: [
    { name: 'x', write: true }, // (3, T, H, W) at element xOff, in place
    { name: 'means' }, //          (T) frame means for contrast
    { name: 'ops' }, //            (rows, 4) op table of the whole batch
  ],
  uniforms: [['n', 'u32'], ['hw', 'u32'], ['t', 'u32'], ['count', 'u32'], ['xOff', 'u32'], ['opsRow', 'u32'], ['m0', 'f32'], ['m1', 'f32'], ['m2', 'f32'], ['s0', 'f32'], ['s1', 'f32'], ['s2', 'f32']],
  workgroupSize: WG,
  decls: /* wgsl */ `
fn luma(p: vec3<f32>) -> f32 { return 0.2989 * p.x + 0.587 * p.y + 0.114 * p.z; }
fn blend(a: vec3<f32>, b: vec3<f32>, f: f32, om: f32) -> vec3<f32> { return clamp(f * a + om * b, vec3<f32>(0.0), vec3<f32>(1.0)); }

// torchvision _rgb2hsv -> (h + factor) % 1 -> _hsv2rgb
fn hue(p: vec3<f32>, factor: f32) -> vec3<f32> {
  let r = p.x; let g = p.y; let b = p.z;
  let maxc = max(r, max(g, b));
  let minc = min(r, min(g, b));
  let eqc = maxc == minc;
  let cr = maxc - minc;
  let s = cr / select(maxc, 1.0, eqc);
  let crd = select(cr, 1.0, eqc);
  let rc = (maxc - r) / crd;
  let gc = (maxc - g) / crd;
  let bc = (maxc - b) / crd;
  let hr = select(0.0, bc - gc, maxc == r);
  let hg = select(0.0, 2.0 + rc - bc, maxc == g && maxc != r);
  let hb = select(0.0, 4.0 + gc - rc, maxc != g && maxc != r);
  var h = (hr + hg + hb) / 6.0 + 1.0;
  h = h - trunc(h);             // fmod(h, 1) for h >= 0
  var hh = h + factor;
  hh = hh - floor(hh);          // torch.remainder(hh, 1)
  let v = maxc;
  let h6 = hh * 6.0;
  let fi = floor(h6);
  let fr = h6 - fi;
  let pp = clamp(v * (1.0 - s), 0.0, 1.0);
  let q = clamp(v * (1.0 - s * fr), 0.0, 1.0);
  let t = clamp(v * (1.0 - s * (1.0 - fr)), 0.0, 1.0);
  switch (((i32(fi) % 6) + 6) % 6) {
    case 0: { return vec3<f32>(v, t, pp); }
    case 1: { return vec3<f32>(q, v, pp); }
    case 2: { return vec3<f32>(pp, v, t); }
    case 3: { return vec3<f32>(pp, q, v); }
    case 4: { return vec3<f32>(t, pp, v); }
    default: { return vec3<f32>(v, pp, q); }
  }
}`,
  body: /* wgsl */ `
  let i = gidx;
  if (i >= u.n) { return; }
  let b = u.xOff + i;
  var p = vec3<f32>(x(b), x(u.n + b), x(2u * u.n + b));
  for (var k = 0u; k < u.count; k++) {
    let r = 4u * (u.opsRow + k);
    let f = ops(r + 1u);
    let g = ops(r + 2u);
    switch (u32(ops(r))) {
      case 0u: { p = blend(p, vec3<f32>(0.0), f, g); }
      case 1u: { p = blend(p, vec3<f32>(means(i / u.hw)), f, g); }
      case 2u: { p = blend(p, vec3<f32>(luma(p)), f, g); }
      case 3u: { p = hue(p, f); }
      case 4u: { p = vec3<f32>(luma(p)); }
      default: { p = (p - vec3<f32>(u.m0, u.m1, u.m2)) / vec3<f32>(u.s0, u.s1, u.s2); }
    }
  }
  x_set(b, p.x);
  x_set(u.n + b, p.y);
  x_set(2u * u.n + b, p.z);`,
};
