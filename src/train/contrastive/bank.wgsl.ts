// WGSL for the memory bank, the momentum update and the shared counter generator (bit-identical to
// src/models/rng.ts: u32 arithmetic wraps mod 2^32 in WGSL as Math.imul does).
// The bank is N x D float32 split over several buffers (rows [base, base + rows) each); every kernel that
// touches rows runs once per buffer with that buffer's base.

export const RNG_WGSL = /* wgsl */ `
fn mix32(x0: u32) -> u32 {
  var x = x0;
  x ^= x >> 16u; x *= 0x7feb352du; x ^= x >> 15u; x *= 0x846ca68bu; x ^= x >> 16u;
  return x;
}
fn counterBits(key: u32, i: u32) -> u32 { return mix32(mix32(i ^ key) ^ key); }
// High 32 bits of a * b (exact), so floor(bits * n / 2^32) equals counterIndex in TS.
fn mulHi(a: u32, b: u32) -> u32 {
  let a0 = a & 0xffffu; let a1 = a >> 16u; let b0 = b & 0xffffu; let b1 = b >> 16u;
  let p00 = a0 * b0; let p01 = a0 * b1; let p10 = a1 * b0; let p11 = a1 * b1;
  let mid = (p00 >> 16u) + (p01 & 0xffffu) + (p10 & 0xffffu);
  return p11 + (p01 >> 16u) + (p10 >> 16u) + (mid >> 16u);
}
`;

/** bank[r, d] = stdv * u(key, (base + r) * D + d), u uniform in [-1, 1) (lemniscate/CMC init). */
export const BANK_INIT_WGSL = RNG_WGSL + /* wgsl */ `
struct P { key: u32, D: u32, base: u32, rows: u32, stdv: f32 }
@group(0) @binding(0) var<storage, read_write> bank: array<f32>;   // (rows, D) of this buffer
@group(0) @binding(1) var<uniform> p: P;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let e = gid.x + gid.y * nw.x * 64u;
  if (e >= p.rows * p.D) { return; }
  let u = f32(counterBits(p.key, p.base * p.D + e) >> 8u) * (1.0 / 8388608.0) - 1.0;
  bank[e] = p.stdv * u;
}`;

/**
 * For batch sample i (one workgroup each) whose row lies in this buffer: v = m v + (1-m) f, v /= |v|.
 * Skipped whole when the guard state's flag is set (NaN/Inf features: see CHECK_FINITE_WGSL).
 */
export const BANK_UPDATE_WGSL = /* wgsl */ `
struct P { D: u32, base: u32, rows: u32, m: f32 }
@group(0) @binding(0) var<storage, read_write> bank: array<f32>;  // (rows, D)
@group(0) @binding(1) var<storage, read> idx: array<u32>;         // (B)
@group(0) @binding(2) var<storage, read> feats: array<f32>;       // (B, D)
@group(0) @binding(3) var<storage, read> st: array<u32>;          // (ptr, flag): skip when flag != 0
@group(0) @binding(4) var<uniform> p: P;
var<workgroup> red: array<f32, 64>;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  if (st[1] != 0u) { return; } // uniform across the dispatch
  let i = wg.x;
  let row = idx[i];
  let mine = row >= p.base && row < p.base + p.rows;
  let r = select(0u, row - p.base, mine);
  var s = 0.0;
  for (var d = t; d < p.D; d += 64u) {
    let v = select(0.0, p.m * bank[r * p.D + d] + (1.0 - p.m) * feats[i * p.D + d], mine);
    s += v * v;
  }
  red[t] = s;
  workgroupBarrier();
  for (var w = 32u; w > 0u; w >>= 1u) {
    if (t < w) { red[t] += red[t + w]; }
    workgroupBarrier();
  }
  let inv = 1.0 / sqrt(red[0]);
  if (mine) {
    for (var d = t; d < p.D; d += 64u) {
      bank[r * p.D + d] = (p.m * bank[r * p.D + d] + (1.0 - p.m) * feats[i * p.D + d]) * inv;
    }
  }
}`;

/** out[b*K + k] = j >= y_b ? j + 1 : j, j = floor(bits(key, b*K + k) * (N - 1) / 2^32). */
export const BANK_SAMPLE_WGSL = RNG_WGSL + /* wgsl */ `
struct P { key: u32, K: u32, N: u32, total: u32 }
@group(0) @binding(0) var<storage, read> idx: array<u32>;          // (B)
@group(0) @binding(1) var<storage, read_write> out: array<u32>;    // (B, K)
@group(0) @binding(2) var<uniform> p: P;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let e = gid.x + gid.y * nw.x * 64u;
  if (e >= p.total) { return; }
  let j = mulHi(counterBits(p.key, e), p.N - 1u);
  out[e] = select(j, j + 1u, j >= idx[e / p.K]);
}`;

