// Projection heads (SSCL paper, Sec. "Implementation details"): two fully connected layers with a ReLU
// between them, then L2 normalisation. Registered in torch as
//   head = nn.Sequential(nn.Linear(in, hidden), nn.ReLU(), nn.Linear(hidden, out))
// so the state_dict names are head.0.weight (hidden, in), head.0.bias (hidden), head.2.weight (out, hidden),
// head.2.bias (out); the normalisation is F.normalize(z, dim=1) (eps 1e-12) and has no parameters.
// Paper: video 1024 -> 512 -> 128, audio 512 -> 512 -> 128.
import type { Node } from './graph.ts';

/** F.normalize's default eps. */
export const L2_EPS = 1e-12;

/**
 * The projection head as a layer tree: (B, inF) -> (B, outF), L2-normalised rows.
 * @param prefix module name in the state_dict (default 'head').
 */
export function projectionHead(inF: number, hidden = 512, outF = 128, prefix = 'head'): Node {
  return {
    op: 'seq',
    children: [
      { op: 'linear', name: `${prefix}.0`, inF, outF: hidden, bias: true },
      { op: 'relu' },
      { op: 'linear', name: `${prefix}.2`, inF: hidden, outF, bias: true },
      { op: 'l2normalize', eps: L2_EPS },
    ],
  };
}
