// The list of worker methods (add engine/training calls here) and the object the worker exposes through
// comlink: init(config) once, then call(name, args) for every method. Each result travels in an Envelope
// so that typed errors survive the boundary (see wire.ts).
import { InvalidArgumentError, WorkerError } from '../errors.ts';
import { VERSION } from '../version.ts';
import { detectRuntime, type RuntimeName } from '../runtime.ts';
import { comlinkTransfer } from './comlink.ts';
import * as dsp from './methods/dsp.ts';
import * as infoMethods from './methods/info.ts';
import { createContext, RESERVED_METHOD_NAMES, type RemoteMethods, type WorkerConfig, type WorkerContext, type WorkerMethod } from './registry.ts';
import { serializeError, takeMoves, type Envelope } from './wire.ts';

/** Every method a worker runs. To add one: write `(ctx, ...args) => result` under methods/ and list it. */
export const WORKER_METHODS = {
  info: infoMethods.info,
  melSpectrogram: dsp.melSpectrogram,
  spectrogram: dsp.spectrogram,
  melSpectrogramBatch: dsp.melSpectrogramBatch,
  resample: dsp.resample,
  decodeWav: dsp.decodeWav,
} satisfies Record<string, WorkerMethod>;

/**
 * The calls a worker answers, each returning a Promise. Arguments are copied to the worker (structured
 * clone) unless marked with workerTransfer(); results are moved to the caller.
 */
export type SsclWorkerApi = RemoteMethods<typeof WORKER_METHODS>;

/** init()'s answer. */
export interface WorkerHello {
  version: string;
  methods: string[];
  threadRuntime: RuntimeName;
}

/** The object exposed by the worker. */
export interface WorkerService {
  init(config: WorkerConfig): Envelope<WorkerHello>;
  call(method: string, args: unknown[]): Promise<Envelope<unknown>>;
}

export function createService(methods: Record<string, WorkerMethod> = WORKER_METHODS): WorkerService {
  for (const name of Object.keys(methods)) {
    if (RESERVED_METHOD_NAMES.includes(name)) throw new Error(`worker method name '${name}' is reserved`);
  }
  let ctx: WorkerContext | null = null;
  return {
    init(config) {
      try {
        if (config.version !== VERSION) {
          throw new WorkerError(`the worker script is sscl-sdk ${VERSION} but the caller is ${config.version}: a stale copy of dist/worker/entry.js is being served (clear the bundler or CDN cache)`, 'WORKER_START');
        }
        ctx = createContext(config);
        return { ok: true, value: { version: VERSION, methods: Object.keys(methods), threadRuntime: detectRuntime() } };
      } catch (e) {
        return { ok: false, error: serializeError(e) };
      }
    },
    async call(method, args) {
      try {
        if (!ctx) throw new WorkerError('the worker was called before init(): use spawnWorker() to start workers', 'WORKER_START');
        const fn = Object.hasOwn(methods, method) ? methods[method] : undefined;
        if (!fn) throw new InvalidArgumentError(`a worker has no method '${method}'; it has: ${Object.keys(methods).join(', ')}`);
        if (!Array.isArray(args)) throw new InvalidArgumentError(`worker call '${method}': arguments must be an array`);
        const value = await fn(ctx, ...args);
        return comlinkTransfer({ ok: true as const, value }, takeMoves([value]));
      } catch (e) {
        return { ok: false, error: serializeError(e) };
      }
    },
  };
}
