// Host cost of the WebGPU binding's per-dispatch calls (why src/gpu/bindcache.ts exists): creating a bind
// group, vs setting a cached one with a dynamic uniform offset and dispatching, vs the bare calls. Timed
// while encoding N dispatches of a trivial kernel into one compute pass (submitted afterwards, not timed).
//   npm run build:ts && node bench/engine/bindgroups.mjs [--n 5000]
const src = process.env.SSCL_SRC ?? new URL('../../build/tsc/src/', import.meta.url).href;
const { getDevice } = await import(src + 'gpu/device.js');
const args = process.argv.slice(2);
const N = args.includes('--n') ? Number(args[args.indexOf('--n') + 1]) : 5000;
const device = await getDevice();
const gpu = device.gpu;
const code = /* wgsl */ `@group(0) @binding(0) var<uniform> u: vec4<u32>;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read_write> b: array<f32>;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3<u32>) { if (g.x < u.x) { b[g.x] = a[g.x]; } }`;
const make = (dynamic) => {
  const layout = gpu.createBindGroupLayout({ entries: [
    { binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform', hasDynamicOffset: dynamic } },
    { binding: 1, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'read-only-storage' } },
    { binding: 2, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'storage' } },
  ] });
  const pipeline = gpu.createComputePipeline({ layout: gpu.createPipelineLayout({ bindGroupLayouts: [layout] }), compute: { module: gpu.createShaderModule({ code }), entryPoint: 'main' } });
  return { layout, pipeline };
};
const A = gpu.createBuffer({ size: 4096, usage: GPUBufferUsage.STORAGE });
const B = gpu.createBuffer({ size: 4096, usage: GPUBufferUsage.STORAGE });
const U = gpu.createBuffer({ size: 256 * 256, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
const fixed = make(false), dyn = make(true);
const entries = (off) => [{ binding: 0, resource: { buffer: U, offset: off, size: 16 } }, { binding: 1, resource: { buffer: A, offset: 0, size: 4096 } }, { binding: 2, resource: { buffer: B, offset: 0, size: 4096 } }]; // ranges, as the engine binds them
const cached = gpu.createBindGroup({ layout: dyn.layout, entries: entries(0) });
const cases = {
  'createBindGroup alone': (p, i) => void gpu.createBindGroup({ layout: fixed.layout, entries: entries((i % 256) * 256) }),
  'create + setPipeline + setBindGroup + dispatch': (p, i) => {
    p.setPipeline(fixed.pipeline);
    p.setBindGroup(0, gpu.createBindGroup({ layout: fixed.layout, entries: entries((i % 256) * 256) }));
    p.dispatchWorkgroups(1);
  },
  'cached group, dynamic offset: set + dispatch': (p, i) => {
    p.setPipeline(dyn.pipeline);
    p.setBindGroup(0, cached, [(i % 256) * 256]);
    p.dispatchWorkgroups(1);
  },
  'setPipeline + dispatch only': (p) => {
    p.setPipeline(dyn.pipeline);
    p.dispatchWorkgroups(1);
  },
};
for (let round = 0; round < 2; round++) {
  for (const [name, body] of Object.entries(cases)) {
    const enc = gpu.createCommandEncoder();
    const pass = enc.beginComputePass();
    if (name.startsWith('setPipeline')) pass.setBindGroup(0, cached, [0]);
    const t0 = performance.now();
    for (let i = 0; i < N; i++) body(pass, i);
    const us = ((performance.now() - t0) / N) * 1000;
    pass.end();
    gpu.queue.submit([enc.finish()]);
    await gpu.queue.onSubmittedWorkDone();
    if (round === 1) console.log(`${name.padEnd(48)} ${us.toFixed(2)} us per dispatch`); // round 0: warm-up
  }
}
process.exit(0);
