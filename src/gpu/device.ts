// Device acquisition for every runtime: Node (Dawn through the optional `webgpu` package), Deno (built-in
// WebGPU), browsers and workers (`navigator.gpu`). A device the caller passes in is used as is and never
// destroyed by us.
import { WebGPUUnavailableError } from '../errors.ts';
import { detectRuntime, type RuntimeName } from '../runtime.ts';
import { NODE_INSTALL_HINT, nodeAdapter } from './node-webgpu.ts';

/** What we report about an adapter (the fields of GPUAdapterInfo we rely on, plus a software flag). */
export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** True for CPU implementations (lavapipe/llvmpipe, SwiftShader, WARP) and fallback adapters. */
  isSoftware: boolean;
}

/** The limits the engine sizes its kernels and buffer splits by; requested from the adapter explicitly. */
export const REQUESTED_LIMITS = [
  'maxBufferSize',
  'maxStorageBufferBindingSize',
  'maxStorageBuffersPerShaderStage',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ',
  'maxComputeWorkgroupsPerDimension',
  'maxUniformBufferBindingSize',
  'maxBindGroups',
  'minStorageBufferOffsetAlignment',
] as const;
export type DeviceLimits = Record<(typeof REQUESTED_LIMITS)[number], number>;

/** Optional features we enable when the adapter has them. */
const OPTIONAL_FEATURES: GPUFeatureName[] = ['timestamp-query', 'shader-f16'];

/** An SDK device: the GPUDevice plus what we learned when acquiring it. */
export class Device {
  /** @param owned true when the SDK created `gpu` (and may destroy it); false for a caller's device. */
  constructor(
    readonly gpu: GPUDevice,
    readonly adapter: AdapterSummary | null,
    readonly limits: DeviceLimits,
    readonly runtime: RuntimeName,
    readonly owned: boolean,
    /** Keeps the runtime's GPU instance alive: Dawn (Node) tears its device down if the instance is collected. */
    private readonly instance: unknown = null,
  ) {}

  /** Destroys the GPUDevice if the SDK created it; a caller-owned device is left alone. */
  destroy(): void {
    if (this.owned) this.gpu.destroy();
    if (cached && cached.value === this) cached = undefined;
  }
}

export interface GetDeviceOptions {
  /** Use this device instead of requesting one. The SDK never destroys it. */
  device?: GPUDevice;
  powerPreference?: GPUPowerPreference;
  /** Ask for a fallback (software) adapter. */
  forceFallbackAdapter?: boolean;
  /** Extra limits to require; by default every limit in REQUESTED_LIMITS is required at the adapter's value. */
  requiredLimits?: Partial<DeviceLimits>;
  /** Return a new device instead of the shared default one. */
  fresh?: boolean;
}

let cached: { value: Device } | undefined;
let pending: Promise<Device> | undefined;

/**
 * Returns a WebGPU device in Node, Deno, browsers and workers.
 *
 * @example
 * ```ts
 * const device = await getDevice();
 * console.log(device.adapter?.description, device.limits.maxStorageBufferBindingSize);
 * ```
 * @throws WebGPUUnavailableError saying what to install when no adapter or device can be had.
 */
export async function getDevice(options: GetDeviceOptions = {}): Promise<Device> {
  if (options.device) return wrapDevice(options.device, null, false);
  const shared = !options.fresh && !options.powerPreference && !options.forceFallbackAdapter && !options.requiredLimits;
  if (shared && cached) return cached.value;
  if (shared && pending) return pending;
  const p = acquire(options);
  if (!shared) return p;
  pending = p;
  try {
    const dev = await p;
    cached = { value: dev };
    dev.gpu.lost.then(() => {
      if (cached?.value === dev) cached = undefined;
    });
    return dev;
  } finally {
    pending = undefined;
  }
}

