// The worker's method registry. A worker method is a plain function `(ctx, ...args) => result` in a file
// under src/worker/methods/; api.ts lists them. The caller's typed API (SsclWorkerApi) is derived from the
// list, so adding an engine or training call is: write the function, add it to the list. Arguments and
// results must survive structured cloning (typed arrays, plain objects, numbers, strings; no functions).
import type { LoadDspOptions } from '../dsp/wasm.ts';
import type { RuntimeName } from '../runtime.ts';

/** Sent once by spawnWorker, right after the worker starts. */
export interface WorkerConfig {
  /** detectRuntime() of the thread that spawned the worker. */
  hostRuntime: RuntimeName;
  /** The SDK version of the spawning side (must equal the worker's). */
  version: string;
  /** WASM for the worker's audio frontend, as loadDsp({ wasm, simd }). */
  wasm?: LoadDspOptions;
}

/** What every worker method gets first: the config and a per-worker cache for expensive state. */
export interface WorkerContext {
  readonly config: WorkerConfig;
  /** Creates a value once per worker (e.g. the AudioFrontend) and returns the same promise afterwards. */
  memo<T>(key: string, make: () => T | Promise<T>): Promise<T>;
}

// `any` only so that each method declares its own argument types; the derived API below is exact.
export type WorkerMethod = (ctx: WorkerContext, ...args: any[]) => unknown;

/** The caller's view of a method list: the same arguments without ctx, every result a Promise. */
export type RemoteMethods<M extends Record<string, WorkerMethod>> = {
  [K in keyof M]: M[K] extends (ctx: WorkerContext, ...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never;
};

/** Names a method may not have: they belong to the SsclWorker object or would confuse `await`. */
export const RESERVED_METHOD_NAMES: readonly string[] = ['terminate', 'then', 'constructor'];

export function createContext(config: WorkerConfig): WorkerContext {
  const cache = new Map<string, Promise<unknown>>();
  return {
    config,
    memo<T>(key: string, make: () => T | Promise<T>): Promise<T> {
      let p = cache.get(key) as Promise<T> | undefined;
      if (!p) {
        p = Promise.resolve().then(make);
        p.catch(() => cache.delete(key)); // a failed creation is retried by the next call
        cache.set(key, p);
      }
      return p;
    },
  };
}
