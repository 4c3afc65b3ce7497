/** Which JavaScript runtime the SDK is running in. `worker` = a browser dedicated/shared/service worker. */
export type RuntimeName = 'node' | 'deno' | 'browser' | 'worker';

// Minimal views of runtime globals; we never depend on Node or Deno type packages.
interface NodeProcessLike {
  versions?: { node?: string };
  getBuiltinModule?: (id: string) => unknown;
  env?: Record<string, string | undefined>;
  platform?: string;
  execArgv?: string[];
}

/** @internal The Node `process` object, or undefined outside Node (Deno also exposes `process`; we ignore it there). */
export function nodeProcess(): NodeProcessLike | undefined {
  const g = globalThis as { process?: NodeProcessLike; Deno?: unknown };
  if (g.Deno !== undefined) return undefined;
  return g.process?.versions?.node ? g.process : undefined;
}

/** Detects the runtime from globals only (no imports, safe in every runtime). */
export function detectRuntime(): RuntimeName {
  const g = globalThis as Record<string, unknown>;
  if (g.Deno !== undefined) return 'deno';
  if (nodeProcess()) return 'node';
  if (typeof g.document === 'object' && g.document !== null) return 'browser';
  return 'worker';
}

/**
 * @internal Loads a Node built-in synchronously (`process.getBuiltinModule`, Node >= 20.16) so that code a
 * browser or extension service worker can reach never dynamically imports a 'node:' module.
 */
export function nodeBuiltin<T>(id: string): T {
  const p = nodeProcess();
  const get = p?.getBuiltinModule;
  if (!get) throw new Error(`Node built-in '${id}' needs Node >= 20.16 (process.getBuiltinModule)`);
  return get.call(p, id) as T;
}
