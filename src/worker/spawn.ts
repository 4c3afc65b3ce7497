// spawnWorker(): starts entry.js in a worker thread of this runtime and returns its typed API.
//  - browsers, Deno, nested web workers: `new Worker(new URL('./entry.js', import.meta.url), { type: 'module' })`,
//    written literally so that bundlers (webpack 5, Vite, esbuild, Parcel) see it and bundle the worker;
//  - Node: worker_threads, reached through process.getBuiltinModule (runtime.ts), never import().
// Every call is raced against the worker's death, so nothing waits forever on a worker that failed to load,
// threw outside a call, exited or was terminated: those reject with WorkerError.
import type { LoadDspOptions } from '../dsp/wasm.ts';
import { InvalidArgumentError, WorkerError, WorkerUnavailableError } from '../errors.ts';
import { detectRuntime, nodeBuiltin, nodeProcess } from '../runtime.ts';
import { VERSION } from '../version.ts';
import type { SsclWorkerApi, WorkerHello, WorkerService } from './api.ts';
import { comlinkTransfer, wrapEndpoint } from './comlink.ts';
import { nodePortEndpoint, type Endpoint } from './endpoint.ts';
import { deserializeError, takeMoves, type Envelope } from './wire.ts';

export interface SpawnWorkerOptions {
  /**
   * The worker script, when not the packaged `worker/entry.js` next to this module: e.g. where your bundler
   * put it, or (Node) a bootstrap that can run the TypeScript sources. A string is a URL in browsers and
   * Deno, a path or file: URL in Node.
   */
  entry?: URL | string;
  /** The WASM for the worker's audio frontend, as for loadDsp(): inject bytes or a compiled module. */
  wasm?: LoadDspOptions;
}

/** A running worker: the SsclWorkerApi calls plus terminate(). */
export type SsclWorker = SsclWorkerApi & {
  /**
   * Stops the worker thread. Calls still waiting, and later calls, reject with WorkerError
   * (code 'WORKER_TERMINATED'). Calling it again does nothing.
   */
  terminate(): Promise<void>;
};

interface Thread {
  endpoint: Endpoint;
  /** Node: the worker keeps the process alive only while a call waits. */
  hold(busy: boolean): void;
  stop(): Promise<void>;
}

type Fail = (e: WorkerError) => void;

// The SDK is running from its TypeScript sources (vitest, Deno on src/): the worker is entry.ts.
const FROM_SOURCE = import.meta.url.endsWith('.ts');

/**
 * Starts an SDK worker and waits until it answers. The returned object has one async method per worker
 * call: `info()`, `melSpectrogram(x, options)`, `spectrogram`, `melSpectrogramBatch(clips, clipLength,
 * options)`, `resample(x, fromRate, toRate)`, `decodeWav(bytes)`, and `terminate()`. Arguments are copied
 * (structured clone) unless marked with workerTransfer(); results are moved, not copied. An error thrown in
 * the worker arrives as the same class with the same `name`, `code` and `message`.
 *
 * In Node the worker does not keep the process alive while no call is waiting; in browsers and Deno call
 * terminate() when done. A browser-extension service worker cannot start workers: see WorkerUnavailableError.
 *
 * @example
 * ```ts
 * import { spawnWorker, SSCL_AUDIO } from 'sscl-sdk';
 * const w = await spawnWorker();
 * const x = new Float32Array(48000).map((_, i) => Math.sin(i / 10));
 * const m = await w.melSpectrogram(x, SSCL_AUDIO);
 * console.log(m.bands, m.frames, (await w.info()).thread.kind); // 128 128 'worker_threads' (Node)
 * await w.terminate();
 * ```
 * @throws WorkerUnavailableError where no worker can be constructed (extension service workers);
 *   WorkerError (code 'WORKER_START') when the worker script cannot be loaded.
 */
export async function spawnWorker(options: SpawnWorkerOptions = {}): Promise<SsclWorker> {
  let dead: WorkerError | null = null;
  let reject!: (e: WorkerError) => void;
  const died = new Promise<never>((_, rej) => (reject = rej));
  died.catch(() => {}); // observed through the races below
  const fail: Fail = (e) => {
    if (dead) return;
    dead = e;
    reject(e);
  };
  const thread = nodeProcess() ? nodeThread(options, fail) : webThread(options, fail);
  const remote = wrapEndpoint<WorkerService>(thread.endpoint);
  let busy = 0;

  async function send<T>(what: string, request: () => Promise<Envelope<T>>): Promise<T> {
    if (dead) throw dead;
    if (busy++ === 0) thread.hold(true);
    try {
      let env: Envelope<T>;
      try {
        env = await Promise.race([request(), died]);
      } catch (e) {
        if ((e as { name?: unknown })?.name === 'DataCloneError') {
          throw new InvalidArgumentError(`${what}: an argument cannot be sent to a worker (${(e as Error).message}); pass typed arrays, plain objects, numbers and strings`);
        }
        throw e;
      }
      if (!env.ok) throw deserializeError(env.error);
      return env.value;
    } finally {
      if (--busy === 0) thread.hold(false);
    }
  }

  let hello: WorkerHello;
  try {
    // a URL object cannot be structured-cloned; its string form loads the same file
    const wasm = options.wasm?.wasm instanceof URL ? { ...options.wasm, wasm: options.wasm.wasm.href } : options.wasm;
    hello = await send('spawnWorker', () => remote.init({ hostRuntime: detectRuntime(), version: VERSION, wasm }));
  } catch (e) {
    await thread.stop().catch(() => {});
    if (e instanceof WorkerError && e.code !== 'WORKER_START') throw new WorkerError(`could not start the sscl-sdk worker: ${e.message}`, 'WORKER_START', { cause: e });
    throw e;
  }

  let stopping: Promise<void> | null = null;
  const w: Record<string, unknown> = {
    terminate(): Promise<void> {
      fail(new WorkerError('this worker was terminated; start another with spawnWorker()', 'WORKER_TERMINATED'));
      return (stopping ??= thread.stop());
    },
  };
  for (const name of hello.methods) {
    w[name] = (...args: unknown[]) => send(name, () => remote.call(name, comlinkTransfer(args, takeMoves(args))));
  }
  return Object.freeze(w) as SsclWorker;
}

