// WGSL of the InfoNCE passes with per-sample negatives read from a split memory bank (the joint
// teacher-student transfer: K negatives per sample drawn from the bank). Negative j of query b is bank row
// sel[b, j]; the bank is up to 4 buffers of `rowsPerBuffer` rows. One query per workgroup (nothing to share
// between queries: each has its own negatives). The `rows` and `dq` passes of ./infonce.wgsl.ts finish.
import { CHUNK, TILE, header, vecWidth } from './infonce.wgsl.ts';

const bankBindings = (first: number): string => /* wgsl */ `
@group(0) @binding(${first}) var<storage, read> bank0: array<VT>;
@group(0) @binding(${first + 1}) var<storage, read> bank1: array<VT>;
@group(0) @binding(${first + 2}) var<storage, read> bank2: array<VT>;
@group(0) @binding(${first + 3}) var<storage, read> bank3: array<VT>;
fn bankVec(row: u32, dv: u32) -> VT {
  let c = row / p.rowsPerBuffer;
  let i = (row - c * p.rowsPerBuffer) * DV + dv;
  switch c {
    case 0u: { return bank0[i]; }
    case 1u: { return bank1[i]; }
    case 2u: { return bank2[i]; }
    default: { return bank3[i]; }
  }
}
`;

/** Online (max, sum exp) per (query, chunk) over bank rows sel[b, chunk*256 ..]. Grid (B, nChunks). */
export function statsBankWgsl(D: number): string {
  const DV = D / vecWidth(D);
  return header(D) + /* wgsl */ `
@group(0) @binding(0) var<storage, read> q: array<VT>;            // (B, DV)
@group(0) @binding(1) var<storage, read> sel: array<u32>;         // (B, K)
${bankBindings(2)}
@group(0) @binding(6) var<storage, read_write> part: array<f32>;  // (B, nChunks, 2)
@group(0) @binding(7) var<uniform> p: P;
var<workgroup> qs: array<VT, ${DV}>;
var<workgroup> red: array<f32, ${2 * TILE}>;

@compute @workgroup_size(${TILE})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let b = wg.x;
  let chunk = wg.y;
  for (var i = t; i < DV; i += TILE) { qs[i] = q[b * DV + i]; }
  workgroupBarrier();
  var m = -3.0e38;
  var s = 0.0;
  let end = min((chunk + 1u) * ${CHUNK}u, p.K);
  for (var j = chunk * ${CHUNK}u + t; j < end; j += TILE) {
    let row = sel[b * p.K + j];
    var dot = 0.0;
    for (var d = 0u; d < DV; d++) { dot += vdot(qs[d], bankVec(row, d)); }
    let l = dot * p.invTau;
    let mm = max(m, l);
    s = s * exp(m - mm) + exp(l - mm);
    m = mm;
  }
  red[2u * t] = m;
  red[2u * t + 1u] = s;
  workgroupBarrier();
  if (t == 0u) {
    var mm = -3.0e38;
    for (var i = 0u; i < TILE; i++) { mm = max(mm, red[2u * i]); }
    var ss = 0.0;
    for (var i = 0u; i < TILE; i++) { ss += red[2u * i + 1u] * exp(red[2u * i] - mm); }
    let o = (b * p.nChunks + chunk) * 2u;
    part[o] = mm;
    part[o + 1u] = ss;
  }
}`;
}

/** partial[b, chunk, :] = sum_{j in chunk} softmax_bj bank[sel[b, j]]. Grid (B, nChunks). */
export function dqPartBankWgsl(D: number): string {
  const DV = D / vecWidth(D);
  const PPT = Math.ceil(DV / TILE);
  return header(D) + /* wgsl */ `
@group(0) @binding(0) var<storage, read> q: array<VT>;            // (B, DV)
@group(0) @binding(1) var<storage, read> sel: array<u32>;         // (B, K)
${bankBindings(2)}
@group(0) @binding(6) var<storage, read> lse: array<f32>;         // (B)
@group(0) @binding(7) var<storage, read_write> part: array<VT>;   // (B, nChunks, DV)
@group(0) @binding(8) var<uniform> p: P;
var<workgroup> qs: array<VT, ${DV}>;
var<workgroup> pt: array<f32, ${TILE}>;
var<workgroup> rows: array<u32, ${TILE}>;

@compute @workgroup_size(${TILE})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let b = wg.x;
  let chunk = wg.y;
  for (var i = t; i < DV; i += TILE) { qs[i] = q[b * DV + i]; }
  let z = lse[b];
  var acc = array<VT, ${PPT}>();
  workgroupBarrier();
  let start = chunk * ${CHUNK}u;
  let end = min(start + ${CHUNK}u, p.K);
  for (var j0 = start; j0 < end; j0 += TILE) {
    let j = j0 + t;
    var pj = 0.0;
    var row = 0u;
    if (j < end) {
      row = sel[b * p.K + j];
      var dot = 0.0;
      for (var d = 0u; d < DV; d++) { dot += vdot(qs[d], bankVec(row, d)); }
      pj = exp(dot * p.invTau - z);
    }
    pt[t] = pj;
    rows[t] = row;
    workgroupBarrier();
    let cols = min(TILE, end - j0);
    for (var i = 0u; i < ${PPT}u; i++) {
      let dv = t + i * TILE;
      if (dv < DV) {
        var a = acc[i];
        for (var c = 0u; c < cols; c++) { a += pt[c] * bankVec(rows[c], dv); }
        acc[i] = a;
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < ${PPT}u; i++) {
    let dv = t + i * TILE;
    if (dv < DV) { part[(b * p.nChunks + chunk) * DV + dv] = acc[i]; }
  }
}`;
}
