// S3D (Xie et al., "Rethinking Spatiotemporal Feature Learning", ECCV 2018) exactly as torchvision 0.14's
// torchvision/models/video/s3d.py builds it, as a layer tree whose names are the state_dict's:
//   features.0            TemporalSeparableConv(3, 64, k7, s2, p3): [1,7,7]/s[1,2,2] conv-BN-ReLU, [7,1,1]/s[2,1,1] conv-BN-ReLU
//   features.1            MaxPool3d([1,3,3], s[1,2,2], p[0,1,1])
//   features.2            Conv3dNormActivation(64, 64, k1)
//   features.3            TemporalSeparableConv(64, 192, k3, s1, p1)
//   features.4            MaxPool3d([1,3,3], s[1,2,2], p[0,1,1])
//   features.5, 6         SepInceptionBlock3D (Mixed_3b, 3c)
//   features.7            MaxPool3d(3, s2, p1)
//   features.8 .. 12      Mixed_4b .. 4f
//   features.13           MaxPool3d(2, s2, p0)
//   features.14, 15       Mixed_5b, 5c  -> 1024 channels
// Conv3dNormActivation = Conv3d(bias=False, padding=(k-1)//2) -> BatchNorm3d(eps=1e-3, momentum=1e-3) -> ReLU.
// torchvision then applies AvgPool3d((2,7,7), stride 1), which fails for 16x112x112 clips (the trunk ends
// at 1024 x 2 x 3 x 3), so we pool adaptively to 1x1x1 instead: the 1024-D feature is the mean over T, H, W.
import type { Node } from '../graph.ts';

export const S3D_BN_EPS = 1e-3;
export const S3D_BN_MOMENTUM = 1e-3;

/** (b0_out, b1_mid, b1_out, b2_mid, b2_out, b3_out) of each SepInceptionBlock3D at full width, torchvision order. */
export const S3D_INCEPTION: readonly (readonly number[])[] = [
  [64, 96, 128, 16, 32, 32], // features.5  Mixed_3b (in 192)
  [128, 128, 192, 32, 96, 64], // features.6  Mixed_3c (in 256)
  [192, 96, 208, 16, 48, 64], // features.8  Mixed_4b (in 480)
  [160, 112, 224, 24, 64, 64], // features.9
  [128, 128, 256, 24, 64, 64], // features.10
  [112, 144, 288, 32, 64, 64], // features.11
  [256, 160, 320, 32, 128, 128], // features.12 (out 832)
  [256, 160, 320, 32, 128, 128], // features.14 Mixed_5b
  [384, 192, 384, 48, 128, 128], // features.15 Mixed_5c (out 1024)
];

const triple = (k: number): number[] => [k, k, k];

function convBnRelu(name: string, inC: number, outC: number, kernel: number[], stride: number[], padding: number[]): Node {
  return {
    op: 'seq',
    children: [
      { op: 'conv', name: `${name}.0`, inC, outC, kernel, stride, padding, bias: false },
      { op: 'bn', name: `${name}.1`, channels: outC, eps: S3D_BN_EPS, momentum: S3D_BN_MOMENTUM },
      { op: 'relu' },
    ],
  };
}

/** Conv3dNormActivation with a cubic kernel and torchvision's default padding (k-1)//2. */
const unit = (name: string, inC: number, outC: number, k = 1): Node => convBnRelu(name, inC, outC, triple(k), triple(1), triple((k - 1) >> 1));

/** TemporalSeparableConv: spatial [1,k,k] then temporal [k,1,1]. */
function sepConv(name: string, inC: number, outC: number, k: number, s: number, p: number): Node {
  return {
    op: 'seq',
    children: [convBnRelu(`${name}.0`, inC, outC, [1, k, k], [1, s, s], [0, p, p]), convBnRelu(`${name}.1`, outC, outC, [k, 1, 1], [s, 1, 1], [p, 0, 0])],
  };
}

function inception(name: string, inC: number, c: readonly number[]): Node {
  const [b0, b1m, b1, b2m, b2, b3] = c;
  return {
    op: 'concat',
    branches: [
      unit(`${name}.branch0`, inC, b0),
      { op: 'seq', children: [unit(`${name}.branch1.0`, inC, b1m), sepConv(`${name}.branch1.1`, b1m, b1, 3, 1, 1)] },
      { op: 'seq', children: [unit(`${name}.branch2.0`, inC, b2m), sepConv(`${name}.branch2.1`, b2m, b2, 3, 1, 1)] },
      { op: 'seq', children: [{ op: 'maxpool', kernel: triple(3), stride: triple(1), padding: triple(1) }, unit(`${name}.branch3.1`, inC, b3)] },
    ],
  };
}

/**
 * The S3D feature trunk (`features.*`) with every channel width divided by `widthDivisor` (1 = paper).
 * Input (B, 3, T, H, W) -> output (B, 1024 / widthDivisor, T/8, H/32, W/32) (floor at each stage).
 */
export function s3dTrunk(widthDivisor = 1): { node: Node; outChannels: number } {
  const w = (c: number): number => {
    if (c % widthDivisor) throw new Error(`S3D width ${c} not divisible by ${widthDivisor}`);
    return c / widthDivisor;
  };
  const children: Node[] = [
    sepConv('features.0', 3, w(64), 7, 2, 3),
    { op: 'maxpool', kernel: [1, 3, 3], stride: [1, 2, 2], padding: [0, 1, 1] },
    unit('features.2', w(64), w(64)),
    sepConv('features.3', w(64), w(192), 3, 1, 1),
    { op: 'maxpool', kernel: [1, 3, 3], stride: [1, 2, 2], padding: [0, 1, 1] },
  ];
  let inC = w(192);
  let idx = 5;
  S3D_INCEPTION.forEach((c, i) => {
    // features.7 and features.13 are the pools between the Mixed_3/4/5 groups.
    if (i === 2 || i === 7) {
      const k = i === 2 ? 3 : 2;
      children.push({ op: 'maxpool', kernel: triple(k), stride: triple(2), padding: triple(i === 2 ? 1 : 0) });
      idx++;
    }
    const cw = c.map(w);
    children.push(inception(`features.${idx++}`, inC, cw));
    inC = cw[0] + cw[2] + cw[4] + cw[5];
  });
  return { node: { op: 'seq', children }, outChannels: inC };
}

/** torchvision's classifier head (Dropout -> Conv3d(1024, numClasses, 1, bias)), for parameter-count parity only. */
export function s3dClassifier(numClasses = 400, inC = 1024): Node {
  return { op: 'conv', name: 'classifier.1', inC, outC: numClasses, kernel: [1, 1, 1], stride: [1, 1, 1], padding: [0, 0, 0], bias: true };
}
