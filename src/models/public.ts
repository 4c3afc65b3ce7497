// Public surface of the encoders (issue 5). Re-exported by src/index.ts.
export {};
