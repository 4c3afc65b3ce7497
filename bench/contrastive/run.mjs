// Contrastive benchmark (issue 7): InfoNCE forward + backward (dq and dkPos) at B = 128, K = 16384, D = 128,
// tau = 0.07: our fused `contrastive.infoNCE` vs the unfused matmul + logSoftmax + NLL in
// @tensorflow/tfjs-backend-webgpu on the same adapter in one run, and our fused GFLOP/s as a fraction of
// the engine's matmul GFLOP/s (F.matmul on the same (B, D) x (D, K) product, and 1024^3).
//
//   npm run build:ts && node bench/contrastive/run.mjs [--iters N] [--repeats R] [--json out.json]
//
// FLOPs counted for both: the two B x K x D products the maths needs (logits, and dq = softmax-weighted sum
// of negatives): 4 B K D = 1.07 GFLOP. Timing as bench/engine: warm-up, `iters` runs recorded back to back,
// one wait on queue completion, no readback inside the timed region.
import { writeFileSync } from 'node:fs';
import { sideBySide } from '../lib/side-by-side.mjs';

const args = process.argv.slice(2);
const iters = args.includes('--iters') ? Number(args[args.indexOf('--iters') + 1]) : 5;
const jsonOut = args.includes('--json') ? args[args.indexOf('--json') + 1] : null;
const src = process.env.SSCL_SRC ?? '../../build/tsc/src/';
const { contrastive } = await import(src + 'train/public.js');
const noTf = args.includes('--no-tf'); // --no-tf: ours and F.matmul only (tuning; GPU machines without the tfjs bundles)
const { Tensor, F, tidy, device, ctx, adapter, tf, tfb, timeOurs, timeTf } = await sideBySide(src, { tfGradients: true, noTf });
console.log(`${noTf ? 'no tfjs' : `tfjs ${tf.version_core} backend ${tf.getBackend()}`}; node ${process.version}; iters ${iters}`);

// unit rows from a cheap hash (the benchmark does not need the fixture's values)
function unitRows(n, d, salt) {
  const a = new Float32Array(n * d);
  for (let i = 0; i < a.length; i++) a[i] = (((Math.imul(i + salt * 7919, 2654435761) >>> 0) / 4294967296) * 2 - 1);
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += a[r * d + j] ** 2;
    const inv = 1 / Math.sqrt(s);
    for (let j = 0; j < d; j++) a[r * d + j] *= inv;
  }
  return a;
}


const B = 128, D = 128, tau = 0.07;
const K = args.includes("--K") ? Number(args[args.indexOf("--K") + 1]) : 16384; // --K: other queue sizes (scaling checks)
const flops = 4 * B * K * D;
const qa = unitRows(B, D, 1), ka = unitRows(B, D, 2), na = unitRows(K, D, 3);
const results = { date: new Date().toISOString(), adapter, tfjs: tf?.version_core ?? null, node: process.version, iters, B, K, D, tau, gflop: flops / 1e9 };

// ours: fused forward + backward (gradients to q and kPos)
const q = Tensor.fromArray(device, qa, [B, D], { requiresGrad: true });
const k = Tensor.fromArray(device, ka, [B, D], { requiresGrad: true });
const n = Tensor.fromArray(device, na, [K, D]);
const lossOurs = await (() => { const l = contrastive.infoNCE(q, k, n, { tau }); return l.item(); })();

// tfjs: logits = [q.k, q @ n^T] / tau; loss = mean(-logSoftmax(logits)[:, 0]); grads to q and k
const tq = tf?.tensor2d(qa, [B, D]), tk = tf?.tensor2d(ka, [B, D]), tn = tf?.tensor2d(na, [K, D]);
const lossFn = (qq, kk) => {
  const pos = tf.sum(tf.mul(qq, kk), 1, true); // (B, 1)
  const neg = tf.matMul(qq, tn, false, true); // (B, K)
  const logits = tf.div(tf.concat([pos, neg], 1), tau); // (B, K + 1)
  const logp = tf.logSoftmax(logits, 1);
  return tf.neg(tf.mean(tf.slice(logp, [0, 0], [B, 1]))); // NLL at class 0
};
const gradsTf = tf?.grads(lossFn);
const lossTf = noTf ? NaN : (await lossFn(tq, tk).data())[0];

