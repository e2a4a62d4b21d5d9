/**
 * Dataplane authentication on the config stream (Kuma pkg/xds/auth, universal authenticator): the
 * credential is the raw JWT from the `authorization` metadata; it must validate against the keys of
 * the Dataplane's mesh and its claims must fit the Dataplane (name, mesh, tags, workload).
 */
import { Code } from './grpc/codes.js';
import { KumaError, messageOf } from '../core/errors.js';
import type { Resource } from '../core/resources/index.js';
import { checkDataplaneTokenBinding, type DataplaneTokenValidator } from '../tokens/index.js';
import { StreamError } from './stream-errors.js';

/** The effective `dpServer.authn.dpProxy.type` (kuma-ts runs universal only). */
export type DpAuthnType = 'dpToken' | 'none';

/** '' means dpToken on universal; serviceAccountToken needs Kubernetes, which kuma-ts does not run on. */
export function resolveDpAuthnType(configured: string): DpAuthnType {
  if (configured === '' || configured === 'dpToken') return 'dpToken';
  if (configured === 'none') return 'none';
  throw new KumaError(
    'ERR_DP_SERVER_AUTHN',
    `dpServer.authn.dpProxy.type=${JSON.stringify(configured)} cannot be used: kuma-ts runs the universal control plane, where data plane proxies authenticate with dataplane tokens; set KUMA_DP_SERVER_AUTHN_DP_PROXY_TYPE to dpToken (or none to turn authentication off)`,
  );
}

export interface DataplaneAuthenticator {
  readonly type: DpAuthnType;
  /** Resolves when `credential` may act for `dataplane`; throws StreamError otherwise. */
  authenticate(credential: string, dataplane: Resource): Promise<void>;
}

export function createDataplaneAuthenticator(type: DpAuthnType, validator: DataplaneTokenValidator): DataplaneAuthenticator {
  if (type === 'none') return { type, authenticate: () => Promise.resolve() };
  return {
    type,
    async authenticate(credential, dataplane) {
      let identity;
      try {
        identity = await validator.validate(credential, dataplane.meta.mesh);
      } catch (err) {
        const code = err instanceof KumaError ? err.code : undefined;
        // The store could not be read: the token may be fine, so the proxy should simply retry.
        const transient = code === 'ERR_TOKEN_STORE' || code === 'ERR_TOKEN_REVOCATION_CHECK';
        throw new StreamError(transient ? Code.Unavailable : Code.Unauthenticated, `authentication failed: ${messageOf(err)}`, code);
      }
      const mismatch = checkDataplaneTokenBinding(identity, dataplane);
      if (mismatch !== undefined) throw new StreamError(Code.PermissionDenied, `authentication failed: ${mismatch}`, 'ERR_TOKEN_BINDING');
    },
  };
}
