// Node-only: spawns the built `sscl` binary and resolves the package through its own exports map, both of
// which only exist for Node (Deno and browsers import dist/ directly; see examples/).
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = (...args: string[]) => spawnSync(process.execPath, ['dist/cli/sscl.js', ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });

describe('sscl CLI (built dist/)', () => {
  it('sscl info --json prints the info() object with passing self-tests', () => {
    const r = cli('info', '--json');
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.runtime).toBe('node');
    expect(j.selfTest).toBe('ok');
    expect(j.adapter).not.toBeNull();
    expect(j.wasm.simd).toBe(true);
  });

  it('sscl info prints a human-readable report', () => {
    const r = cli('info');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/WebGPU adapter: /);
    expect(r.stdout).toMatch(/self-test: GPU ok; WASM ok => ok/);
  });

  it('unknown commands and options fail with usage and exit code 2', () => {
    expect(cli('frobnicate').status).toBe(2);
    const r = cli('info', '--yaml');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown option --yaml/);
  });

  it("the package's exports map resolves for Node and exposes the API", async () => {
    const mod = await import('sscl-sdk');
    expect(typeof mod.info).toBe('function');
    expect(typeof mod.getDevice).toBe('function');
    expect(typeof (mod as Record<string, unknown>).findSoftwareVulkanIcds).toBe('function');
  });
});
