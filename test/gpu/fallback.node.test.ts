// Node-only: the software-Vulkan fallback is Node's own path (Dawn through the `webgpu` package); Deno and
// browsers get their adapter from navigator.gpu. Each case runs in a child process because the Vulkan loader
// reads its environment when Dawn creates an instance. Uses the built dist/ (run `npm run build` first).
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const script = `
import { getDevice } from './dist/index.node.js';
try {
  const d = await getDevice();
  console.log(JSON.stringify({ ok: true, adapter: d.adapter, icd: process.env.VK_ICD_FILENAMES ?? null }));
} catch (e) {
  console.log(JSON.stringify({ ok: false, name: e.name, code: e.code, message: e.message }));
}`;

function run(env: Record<string, string>) {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  const line = r.stdout.trim().split('\n').reverse().find((l) => l.startsWith('{'));
  if (!line) throw new Error(`no result (exit ${r.status}): ${r.stderr}`);
  return JSON.parse(line);
}

describe('Node: software Vulkan fallback', () => {
  it('when the system drivers give no adapter, points the loader at a software ICD and gets one', () => {
    const r = run({ VK_ICD_FILENAMES: '/nonexistent/icd.json' });
    expect(r.ok).toBe(true);
    expect(r.adapter.isSoftware).toBe(true);
    expect(r.icd).toMatch(/lvp_icd|swiftshader/);
  });

  it("uses Chromium's SwiftShader when that is the only software driver", () => {
    const r = run({ VK_ICD_FILENAMES: '/nonexistent/icd.json', SSCL_SOFTWARE_VULKAN_ICDS: '/usr/lib/chromium/vk_swiftshader_icd.json' });
    expect(r.ok).toBe(true);
    expect(r.adapter.isSoftware).toBe(true);
    expect(r.icd).toBe('/usr/lib/chromium/vk_swiftshader_icd.json');
  });

  it('with no driver at all, throws WebGPUUnavailableError saying what to install', () => {
    const r = run({ VK_ICD_FILENAMES: '/nonexistent/icd.json', SSCL_SOFTWARE_VULKAN_ICDS: '/nonexistent/other.json' });
    expect(r.ok).toBe(false);
    expect(r.name).toBe('WebGPUUnavailableError');
    expect(r.code).toBe('WEBGPU_UNAVAILABLE');
    expect(r.message).toMatch(/mesa-vulkan-drivers/);
    expect(r.message).toMatch(/apt-get install chromium/);
  });
});
