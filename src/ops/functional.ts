// `F`: the torch.nn.functional-style namespace of every op.
import { add, clampMin, div, exp, log, mul, neg, relu, sqrt, sub } from './elementwise/elementwise.ts';
import { batchNorm } from './batchnorm/batchnorm.ts';
import { cat } from './cat/cat.ts';
import { conv2d, conv3d } from './conv/conv.ts';
import { dropout } from './dropout/dropout.ts';
import { adaptiveAvgPool2d, adaptiveAvgPool3d, adaptiveMaxPool2d, avgPool2d, avgPool3d, maxPool2d, maxPool3d } from './pool/pool.ts';
import { mseLoss } from './loss/loss.ts';
import { linear, matmul } from './matmul/matmul.ts';
import { normalize } from './normalize/normalize.ts';
import { mean, sum } from './reduce/reduce.ts';
import { crossEntropy, logSoftmax, nllLoss } from './softmax/softmax.ts';

export const F = {
  add, sub, mul, div, relu, sqrt, exp, log, neg, clampMin,
  sum, mean,
  matmul, linear,
  logSoftmax, nllLoss, crossEntropy, mseLoss,
  normalize,
  conv2d, conv3d, batchNorm,
  maxPool2d, maxPool3d, avgPool2d, avgPool3d, adaptiveAvgPool2d, adaptiveAvgPool3d, adaptiveMaxPool2d,
  cat, dropout,
};
