/** The pure MeshTrafficPermission evaluator shared by the control plane and the proxy. */
export * from './decision.js';
