import type { FastifyReply, FastifyRequest } from 'fastify';
import { messageOf } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { UserTokenValidator } from '../tokens/index.js';
import type { AuditLog } from './audit.js';
import { remoteAddressOf, sendProblem } from './context.js';
import { ANONYMOUS, LOCAL_ADMIN, authenticatedUser, type User } from './identity.js';
import { isDirectLoopbackRequest } from './localhost.js';

export interface AuthenticatorOptions {
  localhostIsAdmin: boolean;
  validator: UserTokenValidator;
  /** Paths that skip token authentication (Kuma: the index route and anything under /gui). */
  skipAuth: (path: string) => boolean;
  log: Logger;
  audit: AuditLog;
  /**
   * Changes whenever a GlobalSecret changes (signing keys, revocations): remembered tokens are
   * re-validated after any such change.
   */
  secretsGeneration: () => number;
  /** Wall clock (ms). */
  now?: () => number;
}

/** How long a validated token is taken on trust without re-validation (never past its exp). */
export const TOKEN_TRUST_MS = 1000;
const MAX_REMEMBERED = 10_000;

interface Remembered {
  user: User;
  generation: number;
  until: number;
}

/** `exp` of a JWT whose signature was already verified (ms), or undefined. */
function expiryOf(token: string): number | undefined {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { exp?: unknown };
    return typeof payload.exp === 'number' ? payload.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

const BEARER = 'Bearer ';

/**
 * Kuma's filter chain (spec security §5.2): a direct localhost request is the admin; otherwise an
 * `Authorization: Bearer <user token>` is validated (failure: 401, reason only logged); anything else
 * is anonymous. A bad token on a localhost-admin request is not even looked at, as in Kuma.
 */
export function createAuthenticator(opts: AuthenticatorOptions) {
  const log = opts.log.child({ component: 'api-server-authn' });
  const unauthenticated = {
    status: 401,
    title: 'Invalid authentication data',
    detail: 'Unauthenticated',
  } as const;
  const now = opts.now ?? Date.now;
  // Validation (hash, key lookup, revocation list) is cheap but not free; a client sending the same
  // token on every request pays it once a second, and at once again after any GlobalSecret change.
  const remembered = new Map<string, Remembered>();

  return function authenticate(req: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void): void {
    if (opts.localhostIsAdmin && isDirectLoopbackRequest({ remoteAddress: req.raw.socket.remoteAddress, headers: req.headers })) {
      req.apiUser = LOCAL_ADMIN;
      done();
      return;
    }
    req.apiUser = ANONYMOUS;
    const header = req.headers.authorization;
    if (header === undefined || !header.startsWith(BEARER)) {
      done();
      return;
    }
    const url = req.raw.url ?? '/';
    if (opts.skipAuth(url)) {
      done();
      return;
    }
    const token = header.slice(BEARER.length);
    const hit = remembered.get(token);
    if (hit !== undefined && hit.generation === opts.secretsGeneration() && now() < hit.until) {
      req.apiUser = hit.user;
      done();
      return;
    }
    const generation = opts.secretsGeneration();
    opts.validator.validate(token).then(
      (id) => {
        const user = authenticatedUser(id.name, id.groups);
        req.apiUser = user;
        const until = Math.min(now() + TOKEN_TRUST_MS, expiryOf(token) ?? Number.POSITIVE_INFINITY);
        if (remembered.size >= MAX_REMEMBERED) remembered.clear();
        remembered.set(token, { user, generation, until });
        done();
      },
      (err: unknown) => {
        // The reason helps operators; the client only learns that the token was refused.
        log.info({ reason: messageOf(err), remoteAddress: remoteAddressOf(req), method: req.method, url: url.split('?')[0] }, 'user token rejected');
        opts.audit.record({ user: ANONYMOUS, action: 'authenticate', remoteAddress: remoteAddressOf(req), outcome: 'denied', status: 401, details: { method: req.method, path: url.split('?')[0], reason: messageOf(err) } });
        sendProblem(reply, unauthenticated);
      },
    );
  };
}
