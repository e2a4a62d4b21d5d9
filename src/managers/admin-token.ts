import { KumaError, hasCode, messageOf } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { silentLogger } from '../core/log.js';
import { secretData } from '../core/resources/system-types.js';
import { ADMIN_TOKEN_VALIDITY_MS, ADMIN_USER, ADMIN_USER_TOKEN, GLOBAL_SECRET_TYPE, type UserTokenIssuer } from '../tokens/index.js';
import type { ResourceManager } from './resource-manager.js';
import { retryUntil } from './retry.js';

export interface AdminTokenBootstrapOptions {
  logger?: Logger;
  /** Retry issuing while the user signing key does not exist yet (Kuma: every 1 s for 10 min). */
  retryIntervalMs?: number;
  maxRetryMs?: number;
  signal?: AbortSignal;
}

/**
 * Kuma's admin token bootstrap (leader only): if GlobalSecret `admin-user-token` is missing, issue a
 * 10-year user token for `mesh-system:admin` / `[mesh-system:admin]` and store it. An existing secret
 * is never overwritten, also when another instance stores one first. Returns whether it created it.
 */
export async function bootstrapAdminToken(manager: ResourceManager, issuer: UserTokenIssuer, opts: AdminTokenBootstrapOptions = {}): Promise<boolean> {
  const log = (opts.logger ?? silentLogger).child({ component: 'admin-token-bootstrap' });
  const key = { type: GLOBAL_SECRET_TYPE, mesh: '', name: ADMIN_USER_TOKEN };
  try {
    await manager.get(key);
    return false;
  } catch (err) {
    if (!hasCode(err, 'ERR_RESOURCE_NOT_FOUND')) throw new KumaError('ERR_ADMIN_TOKEN_BOOTSTRAP', `could not check if token exist: ${messageOf(err)}`, { cause: err });
  }
  log.info({}, 'Admin User Token not found. Generating.');
  const retry = { intervalMs: opts.retryIntervalMs ?? 1000, maxDurationMs: opts.maxRetryMs ?? 10 * 60 * 1000, logger: log, what: 'generate admin token' };
  const token = await retryUntil(
    () => issuer.issue({ name: ADMIN_USER.name, groups: [...ADMIN_USER.groups] }, ADMIN_TOKEN_VALIDITY_MS),
    opts.signal ? { ...retry, signal: opts.signal } : retry,
  );
  log.info({ globalSecretName: ADMIN_USER_TOKEN }, 'saving generated Admin User Token');
  try {
    await manager.create({ type: GLOBAL_SECRET_TYPE, meta: { name: ADMIN_USER_TOKEN, mesh: '' }, spec: { data: secretData(new TextEncoder().encode(token)) } });
    return true;
  } catch (err) {
    if (hasCode(err, 'ERR_RESOURCE_ALREADY_EXISTS')) return false;
    throw err;
  }
}

export interface AdminTokenHintOptions {
  environment: 'universal' | 'kubernetes';
  /** apiServer.http.port (universal). */
  httpPort: number;
  /** store.kubernetes.systemNamespace (kubernetes). */
  systemNamespace?: string;
  /** apiServer.authn.localhostIsAdmin: the curl only works as admin when it is true. */
  localhostIsAdmin: boolean;
}

/** The log line telling operators how to get the admin token (Kuma's, plus the P-K19 fix). */
export function adminTokenHint(o: AdminTokenHintOptions): string {
  let msg = 'bootstrap of Admin User Token is enabled. ';
  if (o.environment === 'kubernetes') {
    msg += `To extract credentials execute 'kubectl get secret ${ADMIN_USER_TOKEN} -n ${o.systemNamespace ?? 'kuma-system'} --template={{.data.value}} | base64 -d'. `;
  } else {
    const curl = `curl http://localhost:${o.httpPort}/global-secrets/${ADMIN_USER_TOKEN} | jq -r .data | base64 -d`;
    msg += o.localhostIsAdmin
      ? `To extract admin credentials execute '${curl}'. `
      : `To extract admin credentials temporarily set KUMA_API_SERVER_AUTHN_LOCALHOST_IS_ADMIN to true, execute '${curl}' on the control plane machine, then set it back to false. `;
  }
  return (
    msg +
    "You configure kumactl with them 'kumactl config control-planes add --auth-type=tokens --auth-conf token=YOUR_TOKEN'." +
    ' To disable bootstrap of Admin User Token set KUMA_API_SERVER_AUTHN_TOKENS_BOOTSTRAP_ADMIN_TOKEN to false.'
  );
}
