/**
 * The long-lived config stream (proto kuma.dp.v1.ConfigService/Stream): subscribe to the Dataplane
 * kind and whatever else the handler asks for, hand every response to the handler in order and ACK
 * or NACK it as the handler says, reconnect with jittered exponential backoff (1 s base, 30 s cap)
 * when the connection drops, re-reading the token each time. Ends with an AgentError on statuses a
 * reconnect cannot fix, and returns when `signal` aborts.
 */
import type { MessageInitShape } from '@bufbuild/protobuf';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import type { ConnectionOptions } from 'node:tls';
import type { Logger } from '../../core/log.js';
import { VERSION } from '../../core/version.js';
import { ConfigService, ResourceKind, type DiscoveryRequestSchema, type DiscoveryResponse } from '../../gen/kuma/dp/v1/config_stream_pb.js';
import { explainTlsClientError } from '../../tls/client-errors.js';
import { reconnectDelayMs, sleep } from './backoff.js';
import { AgentError } from './errors.js';
import { RequestQueue } from './request-queue.js';

export interface StreamParams {
  host: string;
  port: number;
  tls: ConnectionOptions;
  nodeId: string;
  dataplaneJson: string;
  /** Called before every connect; re-reads the token file. undefined = no token (authn type none). */
  loadToken: () => Promise<string | undefined>;
  backoff?: { baseMs: number; capMs: number };
  /** How long a token that cannot be read or is malformed is re-read before giving up (default 30 s). */
  tokenGraceMs?: number;
}

export type StreamRequest = MessageInitShape<typeof DiscoveryRequestSchema>;

/** What the stream's responses are for. */
export interface ConfigHandler {
  /** Requests sent after the first one on every (re)connect: the subscriptions to the other kinds. */
  subscriptions(): StreamRequest[];
  /** Applies one response (one at a time, in order): undefined to ACK it, a problem text to NACK it. */
  apply(response: DiscoveryResponse): Promise<string | undefined>;
}

const FATAL: ReadonlyMap<Code, string> = new Map([
  [Code.Unauthenticated, 'the control plane refused the dataplane token'],
  [Code.PermissionDenied, 'the dataplane token is not valid for this Dataplane'],
  [Code.InvalidArgument, 'the control plane refused this proxy\'s request'],
  [Code.NotFound, 'the Dataplane or its Mesh does not exist on the control plane'],
]);

/** TLS verification failures (wrong CA, hostname) are not fixed by reconnecting. */
const TLS_FATAL = /^(UNABLE_TO_|SELF_SIGNED|DEPTH_ZERO|CERT_|ERR_TLS_CERT_ALTNAME)/;

function rootCause(err: unknown): unknown {
  let e = err;
  for (let i = 0; i < 5 && e instanceof Error && e.cause !== undefined; i++) e = e.cause;
  return e;
}

export class ConfigStreamClient {
  connected = false;
  /** The request queue of the current connection. */
  private queue: RequestQueue | undefined;
  /** Per kind, the version last accepted (kept across reconnects: a NACK names it). */
  private readonly accepted = new Map<ResourceKind, string>();

  constructor(
    private readonly p: StreamParams,
    private readonly logger: Logger,
    private readonly handler: ConfigHandler,
  ) {}

  /** Sends a request on the current connection; false when there is none (subscriptions() covers the next one). */
  send(request: StreamRequest): boolean {
    if (this.queue === undefined || !this.connected) return false;
    this.queue.pushRequest(request);
    return true;
  }

  /** Runs until `signal` aborts (resolves) or a fatal status (throws AgentError). */
  async run(signal: AbortSignal): Promise<void> {
    const backoff = this.p.backoff ?? { baseMs: 1000, capMs: 30_000 };
    let attempt = 0;
    while (!signal.aborted) {
      const token = await this.readToken(signal);
      if (signal.aborted) return;
      const got = { any: false };
      const err = await this.once(token, signal, got);
      this.connected = false;
      this.queue = undefined;
      if (signal.aborted) return;
      if (got.any) attempt = 0;
      if (err !== undefined) this.throwIfFatal(err);
      const delay = reconnectDelayMs(attempt++, backoff.baseMs, backoff.capMs);
      this.logger.warn({ reason: err === undefined ? 'stream ended' : err.rawMessage, code: err === undefined ? undefined : Code[err.code], retryInMs: Math.round(delay) }, 'config stream closed, reconnecting');
      if (!(await sleep(delay, signal))) return;
    }
  }

