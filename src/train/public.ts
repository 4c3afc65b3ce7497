// Public surface of src/train (re-exported by src/index.ts).
export * as contrastive from './contrastive/index.ts';
export * as sscl from './sscl/index.ts';
