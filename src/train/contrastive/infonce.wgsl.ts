// WGSL of the fused InfoNCE forward + backward for shared negatives (the MoCo queue), specialised by D.
// Three passes; the (B, K+1) logits are never stored:
//   fused    grid (ceil(B/QB), nChunks): per (query, chunk) online max m, sum s = sum exp(l - m) and
//            a = sum exp(l - m) n_j, one sweep over the chunk's queue rows (flash-attention style)
//   rows     grid B: per query lse = logsumexp(positive, chunk partials), loss term lse - l0, NaN/Inf bits,
//            dk_b = (p_b0 - 1) / (B tau) q_b, dq_b = ((p_b0 - 1) k_b + sum_c a_c exp(m_c - lse_b)) / (B tau)
//   mean     1 workgroup: loss = mean of the terms; the bits to the guard; a flagged call's dq, dk zeroed
// The bank variant (./infonce_bank.wgsl.ts) replaces `fused` and shares `rows` and `mean`.
// Gradients are multiplied by gradScale = dOut (the incoming gradient of the scalar loss; 1 for a root loss).
// A workgroup handles QB queries (kept in workgroup memory) against the columns of one chunk, 64 columns
// at a time: thread t owns column t of the tile (reads n_j once for the QB queries).
export const QB = 8; // queries per workgroup
export const TILE = 64; // columns per tile = threads per workgroup
export const CHUNK = 256; // columns per chunk (multiple of TILE)

/** Vector width of q / negatives rows: vec4 loads when D is a multiple of 4. */
export const vecWidth = (D: number): number => (D % 4 === 0 ? 4 : 1);

export const header = (D: number, qb = QB, tile = TILE): string => {
  const V = vecWidth(D);
  const VT = V === 4 ? 'vec4<f32>' : 'f32';
  return /* wgsl */ `
// nChunks = partials per query (chunks x bank groups); group / chunksPerGroup: the bank pass's group.
struct P { B: u32, K: u32, nChunks: u32, invTau: f32, gradScale: f32, rowsPerBuffer: u32, group: u32, chunksPerGroup: u32 }
const D: u32 = ${D}u;
const QB: u32 = ${qb}u;
const TILE: u32 = ${tile}u;
const CHUNK: u32 = ${CHUNK}u;
const DV: u32 = ${D / V}u; // vectors per row
alias VT = ${VT};
fn vdot(a: VT, b: VT) -> f32 { return ${V === 4 ? 'dot(a, b)' : 'a * b'}; }
// NaN or +-Inf, by the bits (immune to fast-math folding of x != x).
fn nonFinite(x: f32) -> bool { return (bitcast<u32>(x) & 0x7f800000u) == 0x7f800000u; }
// Private, not const: a const bitcast to Inf/NaN is a shader-creation error.
var<private> F32_INF: u32 = 0x7f800000u;
var<private> F32_NAN: u32 = 0x7fc00000u;
// Bits of the per-call flag word (see guardMessage in ./infonce_gpu.ts).
const BAD_Q: u32 = 1u;
const BAD_K: u32 = 2u;
const BAD_NEG: u32 = 4u;
const BAD_OVERFLOW: u32 = 8u;
`;
};

/**
 * Per query b (one workgroup each, grid B; 64 threads reduce in parallel, so the pass is not a serial
 * chain of B (D + nChunks) loads): lse, loss term, this row's NaN/Inf bits, dk and dq (dq merges the
 * partials' weighted negatives, 64 partial weights exp(m_c - lse) at a time in workgroup memory). The
 * mean, the guard and the zeroing of a flagged call's gradients are `meanWgsl`.
 */
