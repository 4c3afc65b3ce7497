// Where one back-to-back eval forward call's time goes (Node + Dawn), ours and onnxruntime-web's native WebGPU
// EP on the same network: the loop of webgpu-core.mjs (upload input -> forward -> await the embedding) split
// into phases, and our dispatches timed one by one.
//
//   npm run build:ts && node bench/encoders/percall.mjs --onnx-dir DIR [--only arch:preset] [--iters N] [--kernels]
//
// Per call (mean over --iters calls after a warm-up), ours:
//   record   JS time of Tensor.fromArray + noGrad(forward) (graph walk, fold-cache key, bind groups; no submit)
//   submit   the flush inside toArray up to queue.submit returning (uniform ring write + finish + submit)
//   gpu      submit -> queue.onSubmittedWorkDone() resolved (the GPU work, plus Dawn's event latency)
//   total    whole call; readback = total - the rest (mapAsync + copy out)
// and counts per call: dispatches, queue.submit calls, queue.writeBuffer calls, createBindGroup calls.
// ort: total per call and the same counts (its phases are inside session.run).
// Also: the latency of an empty round trip (submit nothing -> onSubmittedWorkDone; a 4-byte mapAsync), which
// is a fixed cost per call if Dawn polls for events.
// --kernels: each of our dispatches of one forward re-run alone (one submit, awaited) 5x: the median ms per
// kernel, summed by kernel name; shows which dispatches dominate.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { captureLaunches, timeAlone } from './launches.mjs';
import { loadavg } from 'node:os';
import { patchWriteBuffer } from './dawn-shim.mjs';

const ROOT = resolve(new URL('../..', import.meta.url).pathname);
const args = process.argv.slice(2);
const opt = (k, d) => (args.includes(k) ? args[args.indexOf(k) + 1] : d);
const onnxDir = opt('--onnx-dir', '/tmp/enc/onnx');
const iters = Number(opt('--iters', 5));
const only = opt('--only', null)?.split(',');
const require = createRequire(import.meta.url);
const dawn = require('webgpu');
for (const [k, v] of Object.entries(dawn.globals)) if (!(k in globalThis)) globalThis[k] = v;
patchWriteBuffer(dawn);

const counts = { dispatch: 0, submit: 0, writeBuffer: 0, bindGroup: 0 };
const G = dawn.globals;
const wrap = (proto, name, key, after) => {
  const f = proto[name];
  proto[name] = function (...a) {
    counts[key]++;
    const r = f.apply(this, a);
    after?.(this, a);
    return r;
  };
};
let lastSubmit = 0;
wrap(G.GPUComputePassEncoder.prototype, 'dispatchWorkgroups', 'dispatch');
wrap(G.GPUQueue.prototype, 'submit', 'submit', () => (lastSubmit = performance.now()));
wrap(G.GPUQueue.prototype, 'writeBuffer', 'writeBuffer');
wrap(G.GPUDevice.prototype, 'createBindGroup', 'bindGroup');

const engine = await import(join(ROOT, 'build/tsc/src/engine.js'));
const { getDevice } = await import(join(ROOT, 'build/tsc/src/gpu/device.js'));
const { createModel } = await import(join(ROOT, 'build/tsc/src/models/encoder.js'));
const device = await getDevice({ powerPreference: 'high-performance' });
Object.defineProperty(globalThis, 'navigator', { value: { gpu: dawn.create([]), userAgent: 'node' }, configurable: true });
const ort = require(join(ROOT, 'node_modules/onnxruntime-web/dist/ort.webgpu.min.js'));
ort.env.wasm.numThreads = 1;
const load = () => loadavg().map((v) => v.toFixed(1)).join(' ');
console.log(`load ${load()}`);
const gpu = device.gpu;
const ctx = engine.Tensor.fromArray(device, new Float32Array(1), [1]).ctx;

