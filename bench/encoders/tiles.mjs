// Which GEMM tile is fastest for the few-channel convs of the tiny encoders on a software adapter (Node + Dawn):
// for each candidate GEMM_TUNING.short tile (src/ops/matmul/run.ts), one eval forward's dispatches are captured
// and every dispatch is re-run alone (one submit each, awaited), median of 5.
//
//   npm run build:ts && node bench/encoders/tiles.mjs [--only arch:preset]
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { loadavg } from 'node:os';
import { captureLaunches, timeAlone } from './launches.mjs';

const ROOT = resolve(new URL('../..', import.meta.url).pathname);
const args = process.argv.slice(2);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1].split(',') : null;
const dawn = createRequire(import.meta.url)('webgpu');
for (const [k, v] of Object.entries(dawn.globals)) if (!(k in globalThis)) globalThis[k] = v;
const engine = await import(join(ROOT, 'build/tsc/src/engine.js'));
const { getDevice } = await import(join(ROOT, 'build/tsc/src/gpu/device.js'));
const { createModel } = await import(join(ROOT, 'build/tsc/src/models/encoder.js'));
const { GEMM_TUNING } = await import(join(ROOT, 'build/tsc/src/ops/matmul/run.js'));
const device = await getDevice({ powerPreference: 'high-performance' });
const gpu = device.gpu;
const load = () => loadavg().map((v) => v.toFixed(1)).join(' ');
const { CONV_TUNING } = await import(join(ROOT, 'build/tsc/src/ops/conv/conv.js'));
// [label, GEMM_TUNING.short, CONV_TUNING.specializeForwardSoftware]
const TABLE = GEMM_TUNING.short;
const BAKE = CONV_TUNING.specializeForwardSoftware;
const CANDIDATES = [
  ['64x64 tile, uniform sizes (before)', [], 2 ** 27],
  ['64x64 tile, baked > 2^20 FLOP', [], BAKE],
  ['few-row tiles, uniform sizes', TABLE, 2 ** 27],
  ['few-row tiles, baked > 2^22 FLOP', TABLE, 2 ** 22],
  ['few-row tiles, baked > 2^20 FLOP (default)', TABLE, BAKE],
];
if (args.includes('--after')) CANDIDATES.splice(0, 3); // only the last two
console.log(`load ${load()}`);
for (const [arch, preset, B] of [['s3d', 'tiny', 8], ['audio-resnet10', 'tiny', 8]]) {
  if (only && !only.includes(`${arch}:${preset}`)) continue;
  const m = (await createModel(arch, { preset, device, seed: 1 })).eval();
  const shape = [B, ...m.spec.input];
  const data = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i));
  const x = engine.Tensor.fromArray(device, data, shape);
  const ctx = x.ctx;
  let ref = null;
  for (const [label, short, bake] of CANDIDATES) {
    GEMM_TUNING.short = short;
    CONV_TUNING.specializeForwardSoftware = bake;
    let z;
    const [out, launches] = await captureLaunches(ctx, () => (z = engine.noGrad(() => m.forward(x, { head: true }))).toArray());
    z.dispose();
    let d = 0;
    if (ref) for (let i = 0; i < out.length; i++) d = Math.max(d, Math.abs(out[i] - ref[i]));
    else ref = out;
    let small = 0, all = 0;
    const rows = [];
    for (const L of launches) {
      const med = await timeAlone(ctx, gpu, L);
      all += med;
      const isSmall = L.spec.name.startsWith('conv') && L.u?.[0] <= 32;
      if (isSmall) (small += med), rows.push(`${L.u.slice(0, 3).join(',')}:${med.toFixed(1)}`);
    }
    console.log(`${arch} ${preset} B=${B} ${label}: M<=32 convs ${small.toFixed(1)} ms, all ${all.toFixed(1)} ms, max|diff| vs default ${d.toExponential(1)}  [${rows.slice(0, 8).join(' ')}]  load ${load()}`);
  }
  x.dispose();
  m.dispose();
}
process.exit(0);
