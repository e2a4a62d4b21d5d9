/**
 * The compact, JSON-serializable permission decision the control plane sends for each inbound,
 * and the pure evaluator the proxy runs at handshake time on the client certificate's URI SANs.
 * This file imports nothing; it lives in core so both the control plane (xds) and the proxy use it.
 *
 * Evaluation: the first rule whose `anyOf` matches decides; `otherwise` when none does.
 * `shadowDeny` (Kuma's shadow rules: log and count, never block) is set on an allowed connection
 * when the deciding rule is `allowWithShadowDeny` — and, for the `rules` source, when any
 * `allowWithShadowDeny` rule matches, as Envoy's separate shadow matcher does.
 */

export type PermissionAction = 'allow' | 'deny' | 'allowWithShadowDeny';

/**
 * One test on the client. `spiffeId*` look at the client certificate's SPIFFE IDs (each one on its
 * own: Envoy's matcher looks at the comma-joined list, which breaks Exact on multi-SAN certificates),
 * `kumaTag` at its `kuma://<key>/<value>` URI SANs, `sni` at the server name the client asked for.
 * `not: true` inverts the test.
 */
export type Condition =
  | { type: 'spiffeIdExact'; value: string; not?: true }
  | { type: 'spiffeIdPrefix'; value: string; not?: true }
  | { type: 'kumaTag'; key: string; value: string; not?: true }
  | { type: 'sni'; value: string; not?: true };

export interface DecisionRule {
  action: PermissionAction;
  /** Matches when one alternative matches; an alternative matches when all of its conditions hold (`[[]]`: every client). */
  anyOf: Condition[][];
  /** Names of the MeshTrafficPermissions the rule comes from, for logs. */
  origin: string[];
}

/** How the rules of an inbound came about. */
export type DecisionSource =
  /** Mesh mTLS is off: no client identity, MeshTrafficPermission does not apply, everything is allowed. */
  | 'mtls-disabled'
  /** mTLS is on and no MeshTrafficPermission selects this inbound: everything is denied (Kuma's deny-all RBAC). */
  | 'no-policy'
  /** Built from `from[]` entries (Kuma's subset rules with negations, most specific first). */
  | 'from'
  /** Built from `rules[]` entries (deny matchers first, then allow, default deny). */
  | 'rules';

export interface InboundPermissions {
  /** `<address>:<port>` of the inbound, Kuma's InboundListener key. */
  inbound: string;
  address: string;
  port: number;
  source: DecisionSource;
  rules: DecisionRule[];
  otherwise: 'allow' | 'deny';
}

/** What the proxy knows about a client once its certificate is verified. */
export interface PeerIdentity {
  /** URI SANs starting with `spiffe://`. */
  spiffeIds: readonly string[];
  /** `kuma://<key>/<value>` URI SANs as key → values. */
  kumaTags: Readonly<Record<string, readonly string[]>>;
  /** The TLS server name the client sent, if any. */
  sni?: string | undefined;
}

export interface PermissionDecision {
  action: 'allow' | 'deny';
  /** Allowed, but a shadow-deny rule matched: log and count it as if denied. */
  shadowDeny: boolean;
  /** What decided, short, for log lines and counters: `MeshTrafficPermission/<name>[,<name>]`, or why none did. */
  rule: string;
  /** Index of the deciding rule, -1 when `otherwise` decided. */
  ruleIndex: number;
  /** The deciding rule's policies. */
  origin: string[];
  /** One sentence for logs. */
  reason: string;
}

/** Splits a verified certificate's URI SANs into SPIFFE IDs and kuma:// tags. */
export function peerIdentityFromUriSans(uris: readonly string[], sni?: string): PeerIdentity {
  const spiffeIds: string[] = [];
  const kumaTags: Record<string, string[]> = {};
  for (const uri of uris) {
    if (uri.startsWith('spiffe://')) spiffeIds.push(uri);
    else if (uri.startsWith('kuma://')) {
      // kuma://<key>/<value>: the key may contain '/' (kuma.io/service), the value may not.
      const rest = uri.slice('kuma://'.length);
      const slash = rest.lastIndexOf('/');
      if (slash <= 0) continue;
      const key = rest.slice(0, slash);
      (kumaTags[key] ??= []).push(rest.slice(slash + 1));
    }
  }
  return sni === undefined ? { spiffeIds, kumaTags } : { spiffeIds, kumaTags, sni };
}

function holds(c: Condition, peer: PeerIdentity): boolean {
  let result: boolean;
  switch (c.type) {
    case 'spiffeIdExact':
      result = peer.spiffeIds.includes(c.value);
      break;
    case 'spiffeIdPrefix':
      result = peer.spiffeIds.some((id) => id.startsWith(c.value));
      break;
    case 'kumaTag':
      result = Object.prototype.hasOwnProperty.call(peer.kumaTags, c.key) && (peer.kumaTags[c.key] ?? []).includes(c.value);
      break;
    case 'sni':
      result = peer.sni !== undefined && peer.sni === c.value;
      break;
    default:
      result = false; // an unknown condition (newer control plane) never grants anything
  }
  return c.not ? !result : result;
}

/** True when the rule matches the client. */
export function ruleMatches(rule: DecisionRule, peer: PeerIdentity): boolean {
  return rule.anyOf.some((all) => all.every((c) => holds(c, peer)));
}

const describe = (rule: DecisionRule, index: number): string =>
  `rule ${index} (${rule.action}${rule.origin.length > 0 ? ` from MeshTrafficPermission ${rule.origin.join(', ')}` : ''})`;

function fallback(permissions: InboundPermissions, action: 'allow' | 'deny'): { rule: string; reason: string } {
  switch (permissions.source) {
    case 'mtls-disabled':
      return { rule: 'mTLS disabled (allow all)', reason: 'allowed: mesh mTLS is disabled' };
    case 'no-policy':
      return { rule: 'no MeshTrafficPermission (deny all)', reason: 'denied: no MeshTrafficPermission selects this inbound (mTLS is on)' };
    default:
      return { rule: `no matching rule (${action})`, reason: `${action === 'allow' ? 'allowed' : 'denied'}: no MeshTrafficPermission rule matches the client` };
  }
}

/**
 * The decision for one client on one inbound. Pure and allocation-light enough for every
 * handshake; the result fits the proxy's Authorizer (src/proxy/mtls/authorization.ts) as it is.
 */
export function decide(permissions: InboundPermissions, peer: PeerIdentity): PermissionDecision {
  const rules = permissions.rules;
  let index = -1;
  for (let i = 0; i < rules.length; i++) {
    if (ruleMatches(rules[i] as DecisionRule, peer)) {
      index = i;
      break;
    }
  }
  const rule = rules[index];
  const action: 'allow' | 'deny' = rule === undefined ? permissions.otherwise : rule.action === 'deny' ? 'deny' : 'allow';
  const shadowDeny =
    action === 'allow' &&
    (rule?.action === 'allowWithShadowDeny' || (permissions.source === 'rules' && rules.some((r) => r.action === 'allowWithShadowDeny' && ruleMatches(r, peer))));
  if (rule === undefined) return { action, shadowDeny, ruleIndex: -1, origin: [], ...fallback(permissions, action) };
  return {
    action,
    shadowDeny,
    rule: `MeshTrafficPermission/${rule.origin.join(',')}`,
    ruleIndex: index,
    origin: rule.origin,
    reason: `${action === 'allow' ? 'allowed' : 'denied'} by ${describe(rule, index)}`,
  };
}
