// The evaluator lives in core so the proxy (which may not import xds) can use it; re-exported here
// so the control-plane side keeps one import path.
export * from '../../core/permissions/decision.js';
