// Encoder benchmark (issue 5): clips/s of createModel() forward (eval, noGrad) and forward+backward (train
// mode, loss = sum of the embedding) on the adapter at hand, with PyTorch on the CPU (Debian's torch, the
// same networks from test/fixtures/gen/models_rng.py, torch.set_num_threads = all cores) in the same run.
//
//   npm run build:ts && node bench/encoders/run.mjs [--paper-s3d] [--json out.json]
//
// Timing: one warm-up (compiles pipelines), then `iters` steps recorded back to back and one readback of the
// last result (no readback inside the loop). The paper S3D forward is ~9 GFLOPs per clip: opt-in on
// software adapters (--paper-s3d). onnxruntime-web: the forward cases exported from the torch modules to
// ONNX (opset 13) by torch_cpu.py, run with its WASM backend (CJS entry via createRequire: the ESM build
// fails in Node 20 with 'Dynamic require of node:os'), 1 thread, same timing rule with awaited run()s.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';

const args = process.argv.slice(2);
const jsonOut = args.includes('--json') ? args[args.indexOf('--json') + 1] : null;
// The modules, not index.js (which also loads the worker layer and its comlink import, not needed here).
const { noGrad, Tensor, tidy } = await import('../../build/tsc/src/engine.js');
const { getDevice } = await import('../../build/tsc/src/gpu/device.js');
const { createModel } = await import('../../build/tsc/src/models/encoder.js');
const device = await getDevice({ powerPreference: 'high-performance' });
const adapter = device.adapter;
console.log(`adapter: ${adapter?.description} (software: ${adapter?.isSoftware}); node ${process.version}; ${cpus().length} CPUs`);

const cases = [
  // [arch, preset, batch, mode, iters]
  ['audio-resnet10', 'tiny', 8, 'forward', 5],
  ['s3d', 'tiny', 8, 'forward', 5],
  ['audio-resnet10', 'paper', 2, 'forward', 2],
  ...(args.includes('--paper-s3d') || !adapter?.isSoftware ? [['s3d', 'paper', 1, 'forward', 1]] : []),
  ['audio-resnet10', 'tiny', 8, 'fwd+bwd', 5],
  ['s3d', 'tiny', 8, 'fwd+bwd', 5],
  ['audio-resnet10', 'small', 4, 'fwd+bwd', 2],
  ['s3d', 'small', 4, 'fwd+bwd', 1],
];

const ours = [];
for (const [arch, preset, B, mode, iters] of cases) {
  const m = await createModel(arch, { preset, device, seed: 1 });
  const shape = [B, ...m.spec.input];
  const x = Tensor.fromArray(device, Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i)), shape);
  const once = () => {
    if (mode === 'forward') return noGrad(() => m.eval().forward(x, { head: true }));
    return tidy(() => {
      const z = m.train().forward(x, { head: true });
      z.backward(new Float32Array(z.size).fill(1));
      return z;
    });
  };
  await once().toArray(); // warm-up: pipeline compilation
  const t0 = performance.now();
  let last;
  for (let i = 0; i < iters; i++) {
    last?.dispose();
    last = once();
  }
  await last.toArray();
  const s = (performance.now() - t0) / 1000;
  const r = { arch, preset, B, mode, iters, seconds: s, clipsPerSec: (B * iters) / s, inputShape: m.spec.input };
  ours.push(r);
  console.log(`ours  ${arch.padEnd(15)} ${preset.padEnd(6)} B=${B} ${mode.padEnd(8)} ${r.clipsPerSec.toFixed(2)} clips/s (${iters} iters, ${s.toFixed(2)} s)`);
  last.dispose();
  x.dispose();
  m.dispose();
}

let torch = [];
const onnxDir = mkdtempSync(join(tmpdir(), 'sscl-onnx-'));
try {
  const out = execFileSync('/usr/bin/python3', [new URL('./torch_cpu.py', import.meta.url).pathname, JSON.stringify(cases), onnxDir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  torch = JSON.parse(out.trim().split('\n').pop());
  for (const r of torch) console.log(`torch ${r.arch.padEnd(15)} ${r.preset.padEnd(6)} B=${r.B} ${r.mode.padEnd(8)} ${r.clipsPerSec.toFixed(2)} clips/s (${r.iters} iters, ${r.seconds.toFixed(2)} s, ${r.threads} threads)`);
} catch (e) {
  console.log(`PyTorch CPU reference failed: ${e.message}`);
}
const ortRes = [];
try {
  const ort = createRequire(import.meta.url)('onnxruntime-web');
  ort.env.wasm.numThreads = 1;
  for (const [arch, preset, B, mode, iters] of cases) {
    if (mode !== 'forward') continue;
    const s = await ort.InferenceSession.create(join(onnxDir, `${arch}_${preset}_${B}.onnx`), { executionProviders: ['wasm'] });
    const shape = [B, ...ours.find((r) => r.arch === arch && r.preset === preset).inputShape];
    const x = new ort.Tensor('float32', Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i)), shape);
    await s.run({ x });
    const t0 = performance.now();
    for (let i = 0; i < iters; i++) await s.run({ x });
    const sec = (performance.now() - t0) / 1000;
    const r = { arch, preset, B, mode, iters, seconds: sec, clipsPerSec: (B * iters) / sec, backend: 'wasm, 1 thread', version: ort.env.versions?.web };
    ortRes.push(r);
    console.log(`ort   ${arch.padEnd(15)} ${preset.padEnd(6)} B=${B} ${mode.padEnd(8)} ${r.clipsPerSec.toFixed(2)} clips/s (${iters} iters, ${sec.toFixed(2)} s, onnxruntime-web ${r.version} wasm)`);
    await s.release();
  }
} catch (e) {
  console.log(`onnxruntime-web failed: ${e.message}`);
}
if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ date: new Date().toISOString(), adapter, node: process.version, ours, torch, ort: ortRes }, null, 1));
process.exit(0);
