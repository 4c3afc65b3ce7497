// spawnWorker options for the test runners. Deno and Chromium start the packaged entry (Deno runs entry.ts
// from the sources, Chromium the tsc output served at the source paths). Under vitest the SDK runs from
// src/*.ts in Node 20, which cannot start a .ts worker: use the bootstrap that transpiles the sources in
// the worker thread (test/harness/node-ts-worker.mjs), so the worker runs exactly the code under test.
import type { SpawnWorkerOptions } from '../../src/index.ts';
import { runnerRuntime } from './runtime.ts';

export function testWorkerOptions(): SpawnWorkerOptions {
  return runnerRuntime() === 'node' ? { entry: new URL('../harness/node-ts-worker.mjs', import.meta.url) } : {};
}

/** The error a promise rejects with (fails when it resolves). */
export async function rejection(p: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await p;
  } catch (e) {
    return e as Error & { code?: string };
  }
  throw new Error('expected the promise to reject, it resolved');
}

export { thrown } from './errors.ts';

/** Index of the first element whose bits differ (NaN payloads and -0 included), or -1. */
export function firstBitDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) return i;
  return -1;
}
