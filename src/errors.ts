/**
 * Typed errors. Every error the SDK throws on purpose is an `SsclError` whose message says what was
 * wrong and what to do. Catch by class (`instanceof WebGPUUnavailableError`) or by `code`.
 */
export class SsclError extends Error {
  /** Stable machine-readable code, e.g. `'WEBGPU_UNAVAILABLE'`. */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** No WebGPU adapter/device could be obtained. The message lists what to install. */
export class WebGPUUnavailableError extends SsclError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('WEBGPU_UNAVAILABLE', message, options);
  }
}

/** The WebAssembly DSP module could not be loaded or instantiated. */
export class WasmLoadError extends SsclError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('WASM_LOAD', message, options);
  }
}

/** A GPU or WASM self-test computed a wrong result: the runtime is present but not trustworthy. */
export class SelfTestError extends SsclError {
  constructor(message: string) {
    super('SELF_TEST', message);
  }
}

/** An argument had the wrong type, range or shape. */
export class InvalidArgumentError extends SsclError {
  constructor(message: string) {
    super('INVALID_ARGUMENT', message);
  }
}

/**
 * Audio the frontend cannot process: empty, NaN/Inf samples, too short for one frame. The message says
 * what was found and what to do.
 */
export class InvalidAudioError extends SsclError {
  constructor(message: string, code = 'INVALID_AUDIO') {
    super(code, message);
  }
}

/** Bytes that are not a WAV file decodeWav supports (truncated, lying or hostile header, unknown format). */
export class InvalidWavError extends InvalidAudioError {
  constructor(message: string) {
    super(message, 'INVALID_WAV');
  }
}

/**
 * A safetensors file is malformed or does not match what the model expects (wrong dtype/shape, missing or
 * unexpected tensor). `tensor` names the offending tensor when there is one.
 */
export class SafetensorsError extends SsclError {
  /** The tensor the problem is about, or `null` for file-level problems (header length, JSON). */
  readonly tensor: string | null;
  constructor(message: string, tensor: string | null = null) {
    super('SAFETENSORS', message);
    this.tensor = tensor;
  }
}

/** A model preset, architecture name or state dict does not exist or does not fit the architecture. */
export class ModelSpecError extends SsclError {
  constructor(message: string) {
    super('MODEL_SPEC', message);
  }
}

/**
 * A worker could not be started, failed, exited or was terminated. `code` says which:
 * `'WORKER_START'` (the script could not be loaded or its version differs), `'WORKER_FAILED'` (an uncaught
 * error or an unreadable message in the worker), `'WORKER_EXITED'` (the thread ended), `'WORKER_TERMINATED'`
 * (terminate() was called). Calls still waiting reject with it; spawn a new worker to go on.
 */
export class WorkerError extends SsclError {
  constructor(message: string, code = 'WORKER_FAILED', options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/**
 * This context cannot construct a Worker at all (a browser-extension service worker, or a runtime without
 * `Worker` / `worker_threads`). The message says what to do instead.
 */
export class WorkerUnavailableError extends SsclError {
  constructor(message: string) {
    super('WORKER_UNAVAILABLE', message);
  }
}

/** A tensor op got shapes it cannot work with. The message names the op and every shape involved. */
export class ShapeError extends SsclError {
  constructor(message: string) {
    super('SHAPE', message);
  }
}

/** A tensor op got data of the wrong element type (e.g. Float64Array where Float32Array is required). */
export class DTypeError extends SsclError {
  constructor(message: string) {
    super('DTYPE', message);
  }
}

/** A tensor was used after `dispose()` (or after the `tidy()` scope that owned it ended). */
export class DisposedTensorError extends SsclError {
  constructor(message: string) {
    super('DISPOSED_TENSOR', message);
  }
}

/** The GPU rejected recorded work (an invalid kernel, binding or buffer, or out of memory). */
export class GpuExecutionError extends SsclError {
  constructor(message: string) {
    super('GPU_EXECUTION', message);
  }
}

/**
 * NaN or Infinity reached an op that refuses it (e.g. contrastive.infoNCE's features, a queue enqueue, a
 * memory-bank update). Detected on the GPU and reported at the next read (`item()`, `toArray()`,
 * `ctx.checkGuards()`); `input` names the offending input(s). The message says what was skipped.
 */
export class NonFiniteError extends SsclError {
  /** The input(s) that held NaN/Inf, e.g. `'q'`, `'kPos, negatives'`, `'queue.enqueue keys'`. */
  readonly input: string;
  constructor(message: string, input: string) {
    super('NON_FINITE', message);
    this.input = input;
  }
}

/** A training option is missing, of the wrong type or out of range; `option` names it (e.g. 'lr'). */
export class TrainingOptionsError extends SsclError {
  readonly option: string;
  constructor(option: string, message: string) {
    super('TRAINING_OPTIONS', `${option}: ${message}`);
    this.option = option;
  }
}

/**
 * A training step produced a non-finite (or too large) loss. Thrown before the step's update was applied:
 * parameters, optimizer buffers, queues, banks and step counters are those after step `step - 1`.
 */
export class TrainingDivergedError extends SsclError {
  readonly step: number;
  readonly loss: number;
  constructor(step: number, loss: number, message: string, options?: { cause?: unknown }) {
    super('TRAINING_DIVERGED', message, options);
    this.step = step;
    this.loss = loss;
  }
}

/** A training checkpoint is malformed, truncated, of another format version or does not fit the run. */
export class CheckpointError extends SsclError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CHECKPOINT', message, options);
  }
}
