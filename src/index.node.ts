// The `node` export condition. The same API as the default entry, plus Node-only helpers.
export * from './index.ts';
export { findSoftwareVulkanIcds } from './gpu/node-webgpu.ts';