export function rowsWgsl(D: number): string {
  const PPD = Math.ceil(D / TILE);
  return header(D) + /* wgsl */ `
@group(0) @binding(0) var<storage, read> q: array<f32>;           // (B, D)
@group(0) @binding(1) var<storage, read> k: array<f32>;           // (B, D) positives
@group(0) @binding(2) var<storage, read> part: array<f32>;        // (B, nChunks, 2): m, s
@group(0) @binding(3) var<storage, read> partA: array<f32>;       // (B, nChunks, D): a
@group(0) @binding(4) var<storage, read_write> rows: array<u32>;  // (3B + 1): loss terms lse - l0 and lse (f32 bits), NaN/Inf bits, the mean
@group(0) @binding(5) var<storage, read_write> dq: array<f32>;    // (B, D)
@group(0) @binding(6) var<storage, read_write> dk: array<f32>;    // (B, D)
@group(0) @binding(7) var<uniform> p: P;
var<workgroup> acc: array<f32, ${TILE}>;
var<workgroup> bad: atomic<u32>;
var<workgroup> wt: array<f32, ${TILE}>; // exp(m_c - lse) of up to 64 partials

fn reduceSum(t: u32) {
  for (var w = TILE / 2u; w > 0u; w >>= 1u) {
    if (t < w) { acc[t] += acc[t + w]; }
    workgroupBarrier();
  }
}

@compute @workgroup_size(${TILE})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let b = wg.x;
  if (t == 0u) { atomicStore(&bad, 0u); }
  var dot = 0.0;
  var mine = 0u;
  for (var d = t; d < D; d += TILE) {
    let qv = q[b * D + d];
    let kv = k[b * D + d];
    dot += qv * kv;
    mine |= select(0u, BAD_Q, nonFinite(qv)) | select(0u, BAD_K, nonFinite(kv));
  }
  // The sweep marks a partial whose logits were not all finite with s = +Inf.
  for (var c = t; c < p.nChunks; c += TILE) { mine |= select(0u, BAD_NEG, nonFinite(part[(b * p.nChunks + c) * 2u + 1u])); }
  acc[t] = dot;
  workgroupBarrier();
  reduceSum(t);
  let l0 = acc[0] * p.invTau;
  workgroupBarrier();
  var mx = l0;
  for (var c = t; c < p.nChunks; c += TILE) { mx = max(mx, part[(b * p.nChunks + c) * 2u]); }
  acc[t] = mx;
  workgroupBarrier();
  for (var w = TILE / 2u; w > 0u; w >>= 1u) {
    if (t < w) { acc[t] = max(acc[t], acc[t + w]); }
    workgroupBarrier();
  }
  let mm = acc[0];
  workgroupBarrier();
  var ss = select(0.0, exp(l0 - mm), t == 0u);
  for (var c = t; c < p.nChunks; c += TILE) {
    let o = (b * p.nChunks + c) * 2u;
    ss += part[o + 1u] * exp(part[o] - mm);
  }
  acc[t] = ss;
  workgroupBarrier();
  reduceSum(t);
  let z = mm + log(acc[0]);
  if (mine != 0u) { atomicOr(&bad, mine); }
  workgroupBarrier();
  if (t == 0u) {
    rows[b] = bitcast<u32>(z - l0); // u32 words: the bits are never a float that a store could flush
    rows[p.B + b] = bitcast<u32>(z);
    var bits = atomicLoad(&bad);
    // A non-finite q makes every logit of its row non-finite: the negatives are then not to blame.
    if ((bits & BAD_Q) != 0u) { bits &= ~BAD_NEG; }
    if (bits == 0u && nonFinite(z - l0)) { bits = BAD_OVERFLOW; }
    rows[2u * p.B + b] = bits; // every row writes its word: no clearing pass
  }
  let pm1 = exp(l0 - z) - 1.0; // p_b0 - 1
  let g0 = pm1 * p.invTau * p.gradScale / f32(p.B);
  // dk_b = g0 q_b; dq_b = ((p_b0 - 1) k_b + sum_c a_c exp(m_c - lse_b)) gradScale / (B tau), thread t
  // owning elements d = t + i TILE
  var sd = array<f32, ${PPD}>();
  for (var i = 0u; i < ${PPD}u; i++) {
    let d = t + i * TILE;
    if (d < D) {
      dk[b * D + d] = g0 * q[b * D + d];
      sd[i] = pm1 * k[b * D + d];
    }
  }
  for (var c0 = 0u; c0 < p.nChunks; c0 += TILE) {
    workgroupBarrier(); // the previous block's weights are read
    if (c0 + t < p.nChunks) { wt[t] = exp(part[(b * p.nChunks + c0 + t) * 2u] - z); }
    workgroupBarrier();
    let n = min(TILE, p.nChunks - c0);
    for (var i = 0u; i < ${PPD}u; i++) {
      let d = t + i * TILE;
      if (d < D) {
        var s = sd[i];
        for (var c = 0u; c < n; c++) { s += partA[(b * p.nChunks + c0 + c) * D + d] * wt[c]; }
        sd[i] = s;
      }
    }
  }
  for (var i = 0u; i < ${PPD}u; i++) {
    let d = t + i * TILE;
    if (d < D) { dq[b * D + d] = sd[i] * p.invTau * p.gradScale / f32(p.B); }
  }
}`;
}