// ---- Node: worker_threads ----

interface NodeWorker {
  on(event: string, listener: (arg: never) => void): unknown;
  off(event: string, listener: (arg: never) => void): unknown;
  postMessage(message: unknown, transfer?: readonly unknown[]): void;
  ref(): void;
  unref(): void;
  terminate(): Promise<number>;
}
type NodeWorkerCtor = new (file: URL | string, options?: { execArgv?: string[] }) => NodeWorker;

/**
 * The parent's Node flags minus those about the parent's own entry point: a worker inherits execArgv, and
 * with `node --input-type=module -e …` it would refuse to load entry.js (ERR_INPUT_TYPE_NOT_ALLOWED).
 */
export function workerExecArgv(execArgv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const a = execArgv[i];
    if (a === '--input-type' || a === '-e' || a === '--eval' || a === '-p' || a === '--print') i++; // and its value
    else if (!/^--(input-type|eval|print)=/.test(a)) out.push(a);
  }
  return out;
}

function nodeThread(options: SpawnWorkerOptions, fail: Fail): Thread {
  let entry: URL | string;
  if (options.entry !== undefined) {
    entry = typeof options.entry === 'string' && /^[a-z][a-z0-9+.-]+:/i.test(options.entry) ? new URL(options.entry) : options.entry;
  } else if (FROM_SOURCE) {
    throw new WorkerError(
      `sscl-sdk is running from its TypeScript sources (${import.meta.url}) and Node cannot start a .ts worker: ` +
        'import the built package (npm run build, then dist/), or pass { entry } pointing at a compiled worker/entry.js or a bootstrap that loads the sources',
      'WORKER_START',
    );
  } else entry = new URL('./entry.js', import.meta.url);
  const { Worker } = nodeBuiltin<{ Worker: NodeWorkerCtor }>('worker_threads');
  let w: NodeWorker;
  try {
    w = new Worker(entry, { execArgv: workerExecArgv(nodeProcess()?.execArgv ?? []) });
  } catch (cause) {
    throw new WorkerError(`could not start a worker thread from ${String(entry)}: ${String(cause)}`, 'WORKER_START', { cause });
  }
  w.on('error', (e: Error) => fail(new WorkerError(`the worker thread failed: ${e?.message ?? String(e)}`, 'WORKER_FAILED', { cause: e })));
  w.on('messageerror', (e: Error) => fail(new WorkerError(`a message from the worker could not be read: ${e?.message ?? String(e)}`, 'WORKER_FAILED', { cause: e })));
  w.on('exit', (code: number) => fail(new WorkerError(`the worker thread exited (exit code ${code})`, 'WORKER_EXITED')));
  return {
    endpoint: nodePortEndpoint(w as unknown as Parameters<typeof nodePortEndpoint>[0]),
    // ref() while a call waits, unref() when idle (listening for messages refs the worker again, so the
    // unref after each call is what lets an idle, forgotten worker end with the process)
    hold: (busy) => (busy ? w.ref() : w.unref()),
    stop: async () => {
      await w.terminate();
    },
  };
}

// ---- browsers, Deno: web Worker ----

function webThread(options: SpawnWorkerOptions, fail: Fail): Thread {
  const g = globalThis as { Worker?: unknown; ServiceWorkerGlobalScope?: abstract new () => unknown };
  if (typeof g.Worker !== 'function') {
    const sw = typeof g.ServiceWorkerGlobalScope === 'function' && globalThis instanceof g.ServiceWorkerGlobalScope;
    throw new WorkerUnavailableError(
      sw
        ? 'a service worker cannot start workers (browser-extension MV3 background scripts are service workers): call the SDK directly in the service worker, or create an offscreen document (chrome.offscreen.createDocument) and call spawnWorker() there'
        : `this ${detectRuntime()} context has no Worker constructor: call the SDK directly instead of through spawnWorker()`,
    );
  }
  let w: Worker;
  try {
    if (options.entry !== undefined) w = new Worker(options.entry, { type: 'module' });
    else if (FROM_SOURCE) w = new Worker(sourceEntry(), { type: 'module' });
    else w = new Worker(new URL('./entry.js', import.meta.url), { type: 'module' });
  } catch (cause) {
    throw new WorkerError(`could not construct the worker: ${String(cause)} (a cross-origin script, or a Content Security Policy without worker-src?)`, 'WORKER_START', { cause });
  }
  w.addEventListener('error', (ev: Event) => {
    ev.preventDefault(); // Deno: do not let it terminate the main thread
    const msg = (ev as ErrorEvent).message;
    fail(new WorkerError(msg ? `the worker failed: ${msg}` : 'the worker script could not be loaded or threw while loading (a 404, a syntax error, or a Content Security Policy without worker-src)', 'WORKER_FAILED'));
  });
  w.addEventListener('messageerror', () => fail(new WorkerError('a message from the worker could not be read', 'WORKER_FAILED')));
  return {
    endpoint: w as unknown as Endpoint,
    hold: () => {},
    stop: async () => w.terminate(),
  };
}

/** entry.ts beside this file; not a `new URL(literal, import.meta.url)` so that bundlers never look for it. */
function sourceEntry(): URL {
  return new URL(import.meta.url.replace(/[^/]*$/, 'entry.ts'));
}