// Fixed latency of a round trip through Dawn's event processing.
{
  const n = 20;
  let t0 = performance.now();
  for (let i = 0; i < n; i++) {
    gpu.queue.submit([]);
    await gpu.queue.onSubmittedWorkDone();
  }
  const done = (performance.now() - t0) / n;
  const b = gpu.createBuffer({ size: 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  t0 = performance.now();
  for (let i = 0; i < n; i++) {
    await b.mapAsync(GPUMapMode.READ);
    b.unmap();
  }
  const map = (performance.now() - t0) / n;
  t0 = performance.now();
  for (let i = 0; i < n; i++) await new Promise((ok) => setImmediate(ok));
  const imm = (performance.now() - t0) / n;
  console.log(`empty round trip: submit([]) -> onSubmittedWorkDone ${done.toFixed(2)} ms; mapAsync of an idle 4-byte buffer ${map.toFixed(2)} ms; setImmediate ${imm.toFixed(3)} ms`);
  b.destroy();
}

const snap = () => ({ ...counts });
const diff = (a, b) => Object.fromEntries(Object.keys(a).map((k) => [k, (b[k] - a[k]) / iters]));
const fmtCounts = (c) => Object.entries(c).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ');

for (const [arch, preset, B] of [['audio-resnet10', 'tiny', 8], ['s3d', 'tiny', 8], ['audio-resnet10', 'paper', 2]]) {
  if (only && !only.includes(`${arch}:${preset}`)) continue;
  const m = (await createModel(arch, { preset, device, seed: 1 })).eval();
  const shape = [B, ...m.spec.input];
  const data = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i));
  const ph = { record: 0, submit: 0, gpu: 0, total: 0 };
  const call = async (timed) => {
    const t0 = performance.now();
    const x = engine.Tensor.fromArray(device, data, shape);
    const z = engine.noGrad(() => m.forward(x, { head: true }));
    const t1 = performance.now();
    ctx.flush();
    const t2 = performance.now();
    await gpu.queue.onSubmittedWorkDone();
    const t3 = performance.now();
    const out = await z.toArray();
    const t4 = performance.now();
    z.dispose();
    x.dispose();
    if (timed) {
      ph.record += t1 - t0;
      ph.submit += t2 - t1;
      ph.gpu += t3 - t2;
      ph.total += t4 - t0;
    }
    return out;
  };
  await call(false);
  await call(false);
  const c0 = snap();
  for (let i = 0; i < iters; i++) await call(true);
  const oursCounts = diff(c0, snap());
  const f = (v) => (v / iters).toFixed(1);
  console.log(`${arch} ${preset} B=${B} ours: total ${f(ph.total)} ms = record ${f(ph.record)} + submit ${f(ph.submit)} + gpu ${f(ph.gpu)} + readback ${f(ph.total - ph.record - ph.submit - ph.gpu)}; per call: ${fmtCounts(oursCounts)}`);

  const s = await ort.InferenceSession.create(readFileSync(join(onnxDir, `${arch}_${preset}_${B}.onnx`)), { executionProviders: ['webgpu'] });
  const run = async () => (await s.run({ x: new ort.Tensor('float32', data, shape) })).z.data;
  await run();
  await run();
  const o0 = snap();
  let t0 = performance.now();
  for (let i = 0; i < iters; i++) await run();
  const ortMs = (performance.now() - t0) / iters;
  console.log(`${arch} ${preset} B=${B} ort:  total ${ortMs.toFixed(1)} ms; per call: ${fmtCounts(diff(o0, snap()))}`);
  // ours again after ort (same warm state for both)
  ph.total = ph.record = ph.submit = ph.gpu = 0;
  for (let i = 0; i < iters; i++) await call(true);
  console.log(`${arch} ${preset} B=${B} ours again: total ${f(ph.total)} ms = record ${f(ph.record)} + submit ${f(ph.submit)} + gpu ${f(ph.gpu)} + readback ${f(ph.total - ph.record - ph.submit - ph.gpu)}`);
  await s.release();

  if (args.includes('--kernels')) {
    // capture the launches of one forward, then run each alone
    const x = engine.Tensor.fromArray(device, data, shape);
    let z;
    const [, launches] = await captureLaunches(ctx, () => (z = engine.noGrad(() => m.forward(x, { head: true }))).toArray());
    const per = new Map();
    let sum = 0;
    for (const L of launches) {
      const med = await timeAlone(ctx, gpu, L);
      sum += med;
      const key = `${L.spec.name} wg=${L.spec.workgroupSize} grid=${[].concat(L.grid).join("x")} u=${(L.u ?? []).slice(0, 3).join(",")}`;
      const e = per.get(key) ?? { n: 0, ms: 0 };
      e.n++;
      e.ms += med;
      per.set(key, e);
    }
    console.log(`  kernels alone: ${launches.length} launches, sum of medians ${sum.toFixed(1)} ms (each includes one empty-round-trip latency)`);
    for (const [k, e] of [...per].sort((p, q) => q[1].ms - p[1].ms).slice(0, 25)) console.log(`    ${e.ms.toFixed(1).padStart(7)} ms  x${e.n}  ${k}`);
    z.dispose();
    x.dispose();
  }
  m.dispose();
}
console.log(`load after ${load()}`);
process.exit(0);