  /**
   * The token for the next connect. A token file is often rewritten in place by whatever rotates it,
   * so a read that finds it missing, empty or half-written is retried for a while before it is fatal.
   */
  private async readToken(signal: AbortSignal): Promise<string | undefined> {
    const deadline = Date.now() + (this.p.tokenGraceMs ?? 30_000);
    for (;;) {
      try {
        return await this.p.loadToken();
      } catch (err) {
        if (!(err instanceof AgentError) || Date.now() >= deadline) throw err;
        this.logger.warn({ reason: err.message }, 'could not load the dataplane token; trying again (it may be being rewritten)');
        if (!(await sleep(500, signal))) return undefined;
      }
    }
  }

  private throwIfFatal(err: ConnectError): void {
    const reason = FATAL.get(err.code);
    if (reason !== undefined) throw new AgentError(`ERR_DP_STREAM_${Code[err.code].toUpperCase()}`, `${reason}: ${err.rawMessage}`);
    if (err.code === Code.Aborted) {
      throw new AgentError('ERR_DP_STREAM_REPLACED', `another kuma-dp took over Dataplane ${this.p.nodeId} on this control plane (${err.rawMessage}); this one stops, the newer one keeps running`);
    }
    const cause = rootCause(err);
    const code = String((cause as NodeJS.ErrnoException | undefined)?.code ?? '');
    if (TLS_FATAL.test(code)) {
      throw new AgentError('ERR_DP_STREAM_TLS', explainTlsClientError(cause, { host: this.p.host, port: this.p.port }), { cause });
    }
  }

  /** One stream; resolves with its final error (undefined when it ended cleanly). */
  private async once(token: string | undefined, signal: AbortSignal, got: { any: boolean }): Promise<ConnectError | undefined> {
    const host = this.p.host.includes(':') ? `[${this.p.host}]` : this.p.host;
    const transport = createGrpcTransport({ baseUrl: `https://${host}:${this.p.port}`, nodeOptions: { ...this.p.tls } });
    const client = createClient(ConfigService, transport);
    const queue = new RequestQueue();
    const local = new AbortController();
    const onAbort = (): void => local.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    queue.pushRequest({
      nodeId: this.p.nodeId,
      kind: ResourceKind.DATAPLANE,
      versionInfo: this.accepted.get(ResourceKind.DATAPLANE) ?? '',
      node: { dataplaneJson: this.p.dataplaneJson, proxyType: 'dataplane', version: { kumaDp: { version: VERSION, gitTag: `v${VERSION}` } } },
    });
    for (const r of this.handler.subscriptions()) queue.pushRequest({ ...r, versionInfo: this.accepted.get(r.kind ?? ResourceKind.UNSPECIFIED) ?? '' });
    this.queue = queue;
    try {
      const headers: Record<string, string> = token === undefined ? {} : { authorization: token };
      for await (const r of client.stream(queue, { headers, signal: local.signal })) {
        if (!got.any) {
          got.any = true;
          this.connected = true;
          this.logger.info({ nodeId: this.p.nodeId }, 'config stream established');
        }
        const problem = await this.handler.apply(r);
        if (problem !== undefined) {
          const message = problem.slice(0, 4096);
          queue.pushRequest({ kind: r.kind, versionInfo: this.accepted.get(r.kind) ?? '', responseNonce: r.nonce, errorDetail: { code: Code.InvalidArgument, message } });
          this.logger.warn({ kind: ResourceKind[r.kind], version: r.versionInfo, problem: message }, 'rejected config (NACK)');
          continue;
        }
        this.accepted.set(r.kind, r.versionInfo);
        queue.pushRequest({ kind: r.kind, versionInfo: r.versionInfo, responseNonce: r.nonce });
        this.logger.info({ kind: ResourceKind[r.kind], version: r.versionInfo }, 'config received (ACK)');
      }
      return undefined;
    } catch (err) {
      return ConnectError.from(err);
    } finally {
      queue.end();
      signal.removeEventListener('abort', onAbort);
      local.abort();
    }
  }
}
