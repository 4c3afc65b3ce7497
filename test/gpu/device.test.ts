import { describe, expect, it } from 'vitest';
import { getDevice, Device, REQUESTED_LIMITS, WebGPUUnavailableError } from '../../src/index.ts';
import { gpuSelfTest } from '../../src/gpu/selftest.ts';

describe('getDevice', () => {
  it('returns one shared device with every requested limit granted at the adapter value', async () => {
    const a = await getDevice();
    const b = await getDevice();
    expect(a).toBe(b);
    expect(a).toBeInstanceOf(Device);
    expect(a.owned).toBe(true);
    for (const name of REQUESTED_LIMITS) {
      expect(a.limits[name]).toBe((a.gpu.limits as unknown as Record<string, number>)[name]);
    }
    // Above WebGPU's defaults on every adapter we target, so we know limits were requested, not defaulted.
    expect(a.limits.maxStorageBufferBindingSize).toBeGreaterThan(128 * 1024 * 1024 - 1);
    expect(a.limits.maxComputeWorkgroupStorageSize).toBeGreaterThanOrEqual(16384);
  });

  it('runs a WGSL kernel and gets the right numbers, for sizes that do and do not fill a workgroup', async () => {
    const dev = await getDevice();
    for (const n of [1, 63, 64, 65, 257, 4099]) {
      expect(await gpuSelfTest(dev, n)).toBeLessThanOrEqual(1e-5);
    }
  });

  it('uses a caller-owned device and never destroys it', async () => {
    const shared = await getDevice();
    const mine = await getDevice({ device: shared.gpu });
    expect(mine.gpu).toBe(shared.gpu);
    expect(mine.owned).toBe(false);
    mine.destroy(); // must be a no-op for a device we do not own
    expect(await gpuSelfTest(shared, 100)).toBeLessThanOrEqual(1e-5);
  });

  it('a fresh device is separate, and destroying it leaves the shared one working', async () => {
    const shared = await getDevice();
    const fresh = await getDevice({ fresh: true });
    expect(fresh).not.toBe(shared);
    expect(await gpuSelfTest(fresh, 33)).toBeLessThanOrEqual(1e-5);
    fresh.destroy();
    expect(await gpuSelfTest(shared, 33)).toBeLessThanOrEqual(1e-5);
  });

  it('an impossible limit is a typed error that names the limit', async () => {
    const p = getDevice({ requiredLimits: { maxStorageBufferBindingSize: 2 ** 52 } });
    await expect(p).rejects.toThrow(WebGPUUnavailableError);
    await expect(getDevice({ requiredLimits: { maxStorageBufferBindingSize: 2 ** 52 } })).rejects.toThrow(/maxStorageBufferBindingSize/);
  });
});
