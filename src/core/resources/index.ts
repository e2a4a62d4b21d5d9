// The resource model's public surface: import from here rather than from the individual files.
export * from './descriptor.js';
export * from './duration.js';
export * from './envelope.js';
export * from './json.js';
export * from './labels.js';
export * from './mesh.js';
export * from './mesh-ca-backends.js';
export * from './mesh-traffic-permission.js';
export * from './dataplane.js';
export * from './meta-rules.js';
export * from './registry.js';
export * from './resource.js';
export * from './system-types.js';
export { SERVICE_TAG, PROTOCOL_TAG } from './tags.js';
export * from './types.js';
export * from './validate.js';
export * from './validation.js';
