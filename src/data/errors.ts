// Errors of the data pipeline (SsclError subclasses, see src/errors.ts).
import { SsclError } from '../errors.ts';

/** A dataset's files or optional package are missing or unreadable. The message says what to install or pass. */
export class DatasetAssetError extends SsclError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('DATASET_ASSET', message, options);
  }
}

/** A part of a dataset cannot run in this runtime (e.g. the speech synthesiser). The message says where it can. */
export class DatasetRuntimeError extends SsclError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('DATASET_RUNTIME', message, options);
  }
}

/** A media file (WAV, PNG) is malformed or in a format we do not decode. The message names the file and the format expected. */
export class InvalidMediaError extends SsclError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INVALID_MEDIA', message, options);
  }
}
