// `nn` namespace: modules built from ops.
export { Module, Linear, Conv2d, Conv3d, BatchNorm, type InitOptions } from './modules.ts';
