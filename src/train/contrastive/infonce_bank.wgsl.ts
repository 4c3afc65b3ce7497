// WGSL of the InfoNCE passes with per-sample negatives read from a split memory bank (the joint
// teacher-student transfer: K negatives per sample drawn from the bank). Negative j of query b is bank row
// sel[b, j]; the bank is up to 4 buffers of `rowsPerBuffer` rows. One query per workgroup (nothing to share
// between queries: each has its own negatives). The `rows` and `dqOnline` passes of ./infonce.wgsl.ts finish.
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

/**
 * One sweep per (query, chunk) over bank rows sel[b, chunk*256 ..]: online m, s = sum exp(l - m) and
 * a = sum exp(l - m) bank[row] (as `fusedWgsl` for the queue). Grid (B, nChunks). Finish with `rows` and
 * `dqOnline`.
 */
export function fusedBankWgsl(D: number): string {
  const DV = D / vecWidth(D);
  const PPT = Math.ceil(DV / TILE);
  return header(D) + /* wgsl */ `
@group(0) @binding(0) var<storage, read> q: array<VT>;             // (B, DV)
@group(0) @binding(1) var<storage, read> sel: array<u32>;          // (B, K)
${bankBindings(2)}
@group(0) @binding(6) var<storage, read_write> part: array<f32>;   // (B, nChunks, 2): m, s
@group(0) @binding(7) var<storage, read_write> partA: array<VT>;   // (B, nChunks, DV): a
@group(0) @binding(8) var<uniform> p: P;
var<workgroup> qs: array<VT, ${DV}>;
var<workgroup> lt: array<f32, ${TILE}>;
var<workgroup> rows: array<u32, ${TILE}>;
var<workgroup> st: array<f32, 3>; // running max, running sum, this tile's rescale

@compute @workgroup_size(${TILE})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let b = wg.x;
  let chunk = wg.y;
  for (var i = t; i < DV; i += TILE) { qs[i] = q[b * DV + i]; }
  if (t == 0u) { st[0] = -3.0e38; st[1] = 0.0; }
  var acc = array<VT, ${PPT}>();
  workgroupBarrier();
  let start = chunk * ${CHUNK}u;
  let end = min(start + ${CHUNK}u, p.K);
  for (var j0 = start; j0 < end; j0 += TILE) {
    let cols = min(TILE, end - j0);
    let j = j0 + t;
    var l = -3.0e38;
    var row = 0u;
    if (j < end) {
      row = sel[b * p.K + j];
      var dot = 0.0;
      for (var d = 0u; d < DV; d++) { dot += vdot(qs[d], bankVec(row, d)); }
      l = dot * p.invTau;
    }
    lt[t] = l;
    rows[t] = row;
    workgroupBarrier();
    if (t == 0u) {
      var mx = st[0];
      for (var c = 0u; c < cols; c++) { mx = max(mx, lt[c]); }
      st[2] = exp(st[0] - mx);
      st[0] = mx;
    }
    workgroupBarrier();
    lt[t] = select(0.0, exp(lt[t] - st[0]), t < cols);
    workgroupBarrier();
    if (t == 0u) {
      var sum = 0.0;
      for (var c = 0u; c < cols; c++) { sum += lt[c]; }
      st[1] = st[1] * st[2] + sum;
    }
    for (var i = 0u; i < ${PPT}u; i++) {
      let dv = t + i * TILE;
      if (dv < DV) {
        var a = acc[i] * st[2];
        for (var c = 0u; c < cols; c++) { a += lt[c] * bankVec(rows[c], dv); }
        acc[i] = a;
      }
    }
    workgroupBarrier();
  }
  if (t == 0u) {
    let o = (b * p.nChunks + chunk) * 2u;
    part[o] = st[0];
    part[o + 1u] = st[1];
  }
  for (var i = 0u; i < ${PPT}u; i++) {
    let dv = t + i * TILE;
    if (dv < DV) { partA[(b * p.nChunks + chunk) * DV + dv] = acc[i]; }
  }
}`;
}
