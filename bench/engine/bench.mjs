// Engine benchmark (issue 4): GFLOP/s of matmul 1024^3 and of S3D-shaped conv3d forward+backward, ours
// and @tensorflow/tfjs-backend-webgpu side by side in one run on the same adapter, plus a sweep of our
// GEMM tile configurations whose best is reported as the adapter's practical peak.
//
//   npm run build:ts && node bench/engine/bench.mjs [--scale small|large] [--json out.json] [--conv-only]
//   deno run -A --unstable-webgpu bench/engine/bench.mjs ...   (same, on Deno's built-in WebGPU)
//
// Node: both engines get Dawn through the `webgpu` package (tfjs via a navigator.gpu shim); Deno: both use
// the runtime's navigator.gpu (wgpu). --conv-only skips the matmul part.
// Timing: warm-up, then `iters` runs recorded back to back and one wait on queue completion
// (onSubmittedWorkDone), no readback inside the timed region for either engine.
import { writeFileSync } from 'node:fs';
import { sideBySide } from '../lib/side-by-side.mjs';
import { s3dConvShapes } from './shapes.mjs';

const args = process.argv.slice(2);
const scale = args.includes('--scale') ? args[args.indexOf('--scale') + 1] : 'small';
const jsonOut = args.includes('--json') ? args[args.indexOf('--json') + 1] : null;
const src = process.env.SSCL_SRC ?? '../../build/tsc/src/';
const { runGemm } = await import(src + 'ops/matmul/run.js');
const { Tensor, F, device, ctx, adapter, tf, timeOurs, timeTf } = await sideBySide(src);
console.log(`tfjs ${tf.version_core} backend ${tf.getBackend()}`);

const rand = (n) => Float32Array.from({ length: n }, (_, i) => (((i * 2654435761) >>> 0) / 4294967296) * 2 - 1);

const runtime = typeof globalThis.Deno !== 'undefined' ? `deno ${globalThis.Deno.version.deno}` : `node ${process.version}`;
const results = { date: new Date().toISOString(), scale, adapter, tfjs: tf.version_core, runtime, rows: [] };
const row = (name, flops, oursMs, tfMs) => {
  const r = { name, gflop: flops / 1e9, oursMs, tfMs, oursGflops: flops / oursMs / 1e6, tfGflops: tfMs ? flops / tfMs / 1e6 : null };
  results.rows.push(r);
  console.log(`${name.padEnd(44)} ours ${oursMs.toFixed(2).padStart(9)} ms ${r.oursGflops.toFixed(1).padStart(8)} GFLOP/s` + (tfMs ? ` | tfjs ${tfMs.toFixed(2).padStart(9)} ms ${r.tfGflops.toFixed(1).padStart(8)} GFLOP/s | x${(tfMs / oursMs).toFixed(2)}` : ''));
};

// ---- matmul 1024^3 -------------------------------------------------------------------------------------
const S = 1024;
const iters = scale === 'large' ? 200 : 3;
if (!args.includes('--conv-only')) {
  const a = Tensor.fromArray(device, rand(S * S), [S, S]);
  const b = Tensor.fromArray(device, rand(S * S), [S, S]);
  const ta = tf.tensor2d(rand(S * S), [S, S]);
  const tb = tf.tensor2d(rand(S * S), [S, S]);
  const flops = 2 * S ** 3;
  const ours = await timeOurs(() => F.matmul(a, b), iters);
  const theirs = await timeTf(() => tf.matMul(ta, tb), iters);
  row('matmul 1024^3 (F.matmul)', flops, ours, theirs);
  // practical peak: the best of our GEMM tile configurations on the same problem
  const configs = [
    { BM: 64, BN: 64, BK: 8, TM: 8, TN: 8 }, { BM: 64, BN: 64, BK: 16, TM: 4, TN: 4 }, { BM: 128, BN: 128, BK: 8, TM: 8, TN: 8 },
    { BM: 128, BN: 64, BK: 8, TM: 8, TN: 4 }, { BM: 128, BN: 128, BK: 16, TM: 8, TN: 8 }, { BM: 32, BN: 32, BK: 8, TM: 4, TN: 4 },
  ];
  let best = null;
  for (const config of configs) {
    const out = new Tensor(ctx, [S, S]);
    const ms = await timeOurs(() => runGemm(ctx, { name: 'mm', M: S, N: S, K: S, inputs: [{ name: 'A', t: a }, { name: 'B', t: b }], out, loadA: `A(m * ${S}u + k)`, loadB: `B(k * ${S}u + n)`, config }), iters);
    out.dispose();
    row(`  gemm ${JSON.stringify(config)}`, flops, ms, null);
    if (!best || ms < best.ms) best = { config, ms };
  }
  // F.matmul again after the sweep (the first timing of a run can catch the GPU at low clocks)
  const ours2 = await timeOurs(() => F.matmul(a, b), iters);
  row('matmul 1024^3 (F.matmul, again)', flops, ours2, null);
  const oursBest = Math.min(ours, ours2);
  results.practicalPeak = { config: best.config, gflops: flops / best.ms / 1e6, matmulShare: best.ms / oursBest };
  console.log(`practical peak ${results.practicalPeak.gflops.toFixed(1)} GFLOP/s (${JSON.stringify(best.config)}); F.matmul at ${(100 * best.ms / oursBest).toFixed(0)}% of it`);
  tf.dispose([ta, tb]);
  a.dispose();
  b.dispose();
}

