// WGSL of the InfoNCE passes with per-sample negatives read from a split memory bank (the joint
// teacher-student transfer: K negatives per sample drawn from the bank). Negative j of query b is bank row
// sel[b, j]; the bank is any number of buffers of `rowsPerBuffer` rows, read S at a time (one dispatch
// per group of S buffers, each adding its own online-softmax partials). One query per workgroup (nothing to share
// between queries: each has its own negatives). The `rows` and `mean` passes of ./infonce.wgsl.ts finish.
import { CHUNK, TILE, header, vecWidth } from './infonce.wgsl.ts';

// A group binds S bank buffers (S = storage-binding limit - 4); its rows are [group S R, (group + 1) S R)
// with R = rowsPerBuffer. Slots past the bank repeat its last buffer (never read).
const bankBindings = (first: number, S: number): string => {
  let out = '';
  for (let i = 0; i < S; i++) out += `@group(0) @binding(${first + i}) var<storage, read> bank${i}: array<VT>;\n`;
  const cases = Array.from({ length: S - 1 }, (_, i) => `    case ${i}u: { return bank${i}[i]; }\n`).join('');
  return out + /* wgsl */ `
fn bankVec(local: u32, dv: u32) -> VT { // local = row - the group's first row
  let c = local / p.rowsPerBuffer;
  let i = (local - c * p.rowsPerBuffer) * DV + dv;
  switch c {
${cases}    default: { return bank${S - 1}[i]; }
  }
}
`;
};

/** Bank buffers one dispatch of `fusedBankWgsl` can bind under `maxStorageBuffersPerShaderStage`. */
export const bankSlots = (maxStorageBuffers: number, nBuffers: number): number => Math.max(1, Math.min(nBuffers, maxStorageBuffers - 4));

/**
 * One sweep per (query, chunk) over bank rows sel[b, chunk*256 ..] that lie in this dispatch's group of S
 * bank buffers: online m, s = sum exp(l - m) and a = sum exp(l - m) bank[row] (as `fusedWgsl` for the
 * queue). Grid (B, chunksPerGroup), one dispatch per group; partial (b, group * chunksPerGroup + chunk).
 * A partial whose logits are not all finite gets s = +Inf (the `rows` pass turns that into the guard).
 * Finish with `rows` and `mean` over all groups' partials (online softmax partials merge exactly).
 */
export function fusedBankWgsl(D: number, S: number): string {
  const DV = D / vecWidth(D);
  const PPT = Math.ceil(DV / TILE);
  return header(D) + /* wgsl */ `
@group(0) @binding(0) var<storage, read> q: array<VT>;             // (B, DV)
@group(0) @binding(1) var<storage, read> sel: array<u32>;          // (B, K)
@group(0) @binding(2) var<storage, read_write> part: array<f32>;   // (B, nChunks, 2): m, s
@group(0) @binding(3) var<storage, read_write> partA: array<VT>;   // (B, nChunks, DV): a
@group(0) @binding(4) var<uniform> p: P;
${bankBindings(5, S)}
const ABSENT: u32 = 0xffffffffu;
var<workgroup> qs: array<VT, ${DV}>;
var<workgroup> lt: array<f32, ${TILE}>;
var<workgroup> rows: array<u32, ${TILE}>;  // group-local row, ABSENT when the column is another group's
var<workgroup> st: array<f32, 3>; // running max, running sum, this tile's rescale

@compute @workgroup_size(${TILE})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let b = wg.x;
  let chunk = wg.y;
  let lo = p.group * ${S}u * p.rowsPerBuffer;
  let span = ${S}u * p.rowsPerBuffer;
  for (var i = t; i < DV; i += TILE) { qs[i] = q[b * DV + i]; }
  if (t == 0u) { st[0] = -3.0e38; st[1] = 0.0; }
  var acc = array<VT, ${PPT}>();
  var bad = false;
  workgroupBarrier();
  let start = chunk * ${CHUNK}u;
  let end = min(start + ${CHUNK}u, p.K);
  for (var j0 = start; j0 < end; j0 += TILE) {
    let cols = min(TILE, end - j0);
    let j = j0 + t;
    var l = 0.0;
    var row = ABSENT;
    if (j < end) {
      let r = sel[b * p.K + j] - lo; // wraps past 2^32 for rows below lo: then >= span
      if (r < span) {
        row = r;
        var dot = 0.0;
        for (var d = 0u; d < DV; d++) { dot += vdot(qs[d], bankVec(r, d)); }
        l = dot * p.invTau;
      }
    }
    lt[t] = l;
    rows[t] = row;
    workgroupBarrier();
    if (t == 0u) {
      var mx = st[0];
      for (var c = 0u; c < cols; c++) {
        if (rows[c] != ABSENT) {
          mx = max(mx, lt[c]);
          bad = bad || nonFinite(lt[c]);
        }
      }
      st[2] = exp(st[0] - mx);
      st[0] = mx;
    }
    workgroupBarrier();
    lt[t] = select(0.0, exp(lt[t] - st[0]), t < cols && row != ABSENT);
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
        for (var c = 0u; c < cols; c++) {
          if (rows[c] != ABSENT) { a += lt[c] * bankVec(rows[c], dv); }
        }
        acc[i] = a;
      }
    }
    workgroupBarrier();
  }
  let part0 = p.group * p.chunksPerGroup + chunk;
  if (t == 0u) {
    let o = (b * p.nChunks + part0) * 2u;
    part[o] = st[0];
    part[o + 1u] = select(st[1], bitcast<f32>(F32_INF), bad);
  }
  for (var i = 0u; i < ${PPT}u; i++) {
    let dv = t + i * TILE;
    if (dv < DV) { partA[(b * p.nChunks + part0) * DV + dv] = acc[i]; }
  }
}`;
}
