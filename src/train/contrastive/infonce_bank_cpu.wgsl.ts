// The memory-bank sweep (per-sample negatives) laid out for CPU-backed adapters, as ./infonce_cpu.wgsl.ts
// is for the queue: same bindings, grid, groups and partials as `fusedBankWgsl`, so `rows` / `dqOnline`
// finish it. One workgroup = one query x one whole 256-column chunk (no online rescaling inside): lane t
// computes the logits of columns t + 64 i (i < 4), so each q vector read serves 4 columns; the max and the
// sum are reduced from per-lane partials (one barrier each, no serial 256-column walk); columns outside this
// group's buffers weigh 0 and read a valid row (clamped, not branched). Needs D a multiple of 4.
import { CHUNK, header } from './infonce.wgsl.ts';
import { bankBindings } from './infonce_bank.wgsl.ts';

const WG = 64;
const C = CHUNK / WG; // columns per lane (4)

export const bankCpuLayoutFits = (D: number): boolean => D % 4 === 0 && D / 4 <= WG;

export function fusedBankCpuWgsl(D: number, S: number): string {
  const DV = D / 4;
  const is = Array.from({ length: C }, (_, i) => i);
  return header(D, 1, WG) + /* wgsl */ `
@group(0) @binding(0) var<storage, read> q: array<VT>;             // (B, DV)
@group(0) @binding(1) var<storage, read> sel: array<u32>;          // (B, K)
@group(0) @binding(2) var<storage, read_write> part: array<f32>;   // (B, nChunks, 2): m, s
@group(0) @binding(3) var<storage, read_write> partA: array<VT>;   // (B, nChunks, DV): a
@group(0) @binding(4) var<uniform> p: P;
${bankBindings(5, S)}
var<workgroup> qs: array<VT, ${DV}>;
var<workgroup> lt: array<f32, ${CHUNK}>;    // weights exp(l - m), 0 for absent columns
var<workgroup> rw: array<u32, ${CHUNK}>;    // group-local row of each column (0 when absent: weight 0)
var<workgroup> red: array<f32, ${WG}>;      // per-lane max, then per-lane sum
var<workgroup> badAny: atomic<u32>;

@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let b = wg.x;
  let chunk = wg.y;
  let lo = p.group * ${S}u * p.rowsPerBuffer;
  let span = ${S}u * p.rowsPerBuffer;
  for (var i = t; i < DV; i += ${WG}u) { qs[i] = q[b * DV + i]; }
  if (t == 0u) { atomicStore(&badAny, 0u); }
  workgroupBarrier();
  let start = chunk * ${CHUNK}u;
  let end = min(start + ${CHUNK}u, p.K);
  let cols = end - start;
  ${is.map((i) => `let c${i} = t + ${i * WG}u;
  let r${i}raw = sel[b * p.K + min(start + c${i}, end - 1u)] - lo; // wraps for rows below lo: then >= span
  let in${i} = c${i} < cols && r${i}raw < span;
  let r${i} = select(0u, r${i}raw, in${i});
  var l${i} = 0.0;`).join('\n  ')}
  for (var d = 0u; d < DV; d++) {
    let qv = qs[d];
    ${is.map((i) => `l${i} += dot(qv, bankVec(r${i}, d));`).join('\n    ')}
  }
  var mx = -3.0e38;
  var bad = false;
  ${is.map((i) => `l${i} *= p.invTau;
  if (in${i}) { mx = max(mx, l${i}); bad = bad || nonFinite(l${i}); }`).join('\n  ')}
  if (bad) { atomicOr(&badAny, 1u); }
  red[t] = mx;
  workgroupBarrier();
  var m = -3.0e38;
  for (var k = 0u; k < ${WG}u; k++) { m = max(m, red[k]); }
  workgroupBarrier();
  var sum = 0.0;
  ${is.map((i) => `let w${i} = select(0.0, exp(l${i} - m), in${i});
  lt[c${i}] = w${i};
  rw[c${i}] = r${i};
  sum += w${i};`).join('\n  ')}
  red[t] = sum;
  workgroupBarrier();
  // weighted rows: lane t < DV owns vector t (uniform column loop: the row's buffer switch is uniform)
  if (t < DV) {
    var a = VT(0.0);
    for (var c = 0u; c < cols; c++) { a += lt[c] * bankVec(rw[c], t); }
    partA[(b * p.nChunks + p.group * p.chunksPerGroup + chunk) * DV + t] = a;
  }
  if (t == 0u) {
    var s = 0.0;
    for (var k = 0u; k < ${WG}u; k++) { s += red[k]; }
    let o = (b * p.nChunks + p.group * p.chunksPerGroup + chunk) * 2u;
    part[o] = m;
    part[o + 1u] = select(s, bitcast<f32>(F32_INF), atomicLoad(&badAny) != 0u);
  }
}`;
}
