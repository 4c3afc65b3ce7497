// Model specs by (architecture, preset): the layer trees of trunk, pooling and head, the input shape, the
// state_dict entry list (torch order: trunk, then head) and the cost figures. Pure data: no GPU needed.
//
// Presets (widths of every conv/BN divided by `widthDivisor`; the head's hidden layer too; the embedding
// stays 128-D in every preset so queues, banks and losses do not depend on the preset):
//   paper  S3D 3x16x112x112 clips, ResNet-10 1x128x128 log-mels, widths as published, head 512 hidden
//   small  widths / 4, S3D 3x16x64x64, ResNet-10 1x128x128 (the paper's log-mel unchanged), head 128 hidden
//   tiny   widths / 8, S3D 3x8x32x32,  ResNet-10 1x64x64, head 64 hidden
import { ModelSpecError } from '../errors.ts';
import { audioResnetTrunk } from './audio_resnet/spec.ts';
import { countParameters, outputShape, stateEntries, type Cost, type Node, type StateEntry } from './graph.ts';
import { projectionHead } from './heads.ts';
import { s3dTrunk } from './s3d/spec.ts';

export type ModelArch = 's3d' | 'audio-resnet10';
export type ModelPreset = 'paper' | 'small' | 'tiny';
export const MODEL_ARCHS: readonly ModelArch[] = ['s3d', 'audio-resnet10'];
export const MODEL_PRESETS: readonly ModelPreset[] = ['paper', 'small', 'tiny'];
/** Embedding size after the head in every preset. */
export const EMBED_DIM = 128;

interface PresetDims {
  widthDivisor: number;
  /** Input without batch: S3D (3, T, H, W); ResNet (1, F, T). */
  input: number[];
  headHidden: number;
}
const PRESETS: Record<ModelArch, Record<ModelPreset, PresetDims>> = {
  's3d': {
    paper: { widthDivisor: 1, input: [3, 16, 112, 112], headHidden: 512 },
    small: { widthDivisor: 4, input: [3, 16, 64, 64], headHidden: 128 },
    tiny: { widthDivisor: 8, input: [3, 8, 32, 32], headHidden: 64 },
  },
  'audio-resnet10': {
    paper: { widthDivisor: 1, input: [1, 128, 128], headHidden: 512 },
    small: { widthDivisor: 4, input: [1, 128, 128], headHidden: 128 },
    tiny: { widthDivisor: 8, input: [1, 64, 64], headHidden: 64 },
  },
};

export interface ModelSpec {
  arch: ModelArch;
  preset: ModelPreset;
  widthDivisor: number;
  /** Default input shape without batch. */
  input: number[];
  /** The feature trunk (torchvision names). */
  trunk: Node;
  /** Channels out of the trunk = feature dimension after pooling (1024 / 512 at paper width). */
  featureDim: number;
  /** Adaptive global average pooling + flatten. */
  pool: Node;
  /** Projection head with L2 normalisation. */
  head: Node;
  embedDim: number;
  /** state_dict entries in torch order: trunk then head. */
  state: StateEntry[];
}

/**
 * The spec of one model.
 *
 * @example
 * ```ts
 * const s = modelSpec('s3d', 'paper');
 * s.state[0];          // { name: 'features.0.0.0.weight', shape: [64, 3, 1, 7, 7], kind: 'convWeight', ... }
 * s.featureDim;        // 1024
 * ```
 */
export function modelSpec(arch: ModelArch, preset: ModelPreset = 'paper'): ModelSpec {
  const dims = PRESETS[arch]?.[preset];
  if (!dims) {
    if (!PRESETS[arch]) throw new ModelSpecError(`unknown architecture '${arch}': use one of ${MODEL_ARCHS.join(', ')}`);
    throw new ModelSpecError(`unknown preset '${preset}' for ${arch}: use one of ${MODEL_PRESETS.join(', ')}`);
  }
  const t = arch === 's3d' ? s3dTrunk(dims.widthDivisor) : audioResnetTrunk(dims.widthDivisor);
  const head = projectionHead(t.outChannels, dims.headHidden, EMBED_DIM);
  return {
    arch,
    preset,
    widthDivisor: dims.widthDivisor,
    input: [...dims.input],
    trunk: t.node,
    featureDim: t.outChannels,
    pool: { op: 'globalAvgPool' },
    head,
    embedDim: EMBED_DIM,
    state: [...stateEntries(t.node), ...stateEntries(head)],
  };
}

export interface ModelCost {
  /** Trainable parameters of the trunk (no head, no classifier). */
  trunkParameters: number;
  /** Trainable parameters of the projection head. */
  headParameters: number;
  /** Trunk output shape without batch, e.g. [1024, 2, 3, 3]. */
  trunkOutput: number[];
  /** Per example (one clip / one spectrogram), trunk + pool + head. */
  macs: number;
  /** 2 x macs: the usual "FLOPs" of conv/linear layers. */
  flops: number;
  /** BN, ReLU, pooling, residual adds, normalisation: one op per element (pooling: per window element). */
  otherOps: number;
}

/** Parameter counts and per-example FLOPs of a spec at an input shape (default: the preset's). */
export function modelCost(spec: ModelSpec, input: readonly number[] = spec.input): ModelCost {
  const cost: Cost = { macs: 0, otherOps: 0 };
  const trunkOutput = outputShape(spec.trunk, input, cost);
  const pooled = outputShape(spec.pool, trunkOutput, cost);
  outputShape(spec.head, pooled, cost);
  return {
    trunkParameters: countParameters(spec.trunk),
    headParameters: countParameters(spec.head),
    trunkOutput,
    macs: cost.macs,
    flops: 2 * cost.macs,
    otherOps: cost.otherOps,
  };
}
