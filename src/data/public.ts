// Public surface of the data pipeline (issue 6). Re-exported by src/index.ts.
export {};
