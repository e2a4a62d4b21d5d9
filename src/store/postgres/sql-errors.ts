import pg from 'pg';
import { StoreUnavailableError } from '../errors.js';

// Classifies node-postgres failures by structure (SQLSTATE codes, errno codes, error classes), never
// by message text, which the server translates (lc_messages) and drivers reword between versions.

/** SQLSTATE codes the store reacts to (https://www.postgresql.org/docs/current/errcodes-appendix.html). */
export const SQLSTATE = {
  uniqueViolation: '23505',
  foreignKeyViolation: '23503',
  stringDataRightTruncation: '22001',
  untranslatableCharacter: '22P05',
  characterNotInRepertoire: '22021',
  invalidTextRepresentation: '22P02',
  serializationFailure: '40001',
  deadlockDetected: '40P01',
  undefinedTable: '42P01',
  adminShutdown: '57P01',
  crashShutdown: '57P02',
  cannotConnectNow: '57P03',
  tooManyConnections: '53300',
} as const;

/** Server answers that mean "this connection is gone or was never allowed", not "this statement is wrong". */
const CONNECTION_SQLSTATES: ReadonlySet<string> = new Set([
  SQLSTATE.adminShutdown,
  SQLSTATE.crashShutdown,
  SQLSTATE.cannotConnectNow,
  SQLSTATE.tooManyConnections,
]);

/** Socket-level failures (Node errno codes). */
const CONNECTION_ERRNOS: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** The SQLSTATE of an error the server sent, or undefined for anything else. */
export function sqlStateOf(err: unknown): string | undefined {
  if (err instanceof pg.DatabaseError && typeof err.code === 'string') return err.code;
  return undefined;
}

function errnoOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** The error itself, its `cause` chain and the members of AggregateErrors (happy-eyeballs dialing). */
function chainOf(err: unknown): unknown[] {
  const out: unknown[] = [];
  const queue: unknown[] = [err];
  while (queue.length > 0 && out.length < 10) {
    const cur = queue.shift();
    if (typeof cur !== 'object' || cur === null) continue;
    out.push(cur);
    const { cause, errors } = cur as { cause?: unknown; errors?: unknown };
    if (cause !== undefined) queue.push(cause);
    if (Array.isArray(errors)) queue.push(...errors);
  }
  return out;
}

/**
 * True when a statement failed because the connection did: the server shut the session down or
 * refused it (class 08, 57P01-57P03, 53300), the socket broke (ECONNREFUSED, ECONNRESET, ETIMEDOUT, ...),
 * TLS broke mid-stream, or node-postgres reported a lost or timed-out connection. node-postgres raises
 * the last kind as plain `Error`s without any code, so a code-less plain Error from a pg call counts.
 * Only pass errors thrown by pg calls: a plain Error from elsewhere would be misread.
 */
export function isConnectionError(err: unknown): boolean {
  for (const e of chainOf(err)) {
    const state = sqlStateOf(e);
    if (state !== undefined) {
      if (state.startsWith('08') || CONNECTION_SQLSTATES.has(state)) return true;
      continue;
    }
    const code = errnoOf(e);
    if (code !== undefined && (CONNECTION_ERRNOS.has(code) || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || code === 'EPROTO')) return true;
  }
  return err instanceof Error && err.constructor === Error && errnoOf(err) === undefined && !(err instanceof pg.DatabaseError);
}

/** Deadlocks and serialization failures: the server rolled the statement back; running it again is safe. */
export function isRetryableConflict(err: unknown): boolean {
  const state = sqlStateOf(err);
  return state === SQLSTATE.serializationFailure || state === SQLSTATE.deadlockDetected;
}

/** Replaces every occurrence of each secret (e.g. the configured password) with `*****`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length > 0) out = out.split(s).join('*****');
  return out;
}

/** One line saying why the database could not be used, with the SQLSTATE or errno when there is one. */
export function describeFailure(err: unknown, secrets: readonly string[] = []): string {
  const chain = chainOf(err);
  const db = chain.find((e) => sqlStateOf(e) !== undefined);
  const withCode = chain.find((e) => errnoOf(e) !== undefined);
  const msgOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));
  let text: string;
  if (db !== undefined) text = `${msgOf(db)} (SQLSTATE ${sqlStateOf(db) ?? ''})`;
  else if (withCode !== undefined) text = `${msgOf(withCode)} (${errnoOf(withCode) ?? ''})`;
  else if (chain.length > 1) text = chain.map(msgOf).filter((m) => m !== '').join(': ');
  else text = msgOf(err);
  return redact(text.trim() === '' ? 'unknown connection failure' : text, secrets);
}

/** A StoreUnavailableError explaining `err`, with `secrets` blanked out of the reason. */
export function storeUnavailable(err: unknown, secrets: readonly string[] = []): StoreUnavailableError {
  const reason = describeFailure(err, secrets);
  // Should a driver ever echo a secret, the raw error must not travel along as the cause either.
  const leaked = reason !== describeFailure(err);
  return new StoreUnavailableError(reason, leaked ? undefined : { cause: err });
}
