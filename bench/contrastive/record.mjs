// CPU cost of *recording* one call (JS + the WebGPU binding's encoding calls; no GPU time): the fused
// contrastive.infoNCE forward and forward + backward, next to F.matmul of one product (the engine's
// matmul, the denominator of issue 7's "50 % of the engine's matmul GFLOP/s") and a trivial
// F.sum(F.mul(q, q)) forward + backward. On a fast GPU the paper-size calls are bound by this cost (H100:
// ~0.1 ms of kernel), so the ratio infoNCE fwd+bwd / F.matmul here predicts the H100 ratio (fused /
// matmul GFLOP/s = 2 x matmul time / fused time: >= 50 % needs fused <= 4 x matmul).
//   npm run build:ts && node bench/contrastive/record.mjs [--calls N] [--rounds R]
// Each round also waits for the GPU and reports the time per call until the work is done ("with the GPU"):
// at these sizes that is the fixed GPU-side cost per call (dispatches, clears, copies) plus the recording.
// Small sizes (B = 8, K = 256) keep the GPU's own work negligible; recording does not depend on them. The
// cases alternate, R rounds of N calls each; the median per-call time of each case is reported.
const src = process.env.SSCL_SRC ?? new URL('../../build/tsc/src/', import.meta.url).href;
const { Tensor, F, tidy } = await import(src + 'engine.js');
const { contrastive } = await import(src + 'train/public.js');
const { getDevice } = await import(src + 'gpu/device.js');
const { contextFor } = await import(src + 'gpu/context.js');
const args = process.argv.slice(2);
const opt = (name, d) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : d);
const N = opt('--calls', 200), R = opt('--rounds', 7);
const device = await getDevice();
const ctx = contextFor(device.gpu);
const B = 8, K = 256, D = 128;
const q = Tensor.zeros(device, [B, D], { requiresGrad: true }), k = Tensor.zeros(device, [B, D], { requiresGrad: true });
const n = Tensor.zeros(device, [K, D]), nT = Tensor.zeros(device, [D, K]), q0 = Tensor.zeros(device, [B, D]);
const cases = {
  'infoNCE forward': () => void contrastive.infoNCE(q, k, n, { tau: 0.07 }),
  'infoNCE forward + backward': () => contrastive.infoNCE(q, k, n, { tau: 0.07 }).backward(),
  'F.matmul (no grad)': () => void F.matmul(q0, nT),
  'F.sum(F.mul(q, q)) forward + backward': () => F.sum(F.mul(q, q)).backward(),
};
const times = Object.fromEntries(Object.keys(cases).map((c) => [c, []]));
for (let r = -1; r < R; r++) {
  for (const [name, fn] of Object.entries(cases)) {
    ctx.flush();
    await device.gpu.queue.onSubmittedWorkDone();
    const d0 = ctx.dispatches, g0 = ctx.bindGroups.created;
    const t0 = performance.now();
    for (let i = 0; i < N; i++) tidy(fn);
    const ms = (performance.now() - t0) / N;
    ctx.flush(); // finish + submit: Dawn translates the recorded commands here (what timeOurs on the H100 pays once per batch)
    const msSubmit = (performance.now() - t0) / N;
    await device.gpu.queue.onSubmittedWorkDone();
    const msDone = (performance.now() - t0) / N;
    if (r >= 0) times[name].push({ ms, msSubmit, msDone, dispatches: (ctx.dispatches - d0) / N, created: (ctx.bindGroups.created - g0) / N }); // round -1: warm-up
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const med = {}, medS = {}, medD = {};
for (const [name, xs] of Object.entries(times)) {
  med[name] = median(xs.map((x) => x.ms));
  medS[name] = median(xs.map((x) => x.msSubmit));
  medD[name] = median(xs.map((x) => x.msDone));
  console.log(`${name.padEnd(40)} ${med[name].toFixed(3)} ms recorded, ${medS[name].toFixed(3)} ms with the submit, ${medD[name].toFixed(3)} ms with the GPU, per call (medians of ${R}); engine dispatches ${xs[0].dispatches}, new bind groups ${xs.at(-1).created.toFixed(2)}`);
}
const ratio = med['infoNCE forward + backward'] / med['F.matmul (no grad)'];
const ratioS = medS['infoNCE forward + backward'] / medS['F.matmul (no grad)'];
console.log(`infoNCE fwd+bwd / F.matmul: recording x${ratio.toFixed(2)}, with the submit x${ratioS.toFixed(2)} (a host-bound fused loss would be at ${(200 / ratioS).toFixed(0)} % of matmul GFLOP/s)`);
ctx.flush();
await device.gpu.queue.onSubmittedWorkDone();
process.exit(0);
