// WGSL kernels of the clip augmentation. Same formulas, same float32 steps as reference.ts (the oracle).
// Flat 1-D work is dispatched as a 2-D grid (x up to 65535 groups) and re-linearised with num_workgroups.

export const WG = 64;

const LINEAR_INDEX = /* wgsl */ `
fn linearIndex(gid: vec3<u32>, nwg: vec3<u32>) -> u32 { return gid.x + gid.y * nwg.x * ${WG}u; }`;

/** Crop box -> bilinear resize (PyTorch align_corners=False taps) -> optional horizontal flip, every plane. */
export const GEOMETRY_WGSL = /* wgsl */ `
struct Geo {
  planes: u32, inH: u32, inW: u32, outH: u32,
  outW: u32, top: i32, left: i32, cropH: u32,
  cropW: u32, flip: u32, scaleY: f32, scaleX: f32,
}
@group(0) @binding(0) var<storage, read> src: array<f32>;        // (C*T, inH, inW)
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;  // (C*T, outH, outW)
@group(0) @binding(2) var<uniform> g: Geo;
${LINEAR_INDEX}

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
  let sy = y + g.top;
  let sx = x + g.left;
  if (sy < 0 || sx < 0 || sy >= i32(g.inH) || sx >= i32(g.inW)) { return 0.0; }
  return src[base + u32(sy) * g.inW + u32(sx)];
}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = linearIndex(gid, nwg);
  let per = g.outH * g.outW;
  if (i >= g.planes * per) { return; }
  let p = i / per;
  let r = i % per;
  let oy = r / g.outW;
  let ox = r % g.outW;
  let ty = taps(oy, g.cropH, g.scaleY);
  let tx = taps(ox, g.cropW, g.scaleX);
  let base = p * g.inH * g.inW;
  let top = tx.w0 * at(base, ty.i0, tx.i0) + tx.w1 * at(base, ty.i0, tx.i1);
  let bot = tx.w0 * at(base, ty.i1, tx.i0) + tx.w1 * at(base, ty.i1, tx.i1);
  let outX = select(ox, g.outW - 1u - ox, g.flip != 0u);
  dst[p * per + oy * g.outW + outX] = ty.w0 * top + ty.w1 * bot;
}`;

/** Mean luma of each frame: one workgroup per frame, tree reduction in workgroup memory. */
export const FRAME_MEAN_WGSL = /* wgsl */ `
struct Dims { t: u32, hw: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;              // (3, T, H*W)
@group(0) @binding(1) var<storage, read_write> means: array<f32>;    // (T)
@group(0) @binding(2) var<uniform> d: Dims;
var<workgroup> part: array<f32, 256>;
@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>) {
  let t = wid.x;
  let n = d.t * d.hw;
  var acc = 0.0;
  for (var k = lid; k < d.hw; k += 256u) {
    let i = t * d.hw + k;
    acc += 0.2989 * x[i] + 0.587 * x[n + i] + 0.114 * x[2u * n + i];
  }
  part[lid] = acc;
  workgroupBarrier();
  for (var s = 128u; s > 0u; s >>= 1u) {
    if (lid < s) { part[lid] += part[lid + s]; }
    workgroupBarrier();
  }
  if (lid == 0u) { means[t] = part[0] / f32(d.hw); }
}`;

/**
 * A run of colour ops on every pixel in place, in registers, one read and one write per pixel.
 * ops[k] = (op, factor, 1 - factor, 0) with op: 0 brightness, 1 contrast (uses the frame means, so it may
 * only open a run: the means are of the clip as it is when the run starts), 2 saturation, 3 hue,
 * 4 grayscale (3 channels), 5 normalize (mean/sdev).
 */
export const MAX_COLOR_OPS = 8;
export const COLOR_WGSL = /* wgsl */ `
struct Color { n: u32, hw: u32, t: u32, count: u32, mean: vec4<f32>, sdev: vec4<f32>, ops: array<vec4<f32>, ${MAX_COLOR_OPS}> }
@group(0) @binding(0) var<storage, read_write> x: array<f32>;   // (3, T, H, W), in place
@group(0) @binding(1) var<storage, read> means: array<f32>;     // (T) frame means for contrast
@group(0) @binding(2) var<uniform> c: Color;
${LINEAR_INDEX}

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
}

@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = linearIndex(gid, nwg);
  if (i >= c.n) { return; }
  var p = vec3<f32>(x[i], x[c.n + i], x[2u * c.n + i]);
  for (var k = 0u; k < c.count; k++) {
    let o = c.ops[k];
    switch (u32(o.x)) {
      case 0u: { p = blend(p, vec3<f32>(0.0), o.y, o.z); }
      case 1u: { p = blend(p, vec3<f32>(means[i / c.hw]), o.y, o.z); }
      case 2u: { p = blend(p, vec3<f32>(luma(p)), o.y, o.z); }
      case 3u: { p = hue(p, o.y); }
      case 4u: { p = vec3<f32>(luma(p)); }
      default: { p = (p - c.mean.xyz) / c.sdev.xyz; }
    }
  }
  x[i] = p.x;
  x[c.n + i] = p.y;
  x[2u * c.n + i] = p.z;
}`;
