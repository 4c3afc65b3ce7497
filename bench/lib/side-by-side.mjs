// Shared set-up for benchmarks that time our engine and @tensorflow/tfjs-backend-webgpu side by side in one
// Node process on the same adapter (bench/engine, bench/contrastive). Both get Dawn through the `webgpu`
// package; tfjs sees it through a navigator.gpu shim. Timing: warm-up, `iters` runs recorded back to back,
// one wait on queue completion, no readback inside the timed region for either engine.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * @param {string} src  folder of the tsc build of src/ (ends with '/')
 * @param {{ tfGradients?: boolean, noTf?: boolean }} options  tfGradients: also load @tensorflow/tfjs (registers
 *   gradients for tf.grads); noTf: our engine only (tf, tfb and timeTf are null; nothing of tfjs is loaded)
 */
export async function sideBySide(src, options = {}) {
  const engine = await import(src + 'engine.js');
  const { getDevice } = await import(src + 'gpu/device.js');
  const { contextFor } = await import(src + 'gpu/context.js');
  // Deno has WebGPU built in (wgpu); Node gets Dawn from the `webgpu` package
  const inDeno = typeof globalThis.Deno !== 'undefined';
  const dawn = inDeno ? null : require('webgpu');
  if (dawn) for (const [k, v] of Object.entries(dawn.globals)) if (!(k in globalThis)) globalThis[k] = v;

  const device = await getDevice({ powerPreference: 'high-performance' });
  engine.Tensor.zeros(device, [1]).dispose(); // makes the context from the Device (picks the GEMM tile by adapter)
  const ctx = contextFor(device.gpu);
  const a = device.adapter;
  console.log(`adapter: ${a?.vendor} ${a?.architecture} ${a?.device} ${a?.description} (software: ${a?.isSoftware})`);

  // tfjs on its own Dawn instance of the same adapter kind (in Deno: the runtime's navigator.gpu)
  if (options.noTf) return { ...engine, getDevice, device, ctx, adapter: a, tf: null, tfb: null, timeOurs, timeTf: null };
  if (dawn) Object.defineProperty(globalThis, 'navigator', { value: { gpu: dawn.create([]), userAgent: 'node' }, configurable: true });
  const tf = require('@tensorflow/tfjs-core');
  if (options.tfGradients) require('@tensorflow/tfjs');
  require('@tensorflow/tfjs-backend-webgpu');
  await tf.setBackend('webgpu');
  await tf.ready();
  const tfb = tf.backend();

  /** Mean ms per run of `fn` (our engine). Results are dropped inside the scope: returning them from tidy
   * would keep them alive and make every iteration allocate, and zero-initialise, a fresh output buffer. */
  async function timeOurs(fn, iters) {
    const run = () => engine.tidy(() => void fn());
    for (let i = 0; i < 2; i++) run();
    ctx.flush();
    await device.gpu.queue.onSubmittedWorkDone();
    const t0 = performance.now();
    for (let i = 0; i < iters; i++) run();
    ctx.flush();
    await device.gpu.queue.onSubmittedWorkDone();
    await ctx.checkErrors();
    return (performance.now() - t0) / iters;
  }

  /** Mean ms per run of `fn` (tfjs-webgpu). */
  async function timeTf(fn, iters) {
    const sync = async () => {
      tfb.endComputePassEncoder();
      if (tfb.commandEncoder) tfb.submitQueue();
      await tfb.device.queue.onSubmittedWorkDone();
    };
    const run = () => tf.tidy(() => void fn());
    for (let i = 0; i < 2; i++) run();
    await sync();
    const t0 = performance.now();
    for (let i = 0; i < iters; i++) run();
    await sync();
    return (performance.now() - t0) / iters;
  }

  return { ...engine, getDevice, device, ctx, adapter: a, tf, tfb, timeOurs, timeTf };
}