// --repeats R: ours and tfjs alternate R times (a loaded machine hurts both alike); per repeat the wall ms
// per iteration and the process CPU ms per run (lavapipe's worker threads included; counts the two warm-up
// runs of each timing too, hence / (iters + 2)), which is steadier than wall time on a shared machine.
const repeats = args.includes('--repeats') ? Number(args[args.indexOf('--repeats') + 1]) : 1;
async function withCpu(fn) {
  const c0 = process.cpuUsage();
  const ms = await fn();
  const c = process.cpuUsage(c0);
  return { ms, cpuMs: (c.user + c.system) / 1000 / (iters + 2) };
}
results.runs = [];
for (let r = 0; r < repeats; r++) {
  const o = await withCpu(() => timeOurs(() => contrastive.infoNCE(q, k, n, { tau }).backward(), iters));
  const t = noTf ? { ms: NaN, cpuMs: NaN } : await withCpu(() => timeTf(() => gradsTf([tq, tk]), iters)); // --no-tf: ours only (tuning)
  results.runs.push({ oursMs: o.ms, oursCpuMs: o.cpuMs, tfMs: t.ms, tfCpuMs: t.cpuMs, speedup: t.ms / o.ms, cpuSpeedup: t.cpuMs / o.cpuMs });
  console.log(`repeat ${r + 1}: ours ${o.ms.toFixed(1)} ms (cpu ${o.cpuMs.toFixed(0)} ms) | tfjs ${t.ms.toFixed(1)} ms (cpu ${t.cpuMs.toFixed(0)} ms) | x${(t.ms / o.ms).toFixed(2)} wall, x${(t.cpuMs / o.cpuMs).toFixed(2)} cpu`);
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
results.oursMs = median(results.runs.map((x) => x.oursMs));
results.tfMs = median(results.runs.map((x) => x.tfMs));

// the engine's matmul on the same product, and at 1024^3
const nKD = Tensor.fromArray(device, unitRows(D, K, 3), [D, K]); // (D, K): same sizes as q @ n^T
const qNoGrad = Tensor.fromArray(device, qa, [B, D]);
const mm = await withCpu(() => timeOurs(() => F.matmul(qNoGrad, nKD), iters));
results.matmulSameMs = mm.ms;
results.matmulSameCpuMs = mm.cpuMs;
const S = 1024;
const a1 = Tensor.fromArray(device, unitRows(S, S, 4), [S, S]), b1 = Tensor.fromArray(device, unitRows(S, S, 5), [S, S]);
results.matmul1024Ms = await timeOurs(() => F.matmul(a1, b1), Math.max(2, Math.ceil(iters / 2)));

const gf = (f, ms) => f / ms / 1e6;
results.oursGflops = gf(flops, results.oursMs);
results.tfGflops = gf(flops, results.tfMs);
results.speedupVsTf = results.tfMs / results.oursMs;
results.matmulSameGflops = gf(2 * B * K * D, results.matmulSameMs);
results.matmul1024Gflops = gf(2 * S ** 3, results.matmul1024Ms);
results.fractionOfMatmulSame = results.oursGflops / results.matmulSameGflops;
results.fractionOfMatmul1024 = results.oursGflops / results.matmul1024Gflops;
results.lossOurs = lossOurs;
results.lossTf = lossTf;
console.log(`loss: ours ${lossOurs.toFixed(6)}, tfjs ${lossTf.toFixed(6)}`);
console.log(`fused infoNCE fwd+bwd   ours ${results.oursMs.toFixed(2)} ms (${results.oursGflops.toFixed(1)} GFLOP/s) | tfjs unfused ${results.tfMs.toFixed(2)} ms (${results.tfGflops.toFixed(1)} GFLOP/s) | x${results.speedupVsTf.toFixed(2)}`);
results.oursCpuMs = median(results.runs.map((x) => x.oursCpuMs));
results.fractionOfMatmulSameCpu = gf(flops, results.oursCpuMs) / gf(2 * B * K * D, results.matmulSameCpuMs);
console.log(`engine F.matmul (${B}x${D})@(${D}x${K}): ${results.matmulSameMs.toFixed(2)} ms (${results.matmulSameGflops.toFixed(1)} GFLOP/s; cpu ${results.matmulSameCpuMs.toFixed(0)} ms): fused at ${(100 * results.fractionOfMatmulSame).toFixed(0)}% (by cpu time ${(100 * results.fractionOfMatmulSameCpu).toFixed(0)}%)`);
console.log(`engine F.matmul 1024^3: ${results.matmul1024Ms.toFixed(2)} ms (${results.matmul1024Gflops.toFixed(1)} GFLOP/s): fused at ${(100 * results.fractionOfMatmul1024).toFixed(0)}%`);
if (jsonOut) writeFileSync(jsonOut, JSON.stringify(results, null, 2));
for (const t of [q, k, n, nKD, qNoGrad, a1, b1]) t.dispose();
tf?.dispose([tq, tk, tn]);
process.exit(0);
