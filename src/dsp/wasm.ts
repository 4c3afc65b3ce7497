// Loads the AssemblyScript DSP module (assembly/ -> build/wasm/). Two builds ship: SIMD and scalar; the
// SIMD one is used when `WebAssembly.validate` accepts a SIMD probe. The `.wasm` is located with
// `new URL(<literal>, import.meta.url)` (bundlers recognise the pattern and copy the asset), or the caller
// injects the bytes / a compiled module (browser extensions, bundlers without asset support).
import { WasmLoadError } from '../errors.ts';
import { detectRuntime, nodeBuiltin } from '../runtime.ts';

/** The raw exports of the DSP module (pointers are byte offsets into `memory`). */
export interface DspExports {
  memory: WebAssembly.Memory;
  alloc(bytes: number): number;
  free(ptr: number): void;
  simdEnabled(): number;
  dotF32(a: number, b: number, n: number): number;
  [name: string]: unknown;
}

export type WasmSource = BufferSource | WebAssembly.Module | URL | string;

export interface LoadDspOptions {
  /** Bytes, a compiled module, or a URL of the `.wasm` to use instead of the packaged one. */
  wasm?: WasmSource;
  /** Force the SIMD (true) or scalar (false) build; default: SIMD when the runtime supports it. */
  simd?: boolean;
}

export interface DspModule {
  exports: DspExports;
  /** Which build is running. */
  variant: 'simd' | 'scalar';
  simd: boolean;
}

// (module (type (func (result v128))) (func (type 0) i32.const 0 i8x16.splat)) — valid only with SIMD.
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, 0x03, 0x02, 0x01, 0x00,
  0x0a, 0x08, 0x01, 0x06, 0x00, 0x41, 0x00, 0xfd, 0x0f, 0x0b,
]);

/** True when this runtime's WebAssembly accepts the SIMD proposal (v128). */
export function wasmSimdSupported(): boolean {
  try {
    return WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

function packagedUrl(simd: boolean): URL {
  // Literal URLs on purpose: bundlers only rewrite `new URL('<literal>', import.meta.url)`.
  return simd
    ? new URL('../../build/wasm/sscl-dsp.simd.wasm', import.meta.url)
    : new URL('../../build/wasm/sscl-dsp.scalar.wasm', import.meta.url);
}

async function readBytes(url: URL): Promise<BufferSource> {
  if (url.protocol === 'file:' && detectRuntime() === 'node') {
    const fs = nodeBuiltin<{ readFileSync(p: URL): Uint8Array<ArrayBuffer> }>('fs');
    return fs.readFileSync(url);
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`HTTP ${res.status} for ${url.href}`);
  return res.arrayBuffer();
}

const cache = new Map<string, Promise<DspModule>>();

/**
 * Instantiates the DSP module (once per variant; injected sources are not cached).
 * @throws WasmLoadError naming the file and what to do.
 */
export function loadDsp(options: LoadDspOptions = {}): Promise<DspModule> {
  const simd = options.simd ?? wasmSimdSupported();
  if (options.wasm !== undefined) return instantiate(options.wasm, simd);
  const key = simd ? 'simd' : 'scalar';
  let p = cache.get(key);
  if (!p) {
    p = instantiate(packagedUrl(simd), simd);
    p.catch(() => cache.delete(key));
    cache.set(key, p);
  }
  return p;
}

async function instantiate(source: WasmSource, simd: boolean): Promise<DspModule> {
  if (simd && !wasmSimdSupported()) {
    throw new WasmLoadError('the SIMD build was requested but this runtime does not support WebAssembly SIMD; pass { simd: false }');
  }
  let module: WebAssembly.Module;
  const where = typeof source === 'string' || source instanceof URL ? String(source) : 'injected bytes';
  try {
    if (source instanceof WebAssembly.Module) module = source;
    else if (typeof source === 'string' || source instanceof URL) module = await WebAssembly.compile(await readBytes(new URL(source)));
    else module = await WebAssembly.compile(source);
  } catch (cause) {
    const csp = /Content Security Policy|wasm-eval|unsafe-eval/i.test(String(cause));
    throw new WasmLoadError(
      `could not load the DSP WebAssembly from ${where}: ${String(cause)}. ` +
        (csp
          ? "The page's Content Security Policy forbids WebAssembly: add 'wasm-unsafe-eval' to script-src (in an MV3 extension: content_security_policy.extension_pages)."
          : 'In a bundler or browser extension, pass the bytes of build/wasm/sscl-dsp.{simd,scalar}.wasm as { wasm }.'),
      { cause },
    );
  }
  let instance: WebAssembly.Instance;
  try {
    instance = await WebAssembly.instantiate(module, {});
  } catch (cause) {
    throw new WasmLoadError(`could not instantiate the DSP WebAssembly from ${where}: ${String(cause)}`, { cause });
  }
  const exports = instance.exports as unknown as DspExports;
  for (const name of ['memory', 'alloc', 'free', 'simdEnabled', 'dotF32']) {
    if (!(name in exports)) throw new WasmLoadError(`${where} is not the sscl-sdk DSP module (no export '${name}')`);
  }
  const isSimd = exports.simdEnabled() === 1;
  return { exports, variant: isSimd ? 'simd' : 'scalar', simd: isSimd };
}

/** Computes a dot product inside the module and checks it against JS: proves the module loads and computes. */
export function wasmSelfTest(dsp: DspModule, n = 37): number {
  const e = dsp.exports;
  const bytes = n * 4;
  const pa = e.alloc(bytes);
  const pb = e.alloc(bytes);
  try {
    const a = new Float32Array(e.memory.buffer, pa, n);
    const b = new Float32Array(e.memory.buffer, pb, n);
    let want = 0;
    for (let i = 0; i < n; i++) {
      a[i] = (i % 7) - 3;
      b[i] = 0.25 * i;
      want += a[i] * b[i];
    }
    const got = e.dotF32(pa, pb, n);
    return Math.abs(got - want);
  } finally {
    e.free(pb);
    e.free(pa);
  }
}
