/**
 * MeshTrafficPermission compiled into per-inbound decisions, and the pure evaluator proxies run.
 *
 * The evaluator itself lives in src/core/permissions/decision.ts (the proxy may not import xds);
 * it is re-exported here.
 */
export {
  decide,
  ruleMatches,
  peerIdentityFromUriSans,
  type Condition,
  type DecisionRule,
  type DecisionSource,
  type InboundPermissions,
  type PeerIdentity,
  type PermissionAction,
  type PermissionDecision,
} from './decision.js';
export { compileDataplanePermissions, fromSubset, type CompileOptions, type DataplanePermissions, type PermissionsInput } from './compile.js';
export { buildFromRules, type FromItem, type FromRule, type BuildFromRulesOptions } from './from-rules.js';
export { comparePolicies, inboundsOf, selectedInbounds, tagsMatch, type InboundRef, type PolicyLike } from './policy-selection.js';
export { intersect, isSubset, numPositive, subsetCombinations, type Subset, type Tag } from './subset.js';
