// Audio ResNet-10: torchvision 0.14's `ResNet(BasicBlock, [1, 1, 1, 1])` with the stem replaced by a
// 1-channel Conv2d(1, 64, 7, stride 2, padding 3, bias=False), and no fc (the 512-D pooled feature is the
// output). BatchNorm2d with torch's defaults (eps 1e-5, momentum 0.1). State_dict names as torchvision's:
//   conv1, bn1, [relu, maxpool(3, s2, p1)], layer{1..4}.0.{conv1,bn1,conv2,bn2}, layer{2,3,4}.0.downsample.{0,1}
// BasicBlock: out = relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), conv1 3x3 carries the stride,
// shortcut = downsample (1x1 conv stride s, BN) when the stride or width changes, identity otherwise.
import type { Node } from '../graph.ts';

export const RESNET_BN_EPS = 1e-5;
export const RESNET_BN_MOMENTUM = 0.1;

const bn = (name: string, c: number): Node => ({ op: 'bn', name, channels: c, eps: RESNET_BN_EPS, momentum: RESNET_BN_MOMENTUM });
const conv = (name: string, inC: number, outC: number, k: number, s: number, p: number): Node => ({ op: 'conv', name, inC, outC, kernel: [k, k], stride: [s, s], padding: [p, p], bias: false });

function basicBlock(name: string, inC: number, planes: number, stride: number): Node {
  const body: Node = {
    op: 'seq',
    children: [conv(`${name}.conv1`, inC, planes, 3, stride, 1), bn(`${name}.bn1`, planes), { op: 'relu' }, conv(`${name}.conv2`, planes, planes, 3, 1, 1), bn(`${name}.bn2`, planes)],
  };
  const shortcut: Node | null = stride !== 1 || inC !== planes ? { op: 'seq', children: [conv(`${name}.downsample.0`, inC, planes, 1, stride, 0), bn(`${name}.downsample.1`, planes)] } : null;
  return { op: 'seq', children: [{ op: 'residual', body, shortcut }, { op: 'relu' }] };
}

/**
 * The ResNet-10 trunk with widths 64-128-256-512 divided by `widthDivisor`.
 * Input (B, 1, F, T) log-mel -> output (B, 512 / widthDivisor, F/32, T/32).
 */
export function audioResnetTrunk(widthDivisor = 1, inChannels = 1): { node: Node; outChannels: number } {
  const widths = [64, 128, 256, 512].map((c) => {
    if (c % widthDivisor) throw new Error(`ResNet width ${c} not divisible by ${widthDivisor}`);
    return c / widthDivisor;
  });
  const children: Node[] = [conv('conv1', inChannels, widths[0], 7, 2, 3), bn('bn1', widths[0]), { op: 'relu' }, { op: 'maxpool', kernel: [3, 3], stride: [2, 2], padding: [1, 1] }];
  let inC = widths[0];
  widths.forEach((planes, i) => {
    children.push(basicBlock(`layer${i + 1}.0`, inC, planes, i === 0 ? 1 : 2));
    inC = planes;
  });
  return { node: { op: 'seq', children }, outChannels: inC };
}
