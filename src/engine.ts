// Public surface of the tensor engine (issue 4). Re-exported by src/index.ts.
export {};
