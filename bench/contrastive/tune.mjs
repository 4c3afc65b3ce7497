// Tuning helper for the fused InfoNCE sweep (shared negatives): times contrastive.infoNCE forward + backward
// at B = 128, K = 16384, D = 128 for the CPU layout and GPU-layout settings (queries per workgroup x tile
// columns), interleaved in rounds so a loaded machine hurts them alike; wall and process CPU time (the
// latter steadier on a shared machine). Ratios between settings are the result, not the absolute ms.
//
//   npm run build:ts && node bench/contrastive/tune.mjs [--qb cpu,8x64,16x64] [--rounds 3] [--iters 2]
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const opt = (n, d) => (args.includes(n) ? args[args.indexOf(n) + 1] : d);
const qbs = opt('--qb', 'cpu,8x64,16x64').split(','); // 'cpu' layout, or the GPU layout's queries per workgroup x tile columns
const rounds = Number(opt('--rounds', 3)), iters = Number(opt('--iters', 2)), K = Number(opt('--K', 16384));
const src = process.env.SSCL_SRC ?? '../../build/tsc/src/';
const engine = await import(src + 'engine.js');
const { contrastive } = await import(src + 'train/public.js');
const { infoNCETuning } = await import(src + 'train/contrastive/infonce_gpu.js');
const { getDevice } = await import(src + 'gpu/device.js');
const { contextFor } = await import(src + 'gpu/context.js');
const dawn = require('webgpu');
for (const [k, v] of Object.entries(dawn.globals)) if (!(k in globalThis)) globalThis[k] = v;
const device = await getDevice({ powerPreference: 'high-performance' });
const { Tensor, tidy } = engine;
const ctx = contextFor(device.gpu);
const B = 128, D = 128;
const rnd = (n, s) => Float32Array.from({ length: n }, (_, i) => (((Math.imul(i + s * 7919, 2654435761) >>> 0) / 4294967296) * 2 - 1) / Math.sqrt(D / 3));
const q = Tensor.fromArray(device, rnd(B * D, 1), [B, D], { requiresGrad: true });
const k = Tensor.fromArray(device, rnd(B * D, 2), [B, D], { requiresGrad: true });
const n = Tensor.fromArray(device, rnd(K * D, 3), [K, D]);
const ms = Object.fromEntries(qbs.map((x) => [x, []]));
const cpu = Object.fromEntries(qbs.map((x) => [x, []])); // process CPU ms (lavapipe's threads included): steadier than wall time on a loaded machine
const losses = {};
for (let r = 0; r < rounds; r++) {
  for (const qb of qbs) {
    infoNCETuning.layout = qb === 'cpu' ? 'cpu' : 'gpu';
    if (qb !== 'cpu') [infoNCETuning.qb, infoNCETuning.tile] = qb.split('x').map(Number);
    losses[qb] = await contrastive.infoNCE(q, k, n, { tau: 0.07 }).item(); // warm-up + pipeline
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    for (let i = 0; i < iters; i++) tidy(() => void contrastive.infoNCE(q, k, n, { tau: 0.07 }).backward());
    ctx.flush();
    await device.gpu.queue.onSubmittedWorkDone();
    ms[qb].push((performance.now() - t0) / iters);
    const c = process.cpuUsage(c0);
    cpu[qb].push((c.user + c.system) / 1000 / iters);
  }
}
for (const qb of qbs) console.log(`qb ${qb}: wall ${ms[qb].map((x) => x.toFixed(0)).join(' ')} ms (min ${Math.min(...ms[qb]).toFixed(0)}); cpu ${cpu[qb].map((x) => x.toFixed(0)).join(' ')} ms (min ${Math.min(...cpu[qb]).toFixed(0)}); loss ${losses[qb]}`);
process.exit(0);