async function acquire(options: GetDeviceOptions): Promise<Device> {
  const runtime = detectRuntime();
  const adapterOptions: GPURequestAdapterOptions = {};
  if (options.powerPreference) adapterOptions.powerPreference = options.powerPreference;
  if (options.forceFallbackAdapter) adapterOptions.forceFallbackAdapter = true;

  let adapter: GPUAdapter | null;
  let instance: GPU | null = null;
  if (runtime === 'node') {
    ({ gpu: instance, adapter } = await nodeAdapter(adapterOptions));
  } else {
    const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
    if (!gpu) throw new WebGPUUnavailableError(noGpuMessage(runtime));
    adapter = await gpu.requestAdapter(adapterOptions);
    if (!adapter) throw new WebGPUUnavailableError(`${runtime}: navigator.gpu returned no adapter. ${noGpuMessage(runtime)}`);
  }

  const requiredLimits: Record<string, number> = {};
  for (const name of REQUESTED_LIMITS) {
    const have = (adapter.limits as unknown as Record<string, number>)[name];
    const want = options.requiredLimits?.[name];
    if (want !== undefined && (have === undefined || want > have)) {
      throw new WebGPUUnavailableError(`adapter limit ${name} is ${have}, but ${want} was required`);
    }
    if (have !== undefined) requiredLimits[name] = want ?? have;
  }
  const requiredFeatures = OPTIONAL_FEATURES.filter((f) => adapter.features.has(f));
  let gpuDevice: GPUDevice;
  try {
    gpuDevice = await adapter.requestDevice({ requiredLimits, requiredFeatures, label: 'sscl-sdk' });
  } catch (cause) {
    throw new WebGPUUnavailableError(`${runtime}: requestDevice failed: ${String(cause)}`, { cause });
  }
  return wrapDevice(gpuDevice, await summarizeAdapter(adapter), true, runtime, instance);
}

function wrapDevice(gpu: GPUDevice, adapter: AdapterSummary | null, owned: boolean, runtime = detectRuntime(), instance: unknown = null): Device {
  const limits = {} as DeviceLimits;
  for (const name of REQUESTED_LIMITS) {
    limits[name] = (gpu.limits as unknown as Record<string, number>)[name] ?? 0;
  }
  const adapterInfo = adapter ?? summarizeInfo((gpu as { adapterInfo?: GPUAdapterInfo }).adapterInfo);
  return new Device(gpu, adapterInfo, limits, runtime, owned, instance);
}

const SOFTWARE_PATTERN = /swiftshader|llvmpipe|lavapipe|software|microsoft basic render|warp|cpu/i;

async function summarizeAdapter(adapter: GPUAdapter): Promise<AdapterSummary> {
  let info = (adapter as { info?: GPUAdapterInfo }).info;
  const legacy = adapter as unknown as { requestAdapterInfo?: () => Promise<GPUAdapterInfo> };
  if (!info && legacy.requestAdapterInfo) info = await legacy.requestAdapterInfo();
  const s = summarizeInfo(info) ?? { vendor: '', architecture: '', device: '', description: '', isSoftware: false };
  if ((adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter) s.isSoftware = true;
  return s;
}

export function summarizeInfo(info: GPUAdapterInfo | undefined): AdapterSummary | null {
  if (!info) return null;
  // GPUAdapterInfo's fields are prototype getters: copy them explicitly.
  const vendor = String(info.vendor ?? '');
  const architecture = String(info.architecture ?? '');
  const device = String(info.device ?? '');
  const description = String(info.description ?? '');
  const fallback = (info as { isFallbackAdapter?: boolean }).isFallbackAdapter === true;
  const isSoftware = fallback || SOFTWARE_PATTERN.test(`${vendor} ${architecture} ${device} ${description}`);
  return { vendor, architecture, device, description, isSoftware };
}

function noGpuMessage(runtime: RuntimeName): string {
  switch (runtime) {
    case 'deno':
      return 'Deno: navigator.gpu is missing or found no adapter. Use Deno >= 2 and a Vulkan driver (a GPU driver, or mesa-vulkan-drivers >= 25 for lavapipe); headless Linux may need XDG_RUNTIME_DIR set.';
    case 'node':
      return NODE_INSTALL_HINT;
    default:
      return 'Browser: navigator.gpu is missing. Use a WebGPU-capable browser (Chrome/Edge >= 113, or Chromium with --enable-unsafe-webgpu; headless: --use-webgpu-adapter=swiftshader) over https or localhost.';
  }
}