/**
 * loss = mean of the B row terms (one workgroup, fixed-order tree: deterministic), stored after the rows'
 * words (the engine op copies it into its scalar: a pooled output bound here would take a new bind group
 * whenever the pool hands it another buffer). The OR of the rows' NaN/Inf bits goes to the context's
 * guard, and a flagged call gets a NaN loss and zeroed dq, dk (no update from it).
 */
export function meanWgsl(D: number): string {
  return header(D) + /* wgsl */ `
@group(0) @binding(0) var<storage, read_write> rows: array<u32>;   // (3B + 1): terms, lse (f32 bits), NaN/Inf bits, the mean
@group(0) @binding(1) var<uniform> p: P;
@group(0) @binding(2) var<storage, read_write> guard: atomic<u32>; // the context's sticky guard word
@group(0) @binding(3) var<storage, read_write> dq: array<f32>;     // (B, D)
@group(0) @binding(4) var<storage, read_write> dk: array<f32>;     // (B, D)
var<workgroup> acc: array<f32, ${TILE}>;
var<workgroup> bad: atomic<u32>;

@compute @workgroup_size(${TILE})
fn main(@builtin(local_invocation_index) t: u32) {
  if (t == 0u) { atomicStore(&bad, 0u); }
  workgroupBarrier();
  var mine = 0.0;
  var bits = 0u;
  for (var b = t; b < p.B; b += TILE) {
    mine += bitcast<f32>(rows[b]);
    bits |= rows[2u * p.B + b];
  }
  acc[t] = mine;
  if (bits != 0u) { atomicOr(&bad, bits); }
  workgroupBarrier();
  for (var w = TILE / 2u; w > 0u; w >>= 1u) {
    if (t < w) { acc[t] += acc[t + w]; }
    workgroupBarrier();
  }
  let all = atomicLoad(&bad);
  if (t == 0u) {
    rows[3u * p.B] = select(bitcast<u32>(acc[0] / f32(p.B)), F32_NAN, all != 0u); // NaN when flagged
    if (all != 0u) { atomicOr(&guard, all); }
  }
  if (all != 0u) { // non-finite input: no gradient from this call (the guard reports it)
    for (var i = t; i < p.B * D; i += TILE) {
      dq[i] = 0.0;
      dk[i] = 0.0;
    }
  }
}`;
}

/**
 * One pass over the queue for both the statistics and the backward's weighted sum (the flash-attention
 * trick: the softmax-weighted sum of negatives is attention with V = the queue). Per (query, chunk):
 *   m = max_j l_j,  s = sum_j exp(l_j - m),  a = sum_j exp(l_j - m) n_j    (j in the chunk)
 * keeping m, s, a online across 64-column tiles (rescaled by exp(m_old - m_new)). Bindings: q, neg,
 * partStats (B, nChunks, 2), partDq (B, nChunks, D), p. Replaces `stats` + `dqPart`; finish with `rows` and
 * `mean`.
 */
