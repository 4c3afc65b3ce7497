// Public surface of the audio frontend (issue 3). Re-exported by src/index.ts.
export {};
