import { describe, expect, it } from 'vitest';
import { loadDsp, wasmSimdSupported, WasmLoadError } from '../../src/index.ts';
import { wasmSelfTest } from '../../src/dsp/wasm.ts';
import { readRepoFile } from '../helpers/files.ts';

describe('DSP WebAssembly module', () => {
  it('every runtime we support has WebAssembly SIMD, and the SIMD build is chosen', async () => {
    expect(wasmSimdSupported()).toBe(true);
    const dsp = await loadDsp();
    expect(dsp.variant).toBe('simd');
    expect(dsp.exports.simdEnabled()).toBe(1);
  });

  it('both builds load and compute the same dot product as JS', async () => {
    for (const simd of [true, false]) {
      const dsp = await loadDsp({ simd });
      expect(dsp.simd).toBe(simd);
      for (const n of [0, 1, 3, 4, 5, 37, 1000]) expect(wasmSelfTest(dsp, n)).toBeLessThanOrEqual(1e-3);
    }
  });

  it('accepts injected bytes and compiled modules (bundlers, browser extensions)', async () => {
    const bytes = await readRepoFile('build/wasm/sscl-dsp.scalar.wasm');
    const fromBytes = await loadDsp({ wasm: bytes });
    expect(fromBytes.variant).toBe('scalar');
    expect(wasmSelfTest(fromBytes)).toBeLessThanOrEqual(1e-4);
    const mod = await WebAssembly.compile(await readRepoFile('build/wasm/sscl-dsp.simd.wasm'));
    const fromModule = await loadDsp({ wasm: mod });
    expect(fromModule.variant).toBe('simd');
  });

  it('rejects garbage and foreign modules with a typed error', async () => {
    await expect(loadDsp({ wasm: new Uint8Array([1, 2, 3, 4]) })).rejects.toThrow(WasmLoadError);
    // A valid module that is not ours: (module) — 8 header bytes only.
    const empty = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
    await expect(loadDsp({ wasm: empty })).rejects.toThrow(/not the sscl-sdk DSP module/);
  });
});
