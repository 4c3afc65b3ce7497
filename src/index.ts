// Public API: re-exports only.
export { info, formatInfo, type InfoResult, type InfoOptions } from './info.ts';
export { getDevice, Device, REQUESTED_LIMITS, type AdapterSummary, type DeviceLimits, type GetDeviceOptions } from './gpu/device.ts';
export { loadDsp, wasmSimdSupported, type DspModule, type LoadDspOptions, type WasmSource } from './dsp/wasm.ts';
export { detectRuntime, type RuntimeName } from './runtime.ts';
export { SsclError, WebGPUUnavailableError, WasmLoadError, SelfTestError, InvalidArgumentError } from './errors.ts';
export { VERSION } from './version.ts';
export * from './dsp/public.ts';
export * from './engine.ts';
export * from './data/public.ts';
export * from './models/public.ts';
export * from './worker/public.ts';
export * from './train/public.ts';
export { NonFiniteError } from './errors.ts';
