// Public surface of the encoders (issue 5). Re-exported by src/index.ts.
// Architecture specs, parameter/FLOP counts, deterministic init, safetensors and state-dict IO, and
// `createModel`: the encoders on the WebGPU engine.
export { createModel, EncoderModel, type CreateModelOptions, type ForwardOptions } from './encoder.ts';
export { modelSpec, modelCost, MODEL_ARCHS, MODEL_PRESETS, EMBED_DIM, type ModelArch, type ModelPreset, type ModelSpec, type ModelCost } from './spec.ts';
export type { Node as LayerNode, StateEntry, StateKind } from './graph.ts';
export { initState, type InitScheme, type StateTensor } from './init.ts';
export {
  parseSafetensors,
  serializeSafetensors,
  checkSafetensors,
  type SafetensorsDtype,
  type SafetensorsFile,
  type SafetensorsEntry,
  type SafetensorsInput,
  type SafetensorsData,
  type TensorExpectation,
} from './safetensors.ts';
export { stateFromSafetensors, stateToSafetensors, type LoadStateOptions } from './state.ts';
export { SafetensorsError, ModelSpecError } from '../errors.ts';
