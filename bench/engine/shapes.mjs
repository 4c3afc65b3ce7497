// The S3D-shaped conv3d cases both engine benches time (bench.mjs side by side with tfjs, profile.mjs per
// pass): the stem, a temporal and a spatial separable conv, and a temporal stride-2 conv.
// `large` = 8 clips of 16 frames (GPU), `small` = 1 clip of 4 frames (software adapters).
export function s3dConvShapes(scale) {
  const N = scale === 'large' ? 8 : 1;
  const T = scale === 'large' ? 16 : 4;
  const convs = [
    // [name, Ci, T, H, W, Co, k, stride, padding]
    ['stem (1,7,7) s(1,2,2) 3->64 @112', 3, T, 112, 112, 64, [1, 7, 7], [1, 2, 2], [0, 3, 3]],
    ['temporal (3,1,1) 64->64 @56', 64, T, 56, 56, 64, [3, 1, 1], [1, 1, 1], [1, 0, 0]],
    ['spatial (1,3,3) 192->192 @28', 192, T / 2, 28, 28, 192, [1, 3, 3], [1, 1, 1], [0, 1, 1]],
    ['temporal (3,1,1) s(2,1,1) 192->192 @28', 192, T, 28, 28, 192, [3, 1, 1], [2, 1, 1], [1, 0, 0]],
  ];
  return { N, T, convs };
}
