// info() run inside the worker: proves that the worker itself reaches WebGPU and the WASM module.
import { info as sdkInfo, type InfoResult } from '../../info.ts';
import { detectRuntime, type RuntimeName } from '../../runtime.ts';
import type { WorkerContext } from '../registry.ts';

/** info() as computed inside a worker. */
export interface WorkerInfo extends InfoResult {
  /**
   * The runtime that spawned the worker ('node', 'deno', 'browser', or 'worker' for a nested worker):
   * the runtime you would name, so the same checks work on info() and on a worker's info().
   */
  runtime: RuntimeName;
  /** The worker itself: Node's worker_threads, or a web Worker (browsers, Deno). */
  thread: { kind: 'worker_threads' | 'web-worker'; runtime: RuntimeName };
}

export async function info(ctx: WorkerContext): Promise<WorkerInfo> {
  const r = await sdkInfo({ wasm: ctx.config.wasm });
  const threadRuntime = detectRuntime();
  return { ...r, runtime: ctx.config.hostRuntime, thread: { kind: threadRuntime === 'node' ? 'worker_threads' : 'web-worker', runtime: threadRuntime } };
}