export function fusedWgsl(D: number, qb = QB, tile = TILE): string {
  const DV = D / vecWidth(D);
  // Weighted-sum layout. Column-owner (when DV divides TILE and the TILE / DV query groups divide QB, e.g.
  // D = 128 as vec4): thread t owns vector dv = t % DV for RPT queries, so each negative vector is loaded
  // once per tile and used RPT times. Otherwise element-owner: thread t owns elements t + i TILE of the
  // (QB, DV) block (one load per FMA).
  const colOwner = tile % DV === 0 && qb % (tile / DV) === 0;
  const RPT = colOwner ? qb / (tile / DV) : 0;
  const PPT = colOwner ? RPT : Math.ceil((qb * DV) / tile);
  return header(D, qb, tile) + /* wgsl */ `
@group(0) @binding(0) var<storage, read> q: array<VT>;              // (B, DV)
@group(0) @binding(1) var<storage, read> neg: array<VT>;            // (K, DV)
@group(0) @binding(2) var<storage, read_write> part: array<f32>;    // (B, nChunks, 2): m, s
@group(0) @binding(3) var<storage, read_write> partA: array<VT>;    // (B, nChunks, DV): a
@group(0) @binding(4) var<uniform> p: P;
const PPT: u32 = ${PPT}u;
var<workgroup> qs: array<VT, ${qb * DV}>;
var<workgroup> lt: array<f32, ${qb * tile}>;   // logits, then exp(l - m) of the tile
var<workgroup> ms: array<f32, ${qb}>;          // running max per query
var<workgroup> ss: array<f32, ${qb}>;          // running sum per query
var<workgroup> sc: array<f32, ${qb}>;          // this tile's rescale factor exp(m_old - m_new)

@compute @workgroup_size(${tile})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let b0 = wg.x * QB;
  let chunk = wg.y;
  for (var i = t; i < QB * DV; i += TILE) {
    let b = b0 + i / DV;
    qs[i] = select(VT(0.0), q[min(b, p.B - 1u) * DV + i % DV], b < p.B);
  }
  if (t < QB) { ms[t] = -3.0e38; ss[t] = 0.0; }
  var acc = array<VT, ${PPT}>();
  var bad = false; // thread r < QB: some logit of query r in this chunk is NaN/Inf
  workgroupBarrier();
  let start = chunk * CHUNK;
  let end = min(start + CHUNK, p.K);
  for (var j0 = start; j0 < end; j0 += TILE) {
    let cols = min(TILE, end - j0);
    // 1. logits of column j0 + t for the QB queries.
    // Column j0 + t, clamped rather than branched on: outside divergent control flow the qs reads have
    // a uniform address, which a CPU adapter (lavapipe) turns into one load + broadcast per SIMD group.
    // Columns past the end are computed on a valid row and masked in step 3.
    let j = min(j0 + t, end - 1u);
    var dot = array<f32, ${qb}>();
    for (var d = 0u; d < DV; d++) {
      let n = neg[j * DV + d];
      for (var r = 0u; r < QB; r++) { dot[r] += vdot(qs[r * DV + d], n); }
    }
    for (var r = 0u; r < QB; r++) { lt[r * TILE + t] = dot[r] * p.invTau; }
    workgroupBarrier();
    // 2. new running max per query.
    if (t < QB) {
      var mx = ms[t];
      for (var c = 0u; c < cols; c++) {
        let v = lt[t * TILE + c];
        mx = max(mx, v);
        bad = bad || nonFinite(v);
      }
      sc[t] = exp(ms[t] - mx);
      ms[t] = mx;
    }
    workgroupBarrier();
    // 3. weights exp(l - m) of the tile.
    for (var r = 0u; r < QB; r++) { lt[r * TILE + t] = select(0.0, exp(lt[r * TILE + t] - ms[r]), t < cols); }
    workgroupBarrier();
    // 4. running sums and weighted negatives.
    if (t < QB) {
      var sum = 0.0;
      for (var c = 0u; c < cols; c++) { sum += lt[t * TILE + c]; }
      ss[t] = ss[t] * sc[t] + sum;
    }
${colOwner ? /* wgsl */ `
    {
      let dv = ${tile === DV ? 't' : 't % DV'};
      let r0 = ${tile === DV ? '0u; // one query group: uniform, so the lt reads below are broadcasts' : '(t / DV) * PPT;'}
      for (var i = 0u; i < PPT; i++) { acc[i] *= sc[r0 + i]; }
      for (var c = 0u; c < cols; c++) {
        let n = neg[(j0 + c) * DV + dv];
        for (var i = 0u; i < PPT; i++) { acc[i] += lt[(r0 + i) * TILE + c] * n; }
      }
    }` : /* wgsl */ `
    for (var i = 0u; i < PPT; i++) {
      let e = t + i * TILE;
      if (e < QB * DV) {
        let r = e / DV;
        let dv = e % DV;
        var a = acc[i] * sc[r];
        for (var c = 0u; c < cols; c++) { a += lt[r * TILE + c] * neg[(j0 + c) * DV + dv]; }
        acc[i] = a;
      }
    }`}
    workgroupBarrier();
  }
  if (t < QB && b0 + t < p.B) {
    let o = ((b0 + t) * p.nChunks + chunk) * 2u;
    part[o] = ms[t];
    part[o + 1u] = select(ss[t], bitcast<f32>(F32_INF), bad);
  }
  for (var i = 0u; i < PPT; i++) {
${colOwner ? /* wgsl */ `    let r = ${tile === DV ? '' : '(t / DV) * PPT + '}i;
    let dv = t % DV;
    if (b0 + r < p.B) { partA[((b0 + r) * p.nChunks + chunk) * DV + dv] = acc[i]; }` : /* wgsl */ `    let e = t + i * TILE;
    let r = e / DV;
    if (e < QB * DV && b0 + r < p.B) { partA[((b0 + r) * p.nChunks + chunk) * DV + e % DV] = acc[i]; }`}
  }
}`;
}
