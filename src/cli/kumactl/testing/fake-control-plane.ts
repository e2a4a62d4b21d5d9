/**
 * Test peer for kumactl: a small real HTTP(S) server on port 0 that answers the API server's JSON
 * shapes (index, who-am-i, resource CRUD with pagination, token endpoints, std-errors). It stores
 * resources through the core envelope functions so bodies look like the real server's. Used only by
 * tests; end-to-end tests against src/api-server replace it where they can.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type ServerOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import { parse as parseYaml } from 'yaml';
import type { ResourceTypeDescriptor } from '../../../core/resources/descriptor.js';
import { fromEnvelope, toEnvelope } from '../../../core/resources/envelope.js';
import type { JsonObject } from '../../../core/resources/json.js';
import { builtinRegistry } from '../../../core/resources/registry.js';
import type { Resource } from '../../../core/resources/resource.js';
import { PRODUCT, VERSION } from '../../../core/version.js';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface FakeControlPlaneOptions {
  /** HTTPS with these options instead of plain HTTP. */
  tls?: ServerOptions;
  /** Answer to `GET /` (defaults: our product and version). */
  index?: Record<string, unknown>;
  /** token → identity; a Bearer token not in the map gets 401. No token: anonymous. */
  users?: Record<string, { name: string; groups: string[] }>;
  /** Handles a request before the built-in routes; return true when it answered. */
  intercept?: (req: IncomingMessage, res: ServerResponse, body: string) => boolean | Promise<boolean>;
}

export function stdError(status: number, title: string, detail: string, params: { field: string; reason: string }[] = []): JsonObject {
  const body: JsonObject = { type: '/std-errors', status, title, detail };
  if (params.length > 0) body['invalid_parameters'] = params.map((p) => ({ field: p.field, reason: p.reason }));
  body['details'] = detail;
  if (params.length > 0) body['causes'] = params.map((p) => ({ field: p.field, message: p.reason }));
  return body;
}

function send(res: ServerResponse, status: number, body: unknown, contentType = 'application/json'): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const keyOf = (type: string, mesh: string, name: string): string => `${type}/${mesh}/${name}`;

export class FakeControlPlane {
  readonly requests: RecordedRequest[] = [];
  readonly resources = new Map<string, Resource>();
  private server!: Server;
  url = '';

  constructor(private readonly opts: FakeControlPlaneOptions = {}) {}

