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
