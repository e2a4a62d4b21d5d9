import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { arch, platform } from 'node:os';
import { formatGoDuration } from '../../../core/duration.js';
import { KumaError, messageOf } from '../../../core/errors.js';
import { IMPLEMENTATION, PRODUCT, VERSION } from '../../../core/version.js';
import { buildClientTlsOptions, type ClientTlsOptions, type ClientTlsSettings } from '../../../tls/client-options.js';
import type { ApiServerCoordinates } from '../config/config-model.js';
import { ApiError, parseStdError } from './api-errors.js';
import { explainConnectionError } from './connection-errors.js';

/** The only authentication plugin Kuma ships: `tokens` (a user token as a bearer token). */
export const TOKEN_AUTH_TYPE = 'tokens';
export const TOKEN_AUTH_KEY = 'token';

/** A request that got no HTTP answer (connection, TLS, timeout). */
export class RequestError extends KumaError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_KUMACTL_REQUEST', message, options);
  }
}

export interface ApiClientOptions {
  coordinates: ApiServerCoordinates;
  /** Whole-request timeout (connect, headers, body); 0 means none, as Go's http.Client.Timeout. */
  timeoutMs: number;
  /** Add the authentication plugin's header (off for Kuma's connectivity check of `add`). */
  withAuth?: boolean;
  /** Debug lines (`--log-level debug`). */
  debug?: (line: string) => void;
}

export interface ApiResponse {
  status: number;
  contentType: string;
  body: string;
}

export interface RequestOptions {
  query?: Record<string, string | string[] | undefined>;
  body?: unknown;
  /** Extra headers for this request only. */
  headers?: Record<string, string>;
}

const MAX_BODY_BYTES = 64 * 1024 * 1024;

export const USER_AGENT = `kumactl/${VERSION} (${platform()}; ${arch()}; ${PRODUCT}/${IMPLEMENTATION})`;

function goMethod(method: string): string {
  return method.charAt(0) + method.slice(1).toLowerCase();
}

/**
 * A client of one control plane's API server: one keep-alive agent (HTTP or HTTPS with the
 * coordinates' TLS settings), the configured headers, the bearer token of the `tokens` auth type,
 * and the `--api-timeout` deadline. Call close() when done so idle sockets do not hold the process.
 */
export class ApiClient {
  private constructor(
    readonly baseUrl: URL,
    private readonly agent: HttpAgent | HttpsAgent,
    private readonly headers: Record<string, string>,
    private readonly tlsSettings: ClientTlsSettings | undefined,
    private readonly opts: ApiClientOptions,
  ) {}

  static async create(opts: ApiClientOptions): Promise<ApiClient> {
    const c = opts.coordinates;
    let baseUrl: URL;
    try {
      baseUrl = new URL(c.url);
    } catch (err) {
      throw new RequestError(`Failed to parse API Server URL: ${messageOf(err)}`);
    }
    if (baseUrl.protocol !== 'http:' && baseUrl.protocol !== 'https:') {
      throw new RequestError(`unsupported protocol scheme "${baseUrl.protocol.replace(/:$/, '')}" in API Server URL ${JSON.stringify(c.url)}: use http:// or https://`);
    }
    const headers: Record<string, string> = { 'user-agent': USER_AGENT };
    for (const h of c.headers) headers[h.key.toLowerCase()] = h.value;
    if (opts.withAuth !== false && c.authType !== '') {
      if (c.authType !== TOKEN_AUTH_TYPE) throw new RequestError(`authentication plugin of type "${c.authType}" not found`);
      headers['authorization'] = `Bearer ${c.authConf[TOKEN_AUTH_KEY] ?? ''}`;
    }
    if (baseUrl.protocol === 'http:') return new ApiClient(baseUrl, new HttpAgent({ keepAlive: true }), headers, undefined, opts);
    const settings: ClientTlsSettings = { caFile: c.caCertFile, skipVerify: c.skipVerify, clientCertFile: c.clientCertFile, clientKeyFile: c.clientKeyFile };
    let tls: ClientTlsOptions;
    try {
      tls = await buildClientTlsOptions(settings);
    } catch (err) {
      throw new RequestError(`could not configure HTTP client with TLS: ${messageOf(err)}`, { cause: err });
    }
    return new ApiClient(baseUrl, new HttpsAgent({ keepAlive: true, ...tls }), headers, settings, opts);
  }

  /** The absolute URL of an API path (the base URL's own path is a prefix, as Go's path.Join does). */
  urlOf(path: string, query?: RequestOptions['query']): URL {
    const url = new URL(this.baseUrl.href);
    url.pathname = `${this.baseUrl.pathname.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
    url.search = '';
    for (const [k, v] of Object.entries(query ?? {})) {
      for (const item of Array.isArray(v) ? v : v === undefined ? [] : [v]) url.searchParams.append(k, item);
    }
    return url;
  }

  async request(method: string, path: string, opts: RequestOptions = {}): Promise<ApiResponse> {
    const url = this.urlOf(path, opts.query);
    const headers: Record<string, string> = { ...this.headers, accept: 'application/json', ...opts.headers };
    let payload: Buffer | undefined;
    if (opts.body !== undefined) {
      payload = Buffer.from(typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body));
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(payload.length);
    }
    this.opts.debug?.(`doing request to control-plane method=${method} url=${url.href}`);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<ApiResponse>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const fail = (err: unknown): void => {
        if (timer) clearTimeout(timer);
        reject(err instanceof KumaError ? err : new RequestError(`${goMethod(method)} "${url.href}": ${explainConnectionError(err, { url, tls: this.tlsSettings })}`, { cause: err }));
      };
      const req = send(url, { method, headers, agent: this.agent }, (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_BODY_BYTES) req.destroy(new RequestError(`${goMethod(method)} "${url.href}": the answer is larger than ${MAX_BODY_BYTES} bytes`));
          else chunks.push(c);
        });
        res.on('error', fail);
        res.on('end', () => {
          if (timer) clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8') });
        });
      });
      req.on('error', fail);
      if (this.opts.timeoutMs > 0) {
        timer = setTimeout(() => {
          req.destroy(
            new RequestError(
              `${goMethod(method)} "${url.href}": no complete answer within ${formatGoDuration(this.opts.timeoutMs)} ` +
                '(Client.Timeout exceeded while awaiting headers); check that the control plane is healthy or raise --api-timeout',
            ),
          );
        }, this.opts.timeoutMs);
      }
      req.end(payload);
    });
  }

  /** A request whose answer must be `okStatus`es; anything else becomes an ApiError (std-errors aware). */
  async expect(method: string, path: string, okStatuses: readonly number[], opts: RequestOptions = {}): Promise<ApiResponse> {
    const res = await this.request(method, path, opts);
    if (!okStatuses.includes(res.status)) throw new ApiError(res.status, res.body, res.status >= 400 ? parseStdError(res.body) : undefined);
    return res;
  }

  close(): void {
    this.agent.destroy();
  }
}
