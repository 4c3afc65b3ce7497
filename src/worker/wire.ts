// What crosses the worker boundary besides plain data: results in an envelope, errors as plain objects
// that are turned back into our typed error classes on the caller's side, and "move, don't copy" marks.
//
// Why an envelope and not comlink's own error passing: comlink sends a thrown Error as {name, message,
// stack} and rebuilds a plain `Error`, so `instanceof InvalidAudioError` and `code` would be lost.
import * as errors from '../errors.ts';
import { SsclError } from '../errors.ts';

/** A thrown value as it travels: enough to rebuild the same class with the same name, code and message. */
export interface WireError {
  name: string;
  message: string;
  code?: string;
  stack?: string;
  cause?: WireError;
}

/** The result of every worker call. */
export type Envelope<T> = { ok: true; value: T } | { ok: false; error: WireError };

const moves = new WeakMap<object, Transferable[]>();

/**
 * Marks `value` so that, when it is sent to or returned from a worker, `buffers` are moved (transferred)
 * instead of copied. The sender's buffers are then detached (length 0): use it only for data you are done
 * with. Without `buffers`, a typed array moves its own buffer.
 *
 * @example
 * ```ts
 * const w = await spawnWorker();
 * const x = new Float32Array(48000);
 * const m = await w.melSpectrogram(workerTransfer(x), SSCL_AUDIO); // x.length is 0 afterwards
 * ```
 */
export function workerTransfer<T extends object>(value: T, buffers?: Transferable[]): T {
  const list = buffers ?? (ArrayBuffer.isView(value) && value.buffer instanceof ArrayBuffer ? [value.buffer] : []);
  moves.set(value, list);
  return value;
}

/** The buffers marked on these values, each once (a buffer listed twice makes postMessage throw). */
export function takeMoves(values: readonly unknown[]): Transferable[] {
  const out = new Set<Transferable>();
  for (const v of values) {
    if (typeof v !== 'object' || v === null) continue;
    const m = moves.get(v);
    if (!m) continue;
    moves.delete(v);
    for (const b of m) out.add(b);
  }
  return [...out];
}

export function serializeError(e: unknown, depth = 0): WireError {
  if (!(e instanceof Error)) {
    return { name: 'Error', message: `the worker threw a non-Error value: ${describe(e)}` };
  }
  const w: WireError = { name: e.name, message: e.message };
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string') w.code = code;
  if (typeof e.stack === 'string') w.stack = e.stack;
  if (e.cause !== undefined && depth < 3) w.cause = serializeError(e.cause, depth + 1);
  return w;
}

function describe(v: unknown): string {
  try {
    return typeof v === 'string' ? JSON.stringify(v) : String(v);
  } catch {
    return typeof v;
  }
}

type ErrorClass = abstract new (...args: never[]) => Error;

// Every SsclError subclass exported by src/errors.ts, by class name: new ones are picked up automatically.
const ssclClasses = new Map<string, ErrorClass>();
for (const v of Object.values(errors) as unknown[]) {
  if (typeof v === 'function' && (v === SsclError || v.prototype instanceof SsclError)) ssclClasses.set(v.name, v as ErrorClass);
}
const builtinClasses: Record<string, ErrorClass> = { Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError };

/**
 * Rebuilds a thrown error: the same class when it is one of ours or a built-in one (an unknown name gets
 * SsclError when it carried a code, else Error), with the worker's name, code, message and stack.
 * The object is a real Error (made by the Error constructor) whose prototype is the class's.
 */
export function deserializeError(w: WireError, depth = 0): Error {
  const cls = ssclClasses.get(w.name) ?? builtinClasses[w.name] ?? (w.code !== undefined ? SsclError : Error);
  const e = Reflect.construct(Error, [w.message], cls) as Error & { code?: string };
  Object.defineProperty(e, 'name', { value: w.name, writable: true, configurable: true });
  if (w.code !== undefined) Object.defineProperty(e, 'code', { value: w.code, enumerable: true, configurable: true });
  if (w.stack !== undefined) Object.defineProperty(e, 'stack', { value: `${w.stack}\n    (thrown in an sscl-sdk worker)`, writable: true, configurable: true });
  if (w.cause !== undefined && depth < 3) Object.defineProperty(e, 'cause', { value: deserializeError(w.cause, depth + 1), writable: true, configurable: true });
  return e;
}
