/**
 * MeshTrafficPermission compiled into per-inbound decisions, and the pure evaluator proxies run.
 *
 * decision.ts imports nothing: the proxy (src/proxy, which may not import xds) can take a copy of
 * its types and `decide`, or the lead can move it to core and re-export it here.
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