/** out[r, :] = bank[sel[r], :] for the rows of this buffer ((B*K, D) negatives for the loss). */
export const BANK_GATHER_WGSL = /* wgsl */ `
struct P { D: u32, base: u32, rows: u32, total: u32 }
@group(0) @binding(0) var<storage, read> bank: array<f32>;        // (rows, D)
@group(0) @binding(1) var<storage, read> sel: array<u32>;         // (R)
@group(0) @binding(2) var<storage, read_write> out: array<f32>;   // (R, D)
@group(0) @binding(3) var<uniform> p: P;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let e = gid.x + gid.y * nw.x * 64u;
  if (e >= p.total) { return; }
  let row = sel[e / p.D];
  if (row >= p.base && row < p.base + p.rows) { out[e] = bank[(row - p.base) * p.D + e % p.D]; }
}`;

/** MoCo momentum update over a flat parameter range: k = m k + (1 - m) q. */
export const MOMENTUM_WGSL = /* wgsl */ `
struct P { n: u32, m: f32 }
@group(0) @binding(0) var<storage, read_write> k: array<f32>;
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<uniform> p: P;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let i = gid.x + gid.y * nw.x * 64u;
  if (i < p.n) { k[i] = p.m * k[i] + (1.0 - p.m) * q[i]; }
}`;

// --- GPU-side input guards for the queue and the bank (rejected whole, state unchanged; see src/gpu/guard.ts).
// A per-object state word `flag` is zeroed (clearBuffer) before each guarded write; CHECK sets it when any
// value is NaN/Inf; the write kernels then skip everything, and the finishing kernel reports to the guard.
const NON_FINITE_WGSL = /* wgsl */ `
fn nonFinite(x: f32) -> bool { return (bitcast<u32>(x) & 0x7f800000u) == 0x7f800000u; }
`;

/** flag |= 1 when any of the n values of x is NaN or +-Inf. State: (ptr, flag) u32. */
export const CHECK_FINITE_WGSL = NON_FINITE_WGSL + /* wgsl */ `
struct P { n: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;                   // (n)
@group(0) @binding(1) var<storage, read_write> st: array<atomic<u32>, 2>; // (ptr, flag)
@group(0) @binding(2) var<uniform> p: P;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let e = gid.x + gid.y * nw.x * 64u;
  if (e < p.n && nonFinite(x[e])) { atomicOr(&st[1], 1u); }
}`;

/**
 * The MoCo enqueue with the pointer on the GPU: key i of the batch (the last min(B, K) keys survive) goes
 * to row (ptr + i) mod K, unless the batch was flagged. Thread per element of the surviving keys.
 */
export const QUEUE_ENQUEUE_WGSL = /* wgsl */ `
struct P { B: u32, K: u32, D: u32, total: u32 }
@group(0) @binding(0) var<storage, read> keys: array<f32>;        // (B, D)
@group(0) @binding(1) var<storage, read_write> queue: array<f32>; // (K, D)
@group(0) @binding(2) var<storage, read> st: array<u32>;          // (ptr, flag)
@group(0) @binding(3) var<uniform> p: P;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let e = gid.x + gid.y * nw.x * 64u;
  if (e >= p.total || st[1] != 0u) { return; }
  let i = p.B - p.total / p.D + e / p.D; // batch index of this element's key
  let row = (st[0] + i) % p.K;
  queue[row * p.D + e % p.D] = keys[i * p.D + e % p.D];
}`;

/**
 * One thread, after the guarded writes: when the batch passed, `advance` the pointer by `step` (mod K;
 * K = 0: no pointer); when it was flagged, add `report` to the context's guard word.
 */
export const GUARD_FINISH_WGSL = /* wgsl */ `
struct P { step: u32, K: u32, report: u32 }
@group(0) @binding(0) var<storage, read_write> st: array<u32, 2>;  // (ptr, flag)
@group(0) @binding(1) var<storage, read_write> guard: atomic<u32>;
@group(0) @binding(2) var<uniform> p: P;
@compute @workgroup_size(1)
fn main() {
  if (st[1] != 0u) { atomicAdd(&guard, p.report); return; }
  if (p.K != 0u) { st[0] = (st[0] + p.step) % p.K; }
}`;
