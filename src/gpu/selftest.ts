// A tiny compute kernel that proves the device really executes WGSL: y = a * x + y over a length that
// does not fill the last workgroup, read back and checked on the CPU.
import { SelfTestError } from '../errors.ts';
import type { Device } from './device.ts';

const SAXPY_WGSL = /* wgsl */ `
struct Params { n: u32, a: f32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;        // (n)
@group(0) @binding(1) var<storage, read_write> y: array<f32>;  // (n)
@group(0) @binding(2) var<uniform> params: Params;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i < params.n) { y[i] = params.a * x[i] + y[i]; }
}`;

/** Runs SAXPY on the device and returns the maximum absolute error against the CPU (0 when exact). */
export async function gpuSelfTest(device: Device, n = 1000): Promise<number> {
  const gpu = device.gpu;
  const a = 2.5;
  const x = new Float32Array(n).map((_, i) => i * 0.5 - 7);
  const y = new Float32Array(n).map((_, i) => 1 / (i + 1));
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;
  const xb = gpu.createBuffer({ size: x.byteLength, usage });
  const yb = gpu.createBuffer({ size: y.byteLength, usage });
  const pb = gpu.createBuffer({ size: 8, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  const rb = gpu.createBuffer({ size: y.byteLength, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  try {
    gpu.queue.writeBuffer(xb, 0, x);
    gpu.queue.writeBuffer(yb, 0, y);
    const params = new ArrayBuffer(8);
    new Uint32Array(params, 0, 1)[0] = n;
    new Float32Array(params, 4, 1)[0] = a;
    gpu.queue.writeBuffer(pb, 0, params);
    const pipeline = await gpu.createComputePipelineAsync({
      layout: 'auto',
      compute: { module: gpu.createShaderModule({ code: SAXPY_WGSL }), entryPoint: 'main' },
    });
    const bind = gpu.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [xb, yb, pb].map((buffer, binding) => ({ binding, resource: { buffer } })),
    });
    const enc = gpu.createCommandEncoder();
    const pass = enc.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bind);
    pass.dispatchWorkgroups(Math.ceil(n / 64));
    pass.end();
    enc.copyBufferToBuffer(yb, 0, rb, 0, y.byteLength);
    gpu.queue.submit([enc.finish()]);
    await rb.mapAsync(GPUMapMode.READ);
    const got = new Float32Array(rb.getMappedRange().slice(0));
    rb.unmap();
    let worst = 0;
    for (let i = 0; i < n; i++) {
      const want = Math.fround(Math.fround(a * x[i]) + y[i]);
      const err = Math.abs(got[i] - want);
      if (!(err <= worst)) worst = Number.isNaN(err) ? Infinity : err;
    }
    if (worst > 1e-5) throw new SelfTestError(`GPU self-test (saxpy, n=${n}) is off by ${worst}`);
    return worst;
  } finally {
    for (const b of [xb, yb, pb, rb]) b.destroy();
  }
}
