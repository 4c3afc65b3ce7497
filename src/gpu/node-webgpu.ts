// Node has no `navigator.gpu`; the optional dependency `webgpu` (Dawn's Node binding) provides one.
// Loaded with a synchronous require built from `process.getBuiltinModule('module')`, so bundlers and
// browser-extension service workers never see an import of it. Needs Node >= 20.19 (require of ESM).
import { WebGPUUnavailableError } from '../errors.ts';
import { nodeBuiltin, nodeProcess } from '../runtime.ts';

interface DawnModule {
  create(flags: string[]): GPU;
  globals: Record<string, unknown>;
}

/** Where Debian/Ubuntu put software Vulkan ICDs, in order of preference (fastest first). */
export const SOFTWARE_VULKAN_ICDS = [
  { name: 'lavapipe', files: ['/usr/share/vulkan/icd.d/lvp_icd.x86_64.json', '/usr/share/vulkan/icd.d/lvp_icd.aarch64.json', '/usr/share/vulkan/icd.d/lvp_icd.json'] },
  { name: 'swiftshader', files: ['/usr/lib/chromium/vk_swiftshader_icd.json'] },
] as const;

export const NODE_INSTALL_HINT =
  "Install the optional dependency 'webgpu' (npm i webgpu) and a Vulkan driver: a GPU driver, or a software one — " +
  "on Debian 12: apt-get install -t bookworm-backports mesa-vulkan-drivers (lavapipe from Mesa >= 25; Mesa 22 is rejected by Dawn), " +
  'or apt-get install chromium (ships SwiftShader; select it with VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json).';

let dawn: DawnModule | undefined;

function loadDawn(): DawnModule {
  if (dawn) return dawn;
  const { createRequire } = nodeBuiltin<{ createRequire(url: string): (id: string) => unknown }>('module');
  try {
    dawn = createRequire(import.meta.url)('webgpu') as DawnModule;
  } catch (cause) {
    throw new WebGPUUnavailableError(`Node: could not load the 'webgpu' package. ${NODE_INSTALL_HINT}`, { cause });
  }
  // Dawn's GPU* classes (GPUBufferUsage, GPUShaderStage, ...) are not globals in Node: install them once.
  for (const [k, v] of Object.entries(dawn.globals)) {
    if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  }
  return dawn;
}

/**
 * Software ICDs present on this machine, fastest first. `SSCL_SOFTWARE_VULKAN_ICDS` (a ':'-separated list of
 * ICD manifest paths) replaces the built-in list, for drivers installed elsewhere.
 */
export function findSoftwareVulkanIcds(): { name: string; file: string }[] {
  const fs = nodeBuiltin<{ existsSync(p: string): boolean }>('fs');
  const out: { name: string; file: string }[] = [];
  const custom = nodeProcess()?.env?.SSCL_SOFTWARE_VULKAN_ICDS;
  const candidates = custom !== undefined
    ? custom.split(':').filter(Boolean).map((f) => ({ name: f, files: [f] }))
    : SOFTWARE_VULKAN_ICDS;
  for (const icd of candidates) {
    const file = icd.files.find((f) => fs.existsSync(f));
    if (file) out.push({ name: icd.name, file });
  }
  return out;
}

/**
 * Returns a Node `GPU` object and an adapter. Tries the system's Vulkan drivers first (a hardware GPU
 * or lavapipe, as the loader finds them); when no adapter comes back, points the Vulkan loader at each
 * software ICD in turn (`VK_ICD_FILENAMES`, the Vulkan loader reads it when Dawn creates its instance).
 */
export async function nodeAdapter(options: GPURequestAdapterOptions): Promise<{ gpu: GPU; adapter: GPUAdapter }> {
  const mod = loadDawn();
  const tried: string[] = [];
  let gpu = mod.create([]);
  let adapter = await gpu.requestAdapter(options);
  if (adapter) return { gpu, adapter };
  tried.push('system Vulkan drivers');
  const env = nodeProcess()?.env ?? {};
  const saved = env.VK_ICD_FILENAMES;
  for (const icd of findSoftwareVulkanIcds()) {
    env.VK_ICD_FILENAMES = icd.file;
    gpu = mod.create([]);
    adapter = await gpu.requestAdapter(options);
    if (adapter) return { gpu, adapter };
    tried.push(`${icd.name} (${icd.file})`);
  }
  if (saved === undefined) delete env.VK_ICD_FILENAMES;
  else env.VK_ICD_FILENAMES = saved;
  throw new WebGPUUnavailableError(`Node: no WebGPU adapter (tried ${tried.join(', ')}). ${NODE_INSTALL_HINT}`);
}
