// Test-only worker bootstrap for Node: vitest runs the SDK from src/*.ts, and Node 20 cannot start a .ts
// worker. test/helpers/worker.ts passes this file as spawnWorker({ entry }) under Node: it registers a
// loader that transpiles .ts files with the TypeScript compiler (a devDependency), then loads the real
// src/worker/entry.ts, so the worker runs the same sources the test imports, never a stale build.
import { register } from 'node:module';

register('./node-ts-loader.mjs', import.meta.url);
await import('../../src/worker/entry.ts');
