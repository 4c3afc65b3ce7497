// Per-pass profile of the S3D-shaped conv3d benchmark (issue 4): forward, input gradient (dX) and weight
// gradient (dW) timed separately, ours and @tensorflow/tfjs-backend-webgpu side by side in one process.
//
//   npm run build:ts && node bench/engine/profile.mjs [--scale small|large] [--iters n] [--only substring] [--gpu-paths]
//
// --gpu-paths: on a software adapter, run our real-GPU paths (col2im dX GEMM, reduction-summed split-K)
// instead of the software ones, i.e. the engine as it was before the software paths (for before/after).
// Ours: dX = (fwd + backward with only x requiring grad) - fwd, dW likewise with only w (bias off), so a
// pass is timed inside the same autograd path the model uses. tfjs: its three kernels, each on its own.
import { sideBySide } from '../lib/side-by-side.mjs';
import { s3dConvShapes } from './shapes.mjs';

const args = process.argv.slice(2);
const opt = (k, d) => (args.includes(k) ? args[args.indexOf(k) + 1] : d);
const scale = opt('--scale', 'small');
const its = Number(opt('--iters', scale === 'large' ? 10 : 1));
const only = opt('--only', '');
const src = process.env.SSCL_SRC ?? '../../build/tsc/src/';
const { Tensor, F, device, ctx, tf, timeOurs, timeTf } = await sideBySide(src);
if (args.includes('--gpu-paths')) ctx.software = false;
console.log(`our paths: ${ctx.software ? 'software' : 'GPU'}`);
const rand = (n) => Float32Array.from({ length: n }, (_, i) => (((i * 2654435761) >>> 0) / 4294967296) * 2 - 1);

const { N, T, convs } = s3dConvShapes(scale);
const tot = { ours: [0, 0, 0], tf: [0, 0, 0] };
for (const [name, Ci, t, H, W, Co, k, s, p] of convs) {
  if (only && !name.includes(only)) continue;
  const xs = [N, Ci, t, H, W];
  const ws = [Co, Ci, ...k];
  const size = (sh) => sh.reduce((a, b) => a * b, 1);
  const mk = (gx, gw) => [Tensor.fromArray(device, rand(size(xs)), xs, { requiresGrad: gx }), Tensor.fromArray(device, rand(size(ws)), ws, { requiresGrad: gw })];
  const [x0, w0] = mk(false, false);
  const oshape = F.conv3d(x0, w0, null, { stride: s, padding: p }).shape;
  const dOut = Tensor.fromArray(device, rand(size(oshape)), oshape);
  const pass = (gx, gw) => {
    const [x, w] = mk(gx, gw);
    return timeOurs(() => {
      const y = F.conv3d(x, w, null, { stride: s, padding: p });
      if (gx || gw) y.backward(dOut);
      for (const q of [x, w]) if (q.grad) { q.grad.dispose(); q.grad = null; }
    }, its);
  };
  const f = await pass(false, false);
  const fx = await pass(true, false);
  const fw = await pass(false, true);
  const ours = [f, Math.max(0, fx - f), Math.max(0, fw - f)];
  const tx = tf.tensor5d(rand(size(xs)), [N, t, H, W, Ci]);
  const tw = tf.tensor5d(rand(size(ws)), [k[0], k[1], k[2], Ci, Co]);
  const tdy = tf.tensor5d(rand(size(oshape)), [N, oshape[2], oshape[3], oshape[4], Co]);
  const theirs = [
    await timeTf(() => tf.conv3d(tx, tw, s, 'same'), its),
    await timeTf(() => tf.engine().runKernel('Conv3DBackpropInputV2', { dy: tdy, filter: tw }, { strides: s, pad: 'same', inputShape: tx.shape }), its),
    await timeTf(() => tf.engine().runKernel('Conv3DBackpropFilterV2', { x: tx, dy: tdy }, { strides: s, pad: 'same', filterShape: tw.shape }), its),
  ];
  tf.dispose([tx, tw, tdy]);
  ['fwd', 'dX', 'dW'].forEach((n, i) => {
    tot.ours[i] += ours[i];
    tot.tf[i] += theirs[i];
    console.log(`${name.padEnd(40)} ${n.padEnd(3)} ours ${ours[i].toFixed(1).padStart(8)} ms | tfjs ${theirs[i].toFixed(1).padStart(8)} ms | x${(theirs[i] / Math.max(ours[i], 1e-3)).toFixed(2)}`);
  });
}
const sum = (a) => a.reduce((x, y) => x + y, 0);
console.log(`totals fwd/dX/dW ours ${tot.ours.map((v) => v.toFixed(0)).join(' / ')} ms, tfjs ${tot.tf.map((v) => v.toFixed(0)).join(' / ')} ms; all passes x${(sum(tot.tf) / sum(tot.ours)).toFixed(2)}`);
process.exit(0);
