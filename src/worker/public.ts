// Public surface of the worker layer. Re-exported by src/index.ts.
export { spawnWorker, type SpawnWorkerOptions, type SsclWorker } from './spawn.ts';
export { type SsclWorkerApi } from './api.ts';
export { type WorkerInfo } from './methods/info.ts';
export { type SpectrogramBatch } from './methods/dsp.ts';
export { workerTransfer } from './wire.ts';
export { WorkerError, WorkerUnavailableError } from '../errors.ts';