  async start(): Promise<this> {
    const handler = (req: IncomingMessage, res: ServerResponse): void => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        this.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
        void this.handle(req, res, body).catch((err: unknown) => send(res, 500, stdError(500, 'Internal', String(err))));
      });
    };
    this.server = this.opts.tls ? createHttpsServer(this.opts.tls, handler) : createHttpServer(handler);
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const port = (this.server.address() as AddressInfo).port;
    this.url = `${this.opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Stores resources given as YAML documents (times kept when given, else zero time). */
  seed(yamlText: string): void {
    for (const doc of yamlText.split(/^---$/m)) {
      const value = parseYaml(doc) as JsonObject | null;
      if (!value) continue;
      const parsed = fromEnvelope(builtinRegistry, value);
      const t = (k: string): Date => new Date(typeof value[k] === 'string' ? (value[k] as string) : '0001-01-01T00:00:00Z');
      const mesh = parsed.descriptor.scope === 'mesh' ? parsed.mesh : '';
      const r: Resource = {
        type: parsed.descriptor.name,
        meta: { name: parsed.name, mesh, version: '1', creationTime: t('creationTime'), modificationTime: t('modificationTime'), labels: parsed.labels },
        spec: parsed.spec,
      };
      this.resources.set(keyOf(r.type, mesh, r.meta.name), r);
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
    if (this.opts.intercept && (await this.opts.intercept(req, res, body))) return;
    const url = new URL(req.url ?? '/', 'http://x');
    const parts = url.pathname.split('/').filter((p) => p !== '').map(decodeURIComponent);
    const method = req.method ?? 'GET';
    if (parts.length === 0) return send(res, 200, { hostname: 'fake', product: PRODUCT, version: VERSION, instanceId: 'fake-1', clusterId: 'c', gui: '/gui', ...this.opts.index });
    if (parts[0] === 'who-am-i') return this.whoAmI(req, res);
    if (parts[0] === 'tokens' && method === 'POST') return send(res, 200, `token:${parts[1] ?? ''}:${body}`, 'text/plain');
    // /meshes/{mesh}/{plural}[/{name}] or /{plural}[/{name}]
    let mesh = '';
    let rest = parts;
    if (parts[0] === 'meshes' && parts.length >= 3) {
      mesh = parts[1] ?? '';
      rest = parts.slice(2);
    }
    const desc = builtinRegistry.findByPath(rest[0] ?? '');
    if (!desc || rest.length > 2) return send(res, 404, 'Page Not Found', 'text/plain');
    const name = rest[1];
    if (name === undefined) return method === 'GET' ? this.list(res, url, desc, mesh) : send(res, 405, 'Method Not Allowed', 'text/plain');
    const key = keyOf(desc.name, desc.scope === 'mesh' ? mesh : '', name);
    const existing = this.resources.get(key);
    switch (method) {
      case 'GET':
        return existing ? send(res, 200, toEnvelope(desc, existing)) : send(res, 404, stdError(404, 'Could not retrieve a resource', 'Not found'));
      case 'DELETE':
        if (!existing) return send(res, 404, stdError(404, 'Could not delete a resource', 'Not found'));
        this.resources.delete(key);
        return send(res, 200, {});
      case 'PUT': {
        const parsed = fromEnvelope(builtinRegistry, JSON.parse(body), desc.name);
        const now = new Date();
        const r: Resource = {
          type: desc.name,
          meta: { name, mesh: desc.scope === 'mesh' ? mesh : '', version: '1', creationTime: existing?.meta.creationTime ?? now, modificationTime: now, labels: parsed.labels },
          spec: parsed.spec,
        };
        this.resources.set(key, r);
        return send(res, existing ? 200 : 201, {});
      }
    }
    send(res, 405, 'Method Not Allowed', 'text/plain');
  }

  private whoAmI(req: IncomingMessage, res: ServerResponse): void {
    const auth = req.headers['authorization'];
    if (auth === undefined) return send(res, 200, { name: 'mesh-system:anonymous', groups: ['mesh-system:unauthenticated'] });
    const user = this.opts.users?.[auth.replace(/^Bearer /, '')];
    if (!user) return send(res, 401, stdError(401, 'Invalid authentication data', 'Unauthenticated'));
    send(res, 200, { name: user.name, groups: [...user.groups, 'mesh-system:authenticated'] });
  }

  private list(res: ServerResponse, url: URL, desc: ResourceTypeDescriptor, mesh: string): void {
    const items = [...this.resources.values()].filter((r) => r.type === desc.name && (desc.scope === 'global' || mesh === '' || r.meta.mesh === mesh));
    // Like the stores behind Kuma's kumactl tests: insertion order, sorted by (mesh, name) when paginating.
    if (url.searchParams.has('size') || url.searchParams.has('offset')) {
      items.sort((a, b) => (a.meta.mesh + '/' + a.meta.name < b.meta.mesh + '/' + b.meta.name ? -1 : 1));
    }
    const offset = Number(url.searchParams.get('offset') ?? '0');
    const size = Number(url.searchParams.get('size') ?? '100');
    const page = items.slice(offset, offset + size);
    let next: string | null = null;
    if (offset + size < items.length) {
      const n = new URL(url.href.replace('http://x', this.url));
      n.searchParams.set('offset', String(offset + size));
      next = n.href;
    }
    send(res, 200, { total: items.length, items: page.map((r) => toEnvelope(desc, r)), next });
  }
}
