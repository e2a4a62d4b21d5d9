/**
 * `POST /bootstrap` with Kuma's retry rules (spec mtls-dp §2.5): 404 with an empty body (Dataplane
 * not created yet), 5xx and connection failures are retried with a constant backoff up to a total
 * duration; everything that retrying cannot fix fails at once (pain point P-K4: Kuma loops on a wrong
 * CA, a hostname mismatch, and on the API port; 400/422 fail at once in both). Final errors carry
 * Kuma's texts (`Failed to fetch Envoy bootstrap config. ...`, `Invalid request: ...`, the
 * Dataplane-not-found text) so they can be searched for.
 */
import { request } from 'node:https';
import type { ConnectionOptions } from 'node:tls';
import { fromJson } from '@bufbuild/protobuf';
import type { Logger } from '../../core/log.js';
import { BootstrapResponseSchema, type BootstrapResponse } from '../../gen/kuma/dp/v1/config_stream_pb.js';
import type { ClientTlsSettings } from '../../tls/client-options.js';
import { explainTlsClientError } from '../../tls/client-errors.js';
import { sleep } from './backoff.js';
import { bootstrapRequestJson, type BootstrapRequestInput } from './bootstrap-request.js';
import { AgentError } from './errors.js';

export interface BootstrapParams {
  cpAddress: URL;
  tls: ConnectionOptions;
  tlsSettings: ClientTlsSettings;
  /** What goes into the request body. */
  request: BootstrapRequestInput;
  retryBackoffMs: number;
  retryMaxDurationMs: number;
  timeoutMs?: number;
}

const API_PORT_HINT = 'this looks like the API server port (5681/5682); the DP server listens on 5678: point --cp-address at the DP server port';

/** Kuma's DpNotFoundErr, word for word. */
export const DP_NOT_FOUND_TEXT =
  'Dataplane entity not found. If you are running on Universal please create a Dataplane entity on kuma-cp before starting kuma-dp or pass it to kuma-dp run --dataplane-file=/file. If you are running on Kubernetes, please check the kuma-cp logs to determine why the Dataplane entity could not be created by the automatic sidecar injection.';

/** Kuma's text for go-restful's 404, i.e. the API server port. */
export const NO_BOOTSTRAP_ENDPOINT_TEXT =
  'There is no /bootstrap endpoint for provided CP address. Double check if the address passed to the CP has a DP Server port (5678 by default), not HTTP API (5681 by default)';

/** How kuma-dp's run command prefixes a bootstrap that failed for good. */
export const FETCH_FAILED_PREFIX = 'Failed to fetch Envoy bootstrap config. ';

/** Errors a retry can fix: nothing listening yet, connection dropped, timeouts, DNS hiccups. */
const TRANSIENT = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'EPIPE', 'ERR_DP_BOOTSTRAP_TIMEOUT']);

class Retryable extends Error {
  /** What the final error says when the retries run out (the message itself goes to the log). */
  constructor(
    message: string,
    readonly finalText: string = message,
  ) {
    super(message);
  }
}

interface HttpAnswer {
  status: number;
  body: string;
}

function post(p: BootstrapParams, body: string): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL('/bootstrap', p.cpAddress),
      { method: 'POST', agent: false, ...p.tls, headers: { 'content-type': 'application/json', accept: 'application/json' }, timeout: p.timeoutMs ?? 10_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('bootstrap request timed out'), { code: 'ERR_DP_BOOTSTRAP_TIMEOUT' })));
    req.on('error', reject);
    req.end(body);
  });
}

function classifyTransport(err: unknown, p: BootstrapParams): Error {
  const code = String((err as NodeJS.ErrnoException).code ?? '');
  const ctx = { host: p.cpAddress.hostname.replace(/^\[|\]$/g, ''), port: p.cpAddress.port || 443, settings: p.tlsSettings };
  const explained = explainTlsClientError(err, ctx);
  if (TRANSIENT.has(code)) return new Retryable(explained);
  if (/wrong version number|packet length too long|http request/i.test(String((err as Error).message))) {
    return new AgentError('ERR_DP_BOOTSTRAP_API_PORT', `${FETCH_FAILED_PREFIX}${explained}; ${API_PORT_HINT}`, { cause: err });
  }
  return new AgentError('ERR_DP_BOOTSTRAP_TLS', `${FETCH_FAILED_PREFIX}${explained}`, { cause: err });
}

function classifyAnswer(a: HttpAnswer, p: BootstrapParams): BootstrapResponse | Error {
  if (a.status === 200) {
    try {
      return fromJson(BootstrapResponseSchema, JSON.parse(a.body), { ignoreUnknownFields: true });
    } catch (err) {
      return new AgentError('ERR_DP_BOOTSTRAP_RESPONSE', `${FETCH_FAILED_PREFIX}the /bootstrap answer is not what a kuma-ts DP server sends (${(err as Error).message}); is --cp-address pointing at a kuma-ts control plane?`);
    }
  }
  const text = a.body.trim();
  const id = `${JSON.stringify(p.request.mesh)}/${JSON.stringify(p.request.name)}`;
  if (a.status === 404) {
    if (a.body === '') {
      return new Retryable(
        `Dataplane entity is not yet found in the Control Plane (mesh/name ${id}): create it with kumactl apply, or pass its definition with --dataplane-file. Retrying.`,
        `${DP_NOT_FOUND_TEXT} (looked for mesh/name ${id})`,
      );
    }
    // Kuma retries this one; nothing changes the port while we wait, so fail now (pain point P-K4).
    return new AgentError('ERR_DP_BOOTSTRAP_API_PORT', `${FETCH_FAILED_PREFIX}${NO_BOOTSTRAP_ENDPOINT_TEXT} (HTTP 404 from ${p.cpAddress.origin}: ${text.slice(0, 200)}); ${API_PORT_HINT}`);
  }
  if (a.status >= 500) return new Retryable(`unexpected status code: ${a.status}${text === '' ? '' : `: ${text.slice(0, 500)}`}`);
  // Kuma's "Invalid request: <body>": never retried, the request itself has to change.
  return new AgentError('ERR_DP_BOOTSTRAP_REJECTED', `${FETCH_FAILED_PREFIX}Invalid request: ${a.body} (HTTP ${a.status} from /bootstrap)`);
}

/** Bootstraps, retrying where a retry can help; throws AgentError when it cannot succeed. */
export async function fetchBootstrap(p: BootstrapParams, logger: Logger, signal: AbortSignal): Promise<BootstrapResponse> {
  const body = bootstrapRequestJson(p.request);
  const deadline = Date.now() + p.retryMaxDurationMs;
  for (let attempt = 1; ; attempt++) {
    let outcome: BootstrapResponse | Error;
    try {
      outcome = classifyAnswer(await post(p, body), p);
    } catch (err) {
      outcome = classifyTransport(err, p);
    }
    if (!(outcome instanceof Error)) return outcome;
    if (!(outcome instanceof Retryable)) throw outcome;
    // Kuma's retry.WithMaxDuration: wait the backoff, or what is left of the max duration if less,
    // and give up once nothing is left.
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new AgentError('ERR_DP_BOOTSTRAP_GAVE_UP', `${FETCH_FAILED_PREFIX}${outcome.finalText} (gave up after ${attempt} attempt(s))`);
    }
    const wait = Math.min(p.retryBackoffMs, left);
    logger.info({ attempt, reason: outcome.message, retryInMs: wait }, 'bootstrap failed, retrying');
    if (!(await sleep(wait, signal))) throw new AgentError('ERR_DP_STOPPED', 'stopped before bootstrap completed');
  }
}