// ---- S3D-shaped conv3d forward + backward ---------------------------------------------------------------
const { N, T, convs } = s3dConvShapes(scale);
let oursTotal = 0;
let tfTotal = 0;
for (const [name, Ci, t, H, W, Co, k, s, p] of convs) {
  const x = Tensor.fromArray(device, rand(N * Ci * t * H * W), [N, Ci, t, H, W], { requiresGrad: true });
  const w = Tensor.fromArray(device, rand(Co * Ci * k[0] * k[1] * k[2]), [Co, Ci, ...k], { requiresGrad: true });
  const bias = Tensor.fromArray(device, rand(Co), [Co], { requiresGrad: true });
  const probe = F.conv3d(x, w, bias, { stride: s, padding: p });
  const oshape = probe.shape;
  probe.dispose();
  const dOut = Tensor.fromArray(device, rand(oshape.reduce((a, b) => a * b, 1)), oshape);
  const So = oshape[2] * oshape[3] * oshape[4];
  const fwdFlops = 2 * N * Co * So * Ci * k[0] * k[1] * k[2];
  const its = scale === 'large' ? 10 : 1;
  const oursF = await timeOurs(() => F.conv3d(x, w, bias, { stride: s, padding: p }), its);
  const oursFB = await timeOurs(() => {
    const y = F.conv3d(x, w, bias, { stride: s, padding: p });
    y.backward(dOut);
    for (const q of [x, w, bias]) { q.grad.dispose(); q.grad = null; }
  }, its);
  // tfjs: NDHWC, filter (kt, kh, kw, Ci, Co); 'same' padding gives the same output shape (and FLOPs)
  const tx = tf.tensor5d(rand(N * Ci * t * H * W), [N, t, H, W, Ci]);
  const tw = tf.tensor5d(rand(Co * Ci * k[0] * k[1] * k[2]), [k[0], k[1], k[2], Ci, Co]);
  const tdy = tf.tensor5d(rand(oshape.reduce((a, b) => a * b, 1)), [N, oshape[2], oshape[3], oshape[4], Co]);
  const tfF = await timeTf(() => tf.conv3d(tx, tw, s, 'same'), its);
  // tfjs's own conv3d gradient (tfjs-core gradients/Conv3D_grad) is these two kernels
  const tfFB = await timeTf(() => {
    const y = tf.conv3d(tx, tw, s, 'same');
    const dx = tf.engine().runKernel('Conv3DBackpropInputV2', { dy: tdy, filter: tw }, { strides: s, pad: 'same', inputShape: tx.shape });
    const dw = tf.engine().runKernel('Conv3DBackpropFilterV2', { x: tx, dy: tdy }, { strides: s, pad: 'same', filterShape: tw.shape });
    return [y, dx, dw];
  }, its);
  row(`conv3d fwd     ${name}`, fwdFlops, oursF, tfF);
  row(`conv3d fwd+bwd ${name}`, 3 * fwdFlops, oursFB, tfFB);
  oursTotal += oursFB;
  tfTotal += tfFB;
  tf.dispose([tx, tw, tdy]);
  for (const q of [x, w, bias, dOut]) q.dispose();
}
results.conv3dFwdBwdSpeedup = tfTotal / oursTotal;
console.log(`conv3d fwd+bwd, all shapes: ours ${oursTotal.toFixed(1)} ms, tfjs ${tfTotal.toFixed(1)} ms, speedup x${(tfTotal / oursTotal).toFixed(2)}`);
if (jsonOut) writeFileSync(jsonOut, JSON.stringify(results, null, 2));
process.exit(0);
