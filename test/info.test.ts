import { describe, expect, it } from 'vitest';
import { info, formatInfo, VERSION } from '../src/index.ts';
import { readRepoJson } from './helpers/files.ts';
import { runnerRuntime } from './helpers/runtime.ts';

describe('info()', () => {
  it('reports this runtime, an adapter, the WASM build, and passes both self-tests', async () => {
    const r = await info();
    // Printed on purpose: CI logs show which adapter each runtime found.
    console.log(`[${runnerRuntime()}] ${formatInfo(r).split('\n').join(' | ')}`);
    expect(r.runtime).toBe(runnerRuntime());
    expect(r.gpuError).toBeUndefined();
    expect(r.adapter).not.toBeNull();
    expect(typeof r.adapter!.isSoftware).toBe('boolean');
    expect(r.limits.maxStorageBufferBindingSize).toBeGreaterThanOrEqual(128 * 1024 * 1024);
    expect(r.gpuSelfTest).toBe('ok');
    expect(r.wasmSelfTest).toBe('ok');
    expect(r.selfTest).toBe('ok');
    expect(r.wasm.simd).toBe(r.wasm.runtimeSupportsSimd);
    expect(r.wasm.variant).toBe(r.wasm.simd ? 'simd' : 'scalar');
  });

  it('knows the package version', async () => {
    const pkg = await readRepoJson<{ version: string }>('package.json');
    expect(VERSION).toBe(pkg.version);
  });

  it('reports a missing GPU instead of throwing, and the self-test then fails', async () => {
    const r = await info({ gpu: { requiredLimits: { maxComputeWorkgroupsPerDimension: 2 ** 31 } } });
    expect(r.adapter).toBeNull();
    expect(r.gpuError).toMatch(/maxComputeWorkgroupsPerDimension/);
    expect(r.selfTest).toBe('failed');
    expect(r.wasmSelfTest).toBe('ok');
  });
});
