// Memory-bank throughput (issue 7): at N = 1e6 rows x D = 128 (512 MB, split over buffers beyond the binding
// limit), per training step: bank.update of the batch's rows (momentum + renormalise), bank.sample of K
// negatives per sample, and infoNCE forward + backward with those negatives read in place from the bank.
// Each part timed alone and the whole step; no readback in the timed region (recorded back to back, one
// wait for queue completion), as bench/contrastive/run.mjs.
//
//   npm run build:ts && node bench/contrastive/bank.mjs [--N 1000000] [--K 16384] [--B 128] [--iters 3] [--slots S] [--parts lossFwdBwd,step] [--json out.json]
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const arg = (name, dflt) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
const N = arg('--N', 1_000_000), K = arg('--K', 16384), B = arg('--B', 128), D = 128, iters = arg('--iters', 3), tau = 0.07;
const jsonOut = args.includes('--json') ? args[args.indexOf('--json') + 1] : null;
const src = process.env.SSCL_SRC ?? '../../build/tsc/src/';
const engine = await import(src + 'engine.js');
const { contrastive } = await import(src + 'train/public.js');
const { getDevice } = await import(src + 'gpu/device.js');
const { contextFor } = await import(src + 'gpu/context.js');
const dawn = require('webgpu');
for (const [k, v] of Object.entries(dawn.globals)) if (!(k in globalThis)) globalThis[k] = v;
const device = await getDevice({ powerPreference: 'high-performance' });
const { Tensor, tidy } = engine;
Tensor.zeros(device, [1]).dispose();
const ctx = contextFor(device.gpu);
const a = device.adapter;
console.log(`adapter: ${a?.vendor} ${a?.architecture} ${a?.description} (software: ${a?.isSoftware}); node ${process.version}; N ${N} K ${K} B ${B} D ${D}; iters ${iters}`);

function unitRows(n, d, salt) {
  const x = new Float32Array(n * d);
  for (let i = 0; i < x.length; i++) x[i] = ((Math.imul(i + salt * 7919, 2654435761) >>> 0) / 4294967296) * 2 - 1;
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += x[r * d + j] ** 2;
    for (let j = 0; j < d; j++) x[r * d + j] /= Math.sqrt(s);
  }
  return x;
}

let t0 = performance.now();
const bank = contrastive.createMemoryBank(device, { size: N, dim: D, momentum: 0.5, seed: 1 });
ctx.flush();
await device.gpu.queue.onSubmittedWorkDone();
const createMs = performance.now() - t0;
console.log(`bank: ${bank.inner.buffers.length} buffer(s) of ${bank.inner.rowsPerBuffer} rows (maxStorageBufferBindingSize ${ctx.limits.maxStorageBufferBindingSize}); create + init ${createMs.toFixed(0)} ms`);
const q = Tensor.fromArray(device, unitRows(B, D, 1), [B, D], { requiresGrad: true });
const k = Tensor.fromArray(device, unitRows(B, D, 2), [B, D], { requiresGrad: true });
const feats = Tensor.fromArray(device, unitRows(B, D, 3), [B, D]);
let step = 0;
const batch = () => Array.from({ length: B }, (_, i) => ((step * B + i) * 7919) % N); // distinct: 7919 is prime and does not divide N
const parts = {
  update: () => bank.update(batch(), feats),
  sample: () => bank.sample(batch(), K, { seed: step }).dispose(),
  lossFwdBwd: null, // needs a live sample: set below
  step: () => {
    const idx = batch();
    const negs = bank.sample(idx, K, { seed: step });
    contrastive.infoNCE(q, k, negs, { tau }).backward();
    bank.update(idx, feats);
    negs.dispose();
  },
};
const fixed = bank.sample(batch(), K, { seed: 99 });
parts.lossFwdBwd = () => contrastive.infoNCE(q, k, fixed, { tau }).backward();

// --slots S: bank buffers bound per dispatch of the loss (default: as many as the device allows)
const slots = args.includes('--slots') ? arg('--slots', 4) : null;
async function time(fn) {
  const run = () => tidy(() => void (slots ? ctx.withLimits({ maxStorageBuffersPerShaderStage: slots + 4 }, fn) : fn()));
  run(); // warm-up (pipelines)
  ctx.flush();
  await device.gpu.queue.onSubmittedWorkDone();
  const t = performance.now();
  for (let i = 0; i < iters; i++, step++) run();
  ctx.flush();
  await device.gpu.queue.onSubmittedWorkDone();
  await ctx.checkErrors();
  await ctx.checkGuards();
  return (performance.now() - t) / iters;
}
const results = { date: new Date().toISOString(), adapter: `${a?.vendor} ${a?.description}`, node: process.version, N, K, B, D, iters, buffers: bank.inner.buffers.length, slots, createMs };
// --parts a,b: time only these (update, sample, lossFwdBwd, step)
const only = args.includes('--parts') ? args[args.indexOf('--parts') + 1].split(',') : null;
for (const [name, fn] of Object.entries(parts)) {
  if (only && !only.includes(name)) continue;
  results[`${name}Ms`] = await time(fn);
  console.log(`${name.padEnd(11)} ${results[`${name}Ms`].toFixed(2)} ms/step`);
}
if (results.stepMs) {
results.stepsPerSecond = 1000 / results.stepMs;
results.samplesPerSecond = (1000 * B) / results.stepMs;
results.negativeRowsPerSecond = (1000 * B * K) / results.stepMs;
console.log(`whole step (sample + loss fwd+bwd + update): ${results.stepMs.toFixed(1)} ms = ${results.samplesPerSecond.toFixed(0)} samples/s, ${(results.negativeRowsPerSecond / 1e6).toFixed(1)} M negative rows/s`);
}
const loss = await contrastive.infoNCE(q, k, fixed, { tau }).item();
console.log(`check: loss ${loss.toFixed(4)} (finite; the values are checked by test/train/contrastive, not here)`);
results.loss = loss;
if (jsonOut) writeFileSync(jsonOut, JSON.stringify(results, null, 2));
fixed.dispose();
bank.dispose();
process.exit(0);
