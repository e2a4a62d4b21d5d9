/**
 * The permission hook of an inbound: the control plane compiles MeshTrafficPermission into a
 * decision function per inbound; the proxy calls it once per mesh mTLS connection, right after the
 * handshake, and again for every open connection when the function is replaced (reauthorize).
 */
import type { PeerIdentity } from './peer-identity.js';

export interface AuthorizationRequest extends PeerIdentity {
  /** The SNI the client asked for, when it sent one. */
  sni: string | undefined;
}

export interface AuthorizationDecision {
  action: 'allow' | 'deny';
  /** AllowWithShadowDeny: allowed, but a deny would have applied (logged and counted only). */
  shadowDeny: boolean;
  /** Which policy or rule decided, for log lines (e.g. `MeshTrafficPermission/allow-frontend`). */
  rule?: string;
}

export type Authorizer = (request: AuthorizationRequest) => AuthorizationDecision;

/** mTLS on with no permission: Kuma denies everything. */
export const denyAll: Authorizer = () => ({ action: 'deny', shadowDeny: false, rule: 'no MeshTrafficPermission (deny all)' });

export const allowAll: Authorizer = () => ({ action: 'allow', shadowDeny: false, rule: 'allow all' });

/** Runs the hook; a hook that throws or answers nonsense denies (fail closed). */
export function decide(authorize: Authorizer, request: AuthorizationRequest): AuthorizationDecision & { error?: unknown } {
  try {
    const d = authorize(request);
    if (d === null || typeof d !== 'object' || (d.action !== 'allow' && d.action !== 'deny')) {
      return { action: 'deny', shadowDeny: false, rule: 'invalid decision from the permission hook (denied)' };
    }
    return d;
  } catch (error) {
    return { action: 'deny', shadowDeny: false, rule: 'the permission hook failed (denied)', error };
  }
}
