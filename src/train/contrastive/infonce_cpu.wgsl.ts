// The fused InfoNCE sweep (shared negatives) laid out for CPU-backed adapters (lavapipe, SwiftShader): same
// bindings, grid and partials as `fusedWgsl` (./infonce.wgsl.ts), so `rows` and `mean` finish it.
// Measured on lavapipe (bench/contrastive/tune.mjs): there a workgroup runs on one CPU thread as SIMD
// lanes, and every storage / workgroup-memory load is paid per lane and per component, while FMAs are
// nearly free — so the kernel is written to minimise loads per FMA (register blocking):
//   - one workgroup = QB queries x one whole 256-column chunk (no online rescaling inside a workgroup);
//   - logits: lane t owns C columns (t + i WG), so each q vector read is used C times and each negative
//     vector QB times: (C + QB) vector loads per 4 QB C FMAs (C = 4, QB = 8: 0.375 vs ~1.06 before);
//   - weighted sum: lane t owns vector dv = t % DV of all QB queries for every G-th column (G = WG / DV
//     column groups), the groups' sums added once at the end through workgroup memory.
// Needs D a multiple of 4 with DV = D / 4 dividing 64 (D = 4 .. 128; D = 128 in the paper).
import { CHUNK, header } from './infonce.wgsl.ts';

export const CPU_QB = 8; // queries per workgroup
const WG = 64; // threads per workgroup
const C = CHUNK / WG; // columns per lane in the logits step (4)

/** Workgroup memory of the CPU layout in bytes (qs + lt + statistics). */
export const cpuWorkgroupBytes = (D: number): number => 4 * (CPU_QB * D + CPU_QB * CHUNK + 2 * CPU_QB);

/** Whether the CPU layout handles this D (within WebGPU's guaranteed 16 KiB of workgroup memory). */
export const cpuLayoutFits = (D: number): boolean => D % 4 === 0 && 64 % (D / 4) === 0 && cpuWorkgroupBytes(D) <= 16384;

export function fusedCpuWgsl(D: number): string {
  const QB = CPU_QB;
  const DV = D / 4;
  const G = WG / DV; // column groups in the weighted sum
  const rs = Array.from({ length: QB }, (_, r) => r);
  const is = Array.from({ length: C }, (_, i) => i);
  return header(D, QB, WG) + /* wgsl */ `
@group(0) @binding(0) var<storage, read> q: array<vec4<f32>>;            // (B, DV)
@group(0) @binding(1) var<storage, read> neg: array<vec4<f32>>;          // (K, DV)
@group(0) @binding(2) var<storage, read_write> part: array<f32>;         // (B, nChunks, 2): m, s
@group(0) @binding(3) var<storage, read_write> partA: array<vec4<f32>>;  // (B, nChunks, DV): a
@group(0) @binding(4) var<uniform> p: P;
const COLS: u32 = ${CHUNK}u;
var<workgroup> qs: array<vec4<f32>, ${QB * DV}>;
var<workgroup> lt: array<f32, ${QB * CHUNK}>;  // logits, then exp(l - m); at the end the column groups' sums
var<workgroup> ms: array<f32, ${QB}>;
var<workgroup> ss: array<f32, ${QB}>;

@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let b0 = wg.x * ${QB}u;
  let chunk = wg.y;
  for (var i = t; i < ${QB * DV}u; i += ${WG}u) {
    let b = b0 + i / DV;
    qs[i] = select(vec4<f32>(0.0), q[min(b, p.B - 1u) * DV + i % DV], b < p.B);
  }
  workgroupBarrier();
  let start = chunk * COLS;
  let end = min(start + COLS, p.K);
  let cols = end - start;
  // 1. logits of columns t + i WG for the QB queries (clamped, not branched: see fusedWgsl).
  ${rs.flatMap((r) => is.map((i) => `var l${r}_${i} = 0.0;`)).join(' ')}
  ${is.map((i) => `let row${i} = min(start + t + ${i * WG}u, end - 1u) * DV;`).join('\n  ')}
  for (var d = 0u; d < DV; d++) {
    ${is.map((i) => `let n${i} = neg[row${i} + d];`).join('\n    ')}
    ${rs.map((r) => `{ let qv = qs[${r}u * DV + d]; ${is.map((i) => `l${r}_${i} += dot(qv, n${i});`).join(' ')} }`).join('\n    ')}
  }
  ${rs.flatMap((r) => is.map((i) => `lt[${r * CHUNK + i * WG}u + t] = l${r}_${i} * p.invTau;`)).join('\n  ')}
  workgroupBarrier();
  // 2. max per query (and the NaN/Inf mark: s = +Inf for a partial with a non-finite logit).
  var bad = false;
  if (t < ${QB}u) {
    var mx = -3.0e38;
    for (var c = 0u; c < cols; c++) {
      let v = lt[t * COLS + c];
      mx = max(mx, v);
      bad = bad || nonFinite(v);
    }
    ms[t] = mx;
  }
  workgroupBarrier();
  // 3. weights exp(l - m); columns past the end weigh 0.
  for (var r = 0u; r < ${QB}u; r++) {
    for (var i = 0u; i < ${C}u; i++) {
      let c = t + i * ${WG}u;
      lt[r * COLS + c] = select(0.0, exp(lt[r * COLS + c] - ms[r]), c < cols);
    }
  }
  workgroupBarrier();
  // 4. sums, and the weighted negatives: lane t = vector dv of all QB queries over columns g, g + G, ...
  if (t < ${QB}u) {
    var sum = 0.0;
    for (var c = 0u; c < cols; c++) { sum += lt[t * COLS + c]; }
    ss[t] = sum;
  }
  let dv = t % DV;
  let g = t / DV;
  ${rs.map((r) => `var a${r} = vec4<f32>(0.0);`).join(' ')}
  for (var c = g; c < cols; c += ${G}u) {
    let n = neg[(start + c) * DV + dv];
    ${rs.map((r) => `a${r} += lt[${r * CHUNK}u + c] * n;`).join(' ')}
  }
  workgroupBarrier();
  // 5. add the G column groups' sums (groups 1.. park theirs in lt), write the partials.
  if (g > 0u) {
    ${rs.map((r) => `{ let o = (((g - 1u) * ${QB}u + ${r}u) * DV + dv) * 4u; lt[o] = a${r}.x; lt[o + 1u] = a${r}.y; lt[o + 2u] = a${r}.z; lt[o + 3u] = a${r}.w; }`).join('\n    ')}
  }
  workgroupBarrier();
  if (g == 0u) {
    for (var h = 0u; h < ${G - 1}u; h++) {
      ${rs.map((r) => `{ let o = ((h * ${QB}u + ${r}u) * DV + dv) * 4u; a${r} += vec4<f32>(lt[o], lt[o + 1u], lt[o + 2u], lt[o + 3u]); }`).join('\n      ')}
    }
    ${rs.map((r) => `if (b0 + ${r}u < p.B) { partA[((b0 + ${r}u) * p.nChunks + chunk) * DV + dv] = a${r}; }`).join('\n    ')}
  }
  if (t < ${QB}u && b0 + t < p.B) {
    let o = ((b0 + t) * p.nChunks + chunk) * 2u;
    part[o] = ms[t];
    part[o + 1u] = select(ss[t], bitcast<f32>(F32_INF), bad);
  }
}`;
}
