// logSoftmax along one dim, one workgroup per row. A row is C elements `INNER` apart starting at
// (row / INNER) * C * INNER + row % INNER (shape viewed as (OUTER, C, INNER)).
import type { KernelSpec } from '../../gpu/kernel.ts';

const WG = 64;

function rowSetup(C: number, inner: number): string {
  return `  let row = wlin;
  let base = (row / ${inner}u) * ${C * inner}u + row % ${inner}u;`;
}

/** Tree reduction of `v` across the workgroup with `op` ('max' or '+'); result in every thread. */
function tree(v: string, op: 'max' | '+'): string {
  const comb = op === 'max' ? 'max(sh[lidx], sh[lidx + w])' : 'sh[lidx] + sh[lidx + w]';
  return `  sh[lidx] = ${v};
  workgroupBarrier();
  for (var w = WG / 2u; w > 0u; w = w / 2u) {
    if (lidx < w) { sh[lidx] = ${comb}; }
    workgroupBarrier();
  }`;
}

/** y = x - max - log(sum(exp(x - max))). Bindings x, out. Grid: rows. */
export function logSoftmaxForward(rows: number, C: number, inner: number): KernelSpec {
  return {
    name: 'logSoftmax',
    bindings: [{ name: 'x' }, { name: 'out', write: true }],
    workgroupSize: WG,
    decls: `var<workgroup> sh: array<f32, ${WG}>;`,
    body: `${rowSetup(C, inner)}
  let ok = row < ${rows}u;
  var mx = bitcast<f32>(0xff7fffffu);
  if (ok) { for (var c = lidx; c < ${C}u; c += WG) { mx = max(mx, x(base + c * ${inner}u)); } }
${tree('mx', 'max')}
  mx = sh[0];
  workgroupBarrier();
  var s = 0.0;
  if (ok) { for (var c = lidx; c < ${C}u; c += WG) { s += exp(x(base + c * ${inner}u) - mx); } }
${tree('s', '+')}
  let lse = mx + log(sh[0]);
  if (ok) { for (var c = lidx; c < ${C}u; c += WG) { let i = base + c * ${inner}u; out_set(i, x(i) - lse); } }`,
  };
}

/** dX += g - exp(y) * sum(g) along the row. Bindings g, y, dX. */
export function logSoftmaxBackward(rows: number, C: number, inner: number): KernelSpec {
  return {
    name: 'logSoftmax.dX',
    bindings: [{ name: 'g' }, { name: 'y' }, { name: 'dX', write: true }],
    workgroupSize: WG,
    decls: `var<workgroup> sh: array<f32, ${WG}>;`,
    body: `${rowSetup(C, inner)}
  let ok = row < ${rows}u;
  var s = 0.0;
  if (ok) { for (var c = lidx; c < ${C}u; c += WG) { s += g(base + c * ${inner}u); } }
${tree('s', '+')}
  let gs = sh[0];
  if (ok) { for (var c = lidx; c < ${C}u; c += WG) { let i = base + c * ${inner}u; dX_set(i, dX(i) + g(i) - exp(y(i)) * gs); } }`,
  };
}

/** out = -(1/N) * sum_n logp[n, target[n]] (one workgroup). Bindings logp, target (u32), out. */
export function nllForward(N: number, C: number): KernelSpec {
  return {
    name: 'nllLoss',
    bindings: [{ name: 'logp' }, { name: 'tgt', type: 'u32' }, { name: 'out', write: true }],
    workgroupSize: WG,
    decls: `var<workgroup> sh: array<f32, ${WG}>;`,
    body: `  var s = 0.0;
  for (var n = lidx; n < ${N}u; n += WG) { s += logp(n * ${C}u + tgt(n)); }
${tree('s', '+')}
  if (lidx == 0u) { out_set(0u, -sh[0] / ${N}.0); }`,
  };
}

/** dLogp[n, target[n]] += -g / N. Bindings g, target, dX. Grid: ceil(N / WG). */
export function nllBackward(N: number, C: number): KernelSpec {
  return {
    name: 'nllLoss.dX',
    bindings: [{ name: 'g' }, { name: 'tgt', type: 'u32' }, { name: 'dX', write: true }],
    workgroupSize: WG,
    body: `  let n = gidx;
  if (n >= ${N}u) { return; }
  let i = n * ${C}u + tgt(n);
  dX_set(i, dX(i) - g(0u) / ${N}.0);`,
  };
}
