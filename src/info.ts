import { getDevice, type AdapterSummary, type DeviceLimits, type GetDeviceOptions } from './gpu/device.ts';
import { gpuSelfTest } from './gpu/selftest.ts';
import { loadDsp, wasmSelfTest, wasmSimdSupported, type LoadDspOptions } from './dsp/wasm.ts';
import { detectRuntime, type RuntimeName } from './runtime.ts';
import { VERSION } from './version.ts';

export interface InfoResult {
  version: string;
  runtime: RuntimeName;
  /** null when no WebGPU adapter could be had (see `gpuError`). */
  adapter: AdapterSummary | null;
  /** The device's limits as granted (empty when no device). */
  limits: Partial<DeviceLimits>;
  features: string[];
  wasm: { simd: boolean; runtimeSupportsSimd: boolean; variant: 'simd' | 'scalar' | null };
  /** 'ok' when both the WGSL kernel and the WASM module ran and computed the right numbers. */
  selfTest: 'ok' | 'failed';
  gpuSelfTest: 'ok' | string;
  wasmSelfTest: 'ok' | string;
  gpuError?: string;
}

export interface InfoOptions {
  gpu?: GetDeviceOptions;
  wasm?: LoadDspOptions;
}

/**
 * Reports the runtime, the WebGPU adapter and the WASM build, after actually running a WGSL kernel and the
 * WASM module to prove both compute correctly. Never throws for a missing GPU: that shows as
 * `adapter: null` with `gpuError` saying what to install.
 *
 * @example
 * ```ts
 * const i = await info();
 * // { runtime: 'node', adapter: { vendor: 'mesa', architecture: '', description: 'llvmpipe (LLVM 19.1.7, 256 bits)', isSoftware: true, ... },
 * //   wasm: { simd: true, ... }, selfTest: 'ok', ... }
 * ```
 */
export async function info(options: InfoOptions = {}): Promise<InfoResult> {
  const out: InfoResult = {
    version: VERSION,
    runtime: detectRuntime(),
    adapter: null,
    limits: {},
    features: [],
    wasm: { simd: false, runtimeSupportsSimd: wasmSimdSupported(), variant: null },
    selfTest: 'failed',
    gpuSelfTest: 'not run',
    wasmSelfTest: 'not run',
  };
  try {
    const device = await getDevice(options.gpu);
    out.adapter = device.adapter;
    out.limits = { ...device.limits };
    out.features = [...device.gpu.features].map(String).sort();
    const err = await gpuSelfTest(device);
    out.gpuSelfTest = err <= 1e-5 ? 'ok' : `off by ${err}`;
  } catch (e) {
    out.gpuError = e instanceof Error ? e.message : String(e);
    out.gpuSelfTest = `failed: ${out.gpuError}`;
  }
  try {
    const dsp = await loadDsp(options.wasm);
    out.wasm.simd = dsp.simd;
    out.wasm.variant = dsp.variant;
    const err = wasmSelfTest(dsp);
    out.wasmSelfTest = err <= 1e-4 ? 'ok' : `off by ${err}`;
  } catch (e) {
    out.wasmSelfTest = `failed: ${e instanceof Error ? e.message : String(e)}`;
  }
  out.selfTest = out.gpuSelfTest === 'ok' && out.wasmSelfTest === 'ok' ? 'ok' : 'failed';
  return out;
}

/** Formats an InfoResult for people (what `npx sscl info` prints). */
export function formatInfo(i: InfoResult): string {
  const lines = [`sscl-sdk ${i.version} on ${i.runtime}`];
  if (i.adapter) {
    const a = i.adapter;
    lines.push(`  WebGPU adapter: ${a.description || a.device || '(no description)'} [vendor ${a.vendor || '?'}, architecture ${a.architecture || '?'}]${a.isSoftware ? ' (software)' : ''}`);
    const l = i.limits;
    lines.push(`  limits: maxStorageBufferBindingSize ${l.maxStorageBufferBindingSize}, maxBufferSize ${l.maxBufferSize}, maxComputeWorkgroupsPerDimension ${l.maxComputeWorkgroupsPerDimension}, maxComputeInvocationsPerWorkgroup ${l.maxComputeInvocationsPerWorkgroup}, maxComputeWorkgroupStorageSize ${l.maxComputeWorkgroupStorageSize}`);
    lines.push(`  features: ${i.features.join(', ') || '(none)'}`);
  } else {
    lines.push(`  WebGPU adapter: none — ${i.gpuError ?? 'unknown reason'}`);
  }
  lines.push(`  WASM: ${i.wasm.variant ?? 'not loaded'} build (runtime SIMD support: ${i.wasm.runtimeSupportsSimd ? 'yes' : 'no'})`);
  lines.push(`  self-test: GPU ${i.gpuSelfTest}; WASM ${i.wasmSelfTest} => ${i.selfTest}`);
  return lines.join('\n');
}
