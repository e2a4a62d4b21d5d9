/**
 * `POST /bootstrap` with Kuma's retry rules (spec mtls-dp §2.5): 404 with an empty body (Dataplane
 * not created yet), 5xx and connection failures are retried with a constant backoff up to a total
 * duration; everything that retrying cannot fix fails at once (pain point P-K4: Kuma loops on a wrong
 * CA, a hostname mismatch, a 400/422, and on the API port).
 */
import { request } from 'node:https';
import type { ConnectionOptions } from 'node:tls';
import { fromJson } from '@bufbuild/protobuf';
import { VERSION } from '../../core/version.js';
import type { Logger } from '../../core/log.js';
import { BootstrapResponseSchema, type BootstrapResponse } from '../../gen/kuma/dp/v1/config_stream_pb.js';
import type { ClientTlsSettings } from '../../tls/client-options.js';
import { explainTlsClientError } from '../../tls/client-errors.js';
import { sleep } from './backoff.js';
import { AgentError } from './errors.js';

export interface BootstrapParams {
  cpAddress: URL;
  tls: ConnectionOptions;
  tlsSettings: ClientTlsSettings;
  mesh: string;
  name: string;
  token: string | undefined;
  tokenPath: string;
  dataplaneJson: string;
  caCertPem: string;
  retryBackoffMs: number;
  retryMaxDurationMs: number;
  timeoutMs?: number;
}

const API_PORT_HINT = 'this looks like the API server port (5681/5682); the DP server listens on 5678: point --cp-address at the DP server port';

/** Errors a retry can fix: nothing listening yet, connection dropped, timeouts, DNS hiccups. */
const TRANSIENT = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'EPIPE', 'ERR_DP_BOOTSTRAP_TIMEOUT']);

class Retryable extends Error {}

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
    return new AgentError('ERR_DP_BOOTSTRAP_API_PORT', `${explained}; ${API_PORT_HINT}`, { cause: err });
  }
  return new AgentError('ERR_DP_BOOTSTRAP_TLS', explained, { cause: err });
}

function classifyAnswer(a: HttpAnswer, p: BootstrapParams): BootstrapResponse | Error {
  if (a.status === 200) {
    try {
      return fromJson(BootstrapResponseSchema, JSON.parse(a.body), { ignoreUnknownFields: true });
    } catch (err) {
      return new AgentError('ERR_DP_BOOTSTRAP_RESPONSE', `the /bootstrap answer is not what a kuma-ts DP server sends (${(err as Error).message}); is --cp-address pointing at a kuma-ts control plane?`);
    }
  }
  const text = a.body.trim();
  if (a.status === 404) {
    if (text === '') {
      return new Retryable(`Dataplane entity is not yet found: create the Dataplane ${p.mesh}.${p.name} on the control plane (kumactl apply) or pass its definition with --dataplane-file`);
    }
    return new AgentError('ERR_DP_BOOTSTRAP_API_PORT', `there is no /bootstrap endpoint at ${p.cpAddress.origin} (HTTP 404: ${text.slice(0, 200)}); ${API_PORT_HINT}`);
  }
  if (a.status >= 500) return new Retryable(`unexpected status code: ${a.status}${text === '' ? '' : `: ${text.slice(0, 500)}`}`);
  return new AgentError('ERR_DP_BOOTSTRAP_REJECTED', `the control plane rejected the bootstrap request (HTTP ${a.status}): ${text === '' ? '(empty body)' : text}`);
}

/** Bootstraps, retrying where a retry can help; throws AgentError when it cannot succeed. */
export async function fetchBootstrap(p: BootstrapParams, logger: Logger, signal: AbortSignal): Promise<BootstrapResponse> {
  const body = JSON.stringify({
    mesh: p.mesh,
    name: p.name,
    proxyType: 'dataplane',
    dataplaneToken: p.token ?? '',
    dataplaneTokenPath: p.tokenPath,
    dataplaneResource: p.dataplaneJson,
    caCert: p.caCertPem,
    version: { kumaDp: { version: VERSION, gitTag: `v${VERSION}`, gitCommit: '', buildDate: '' } },
  });
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
    if (Date.now() + p.retryBackoffMs > deadline) {
      throw new AgentError('ERR_DP_BOOTSTRAP_GAVE_UP', `Failed to fetch the bootstrap config after ${attempt} attempts: ${outcome.message}`);
    }
    logger.info({ attempt, reason: outcome.message, retryInMs: p.retryBackoffMs }, 'bootstrap failed, retrying');
    if (!(await sleep(p.retryBackoffMs, signal))) throw new AgentError('ERR_DP_STOPPED', 'stopped before bootstrap completed');
  }
}
