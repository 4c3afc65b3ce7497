// CPU cost of *recording* one contrastive.infoNCE call (forward only, forward + backward) next to a trivial
// F.sum(F.mul(q, q)) forward + backward: separates the op's own per-call cost from the tape's.
//   npm run build:ts && node bench/contrastive/record.mjs
const src = process.env.SSCL_SRC ?? new URL('../../build/tsc/src/', import.meta.url).href;
const { Tensor, F, tidy } = await import(src + 'engine.js');
const { contrastive } = await import(src + 'train/public.js');
const { getDevice } = await import(src + 'gpu/device.js');
const { contextFor } = await import(src + 'gpu/context.js');
const device = await getDevice();
const ctx = contextFor(device.gpu);
const B = 128, K = 4096, D = 128, N = 50;
const q = Tensor.zeros(device, [B, D], { requiresGrad: true }), k = Tensor.zeros(device, [B, D], { requiresGrad: true }), n = Tensor.zeros(device, [K, D]);
const cases = {
  'infoNCE forward': () => void contrastive.infoNCE(q, k, n, { tau: 0.07 }),
  'infoNCE forward + backward': () => contrastive.infoNCE(q, k, n, { tau: 0.07 }).backward(),
  'F.sum(F.mul(q, q)) forward + backward': () => F.sum(F.mul(q, q)).backward(),
};
for (const [name, fn] of Object.entries(cases)) {
  for (let i = 0; i < 3; i++) tidy(fn);
  ctx.flush();
  await device.gpu.queue.onSubmittedWorkDone();
  const t0 = performance.now();
  for (let i = 0; i < N; i++) tidy(fn);
  const ms = (performance.now() - t0) / N;
  ctx.flush();
  await device.gpu.queue.onSubmittedWorkDone();
  console.log(`${name.padEnd(40)} ${ms.toFixed(3)} ms recorded per call`);
}
process.exit(0);
