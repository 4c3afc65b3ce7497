// Where an eval forward's time goes on a software adapter: compute dispatches per forward (counted at
// GPUComputePassEncoder.dispatchWorkgroups, the same Dawn prototype for both engines) and ms per forward, for
// our engine and onnxruntime-web's native WebGPU EP on the same network (one warm forward each, Node + Dawn).
//
//   npm run build:ts && node bench/encoders/profile.mjs --onnx-dir DIR   (ONNX files from export_onnx.py)
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadavg } from 'node:os';
import { patchWriteBuffer } from './dawn-shim.mjs';

const ROOT = resolve(new URL('../..', import.meta.url).pathname);
const args = process.argv.slice(2);
const onnxDir = args[args.indexOf('--onnx-dir') + 1];
const require = createRequire(import.meta.url);
const dawn = require('webgpu');
for (const [k, v] of Object.entries(dawn.globals)) if (!(k in globalThis)) globalThis[k] = v;
patchWriteBuffer(dawn);
// Count compute dispatches of both engines at the WebGPU API (same Dawn prototypes for both).
let counted = 0;
const pass = dawn.globals.GPUComputePassEncoder.prototype;
const dispatch = pass.dispatchWorkgroups;
pass.dispatchWorkgroups = function (...a) {
  counted++;
  return dispatch.apply(this, a);
};
const engine = await import(join(ROOT, 'build/tsc/src/engine.js'));
const { getDevice } = await import(join(ROOT, 'build/tsc/src/gpu/device.js'));
const { createModel } = await import(join(ROOT, 'build/tsc/src/models/encoder.js'));
const device = await getDevice();
Object.defineProperty(globalThis, 'navigator', { value: { gpu: dawn.create([]), userAgent: 'node' }, configurable: true });
const ort = require(join(ROOT, 'node_modules/onnxruntime-web/dist/ort.webgpu.min.js'));
ort.env.wasm.numThreads = 1;
console.log(`load ${loadavg().map((v) => v.toFixed(1)).join(' ')}`);

for (const [arch, preset, B] of [['audio-resnet10', 'tiny', 8], ['s3d', 'tiny', 8], ['audio-resnet10', 'paper', 2]]) {
  const m = (await createModel(arch, { preset, device, seed: 1 })).eval();
  const shape = [B, ...m.spec.input];
  const x = engine.Tensor.fromArray(device, new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(0.5), shape);
  const fwd = async () => {
    const z = engine.noGrad(() => m.forward(x, { head: true }));
    await z.toArray();
    z.dispose();
  };
  await fwd();
  const d0 = counted, t0 = performance.now();
  await fwd();
  const ms = performance.now() - t0, dispatches = counted - d0;
  const s = await ort.InferenceSession.create(readFileSync(join(onnxDir, `${arch}_${preset}_${B}.onnx`)), { executionProviders: ['webgpu'] });
  const feeds = { x: new ort.Tensor('float32', new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(0.5), shape) };
  await s.run(feeds);
  const o0 = counted, t1 = performance.now();
  await s.run(feeds);
  const ortMs = performance.now() - t1, ortDispatches = counted - o0;
  await s.release();
  console.log(`${arch} ${preset} B=${B}: ours ${dispatches} dispatches per eval forward, ${ms.toFixed(0)} ms (${(ms / dispatches).toFixed(2)} ms/dispatch); ort native EP ${ortDispatches} dispatches, ${ortMs.toFixed(0)} ms (${(ortMs / ortDispatches).toFixed(2)} ms/dispatch)`);
  x.dispose();
  m.dispose();
}
process.exit(0);
