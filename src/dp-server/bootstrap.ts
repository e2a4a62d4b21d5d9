/**
 * `POST /bootstrap` (Kuma pkg/xds/bootstrap generator + handler), in Kuma's processing order:
 *  1. body: JSON (400 otherwise); empty proxyType means `dataplane`;
 *  2. token presence (422, Kuma's text) unless authentication is off; the token is NOT verified here
 *     (the stream does that);
 *  3. unless `xdsHost` is configured, the host the proxy used must be in the DP server certificate
 *     (400, Kuma's SAN-mismatch text with its three remediation steps);
 *  4. the Dataplane: the request's template (parsed, validated, its mesh must exist: 422), else the
 *     stored one (404 with an empty body: kuma-dp retries); then its Mesh (404, empty);
 *  5. the CA to hand out: the request's caCert, else the chain being served; a certificate that says
 *     CA=false is refused (400, Kuma's NotCA text).
 * The answer is BootstrapResponse (proto/kuma/dp/v1/config_stream.proto) as protobuf JSON.
 */
import type { X509Certificate } from 'node:crypto';
import { create, toJsonString } from '@bufbuild/protobuf';
import { hasCode } from '../core/errors.js';
import { DataplaneType, MeshType, type Resource } from '../core/resources/index.js';
import { BootstrapResponseSchema } from '../gen/kuma/dp/v1/config_stream_pb.js';
import type { ResourceManager } from '../managers/index.js';
import { SERVED_KINDS } from './kinds/config-kinds.js';
import { parseCertificatesPem } from '../pki/index.js';
import { certificateMatchesHost, isExplicitlyNotCa, NOT_CA_TEXT, sanMismatchText, TOKEN_REQUIRED_TEXT } from './certificate-checks.js';
import type { DpAuthnType } from './dataplane-auth.js';
import { dataplaneJson, meshInfoOf, unsavedDataplane } from './dataplane-config.js';
import { DataplaneTemplateError, parseDataplaneTemplate } from './dataplane-template.js';
import { BootstrapRequestError, parseBootstrapRequest } from './bootstrap-request.js';
import { formatNodeId } from './node-id.js';

export interface BootstrapContext {
  resources: ResourceManager;
  authnType: DpAuthnType;
  /** `bootstrapServer.params.xdsHost` ('' = the host of the request). */
  xdsHost: string;
  /** `bootstrapServer.params.xdsPort` or the DP server's bound port. */
  xdsPort: () => number;
  /** The chain the DP server serves right now (leaf first) and its PEM. */
  servedChain: () => { chain: readonly X509Certificate[]; pem: string };
}

export interface BootstrapResult {
  status: number;
  /** '' for Kuma's empty-body answers (404). */
  body: string;
  contentType: 'application/json' | 'text/plain; charset=utf-8';
}

const text = (status: number, body: string): BootstrapResult => ({ status, body, contentType: 'text/plain; charset=utf-8' });

/** `host[:port]` or `[v6]:port` as an HTTP Host / :authority header carries it -> the host part (Go's SplitHostPort rules). */
export function hostOfAuthority(authority: string): string {
  const m = /^\[([^\]]*)\]:(\d*)$/.exec(authority);
  if (m) return m[1] as string;
  const colon = authority.lastIndexOf(':');
  // Exactly one colon: host:port. More (a bare IPv6) or none: the whole value is the host.
  if (colon >= 0 && authority.indexOf(':') === colon) return authority.slice(0, colon);
  return authority;
}

export async function handleBootstrap(ctx: BootstrapContext, body: string, host: string): Promise<BootstrapResult> {
  let req;
  try {
    req = parseBootstrapRequest(body);
  } catch (err) {
    if (err instanceof BootstrapRequestError) return text(400, err.message);
    throw err;
  }
  const proxyType = req.proxyType === '' ? 'dataplane' : req.proxyType;
  if (ctx.authnType !== 'none' && req.dataplaneToken === '' && req.dataplaneTokenPath === '') return text(422, TOKEN_REQUIRED_TEXT);
  const served = ctx.servedChain();
  const leaf = served.chain[0];
  if (leaf === undefined) throw new Error('the DP server serves no certificate');
  if (ctx.xdsHost === '' && !certificateMatchesHost(leaf, host)) return text(400, sanMismatchText(host, leaf));
  if (proxyType !== 'dataplane') return text(422, `proxyType: unsupported proxy type ${JSON.stringify(proxyType)}, only "dataplane" is supported`);

  let dataplane: Resource;
  let exists: boolean;
  if (req.dataplaneResource !== '') {
    let template;
    try {
      template = parseDataplaneTemplate(req.dataplaneResource);
    } catch (err) {
      if (err instanceof DataplaneTemplateError) return text(422, err.message);
      throw err;
    }
    // kuma-dp takes mesh and name from the template; a request that says otherwise would get a node
    // id its stream can never use, so say so now.
    if ((req.mesh !== '' && req.mesh !== template.mesh) || (req.name !== '' && req.name !== template.name)) {
      return text(
        422,
        `dataplaneResource: the Dataplane is ${JSON.stringify(formatNodeId(template))} but the request is for ${JSON.stringify(formatNodeId(req))}; mesh and name must be the template's`,
      );
    }
    if ((await find(ctx, { type: MeshType.name, mesh: '', name: template.mesh })) === undefined) return text(422, `mesh: mesh ${JSON.stringify(template.mesh)} does not exist`);
    const stored = await find(ctx, { type: DataplaneType.name, mesh: template.mesh, name: template.name });
    exists = stored !== undefined;
    dataplane = unsavedDataplane(template);
  } else {
    const stored = await find(ctx, { type: DataplaneType.name, mesh: req.mesh, name: req.name });
    if (stored === undefined) return text(404, '');
    exists = true;
    dataplane = stored;
  }
  const mesh = await find(ctx, { type: MeshType.name, mesh: '', name: dataplane.meta.mesh });
  if (mesh === undefined) return text(404, '');

  let caPem: string;
  let caCert: X509Certificate;
  if (req.caCert !== '') {
    let parsed;
    try {
      parsed = parseCertificatesPem(req.caCert, 'the request field caCert');
    } catch {
      return text(400, 'could not parse certificate from request .CaCert: could not parse certificate');
    }
    caCert = parsed[0] as X509Certificate;
    caPem = req.caCert;
  } else {
    caCert = leaf;
    caPem = served.pem;
  }
  if (isExplicitlyNotCa(caCert)) return text(400, NOT_CA_TEXT);

  const id = { mesh: dataplane.meta.mesh, name: dataplane.meta.name };
  const response = create(BootstrapResponseSchema, {
    nodeId: formatNodeId(id),
    mesh: id.mesh,
    name: id.name,
    xdsHost: ctx.xdsHost !== '' ? ctx.xdsHost : host,
    xdsPort: ctx.xdsPort(),
    caCertPem: caPem,
    dataplaneJson: dataplaneJson(dataplane),
    dataplaneExists: exists,
    meshInfo: meshInfoOf(mesh),
    supportedKinds: [...SERVED_KINDS],
    authnType: ctx.authnType,
  });
  return { status: 200, body: toJsonString(BootstrapResponseSchema, response), contentType: 'application/json' };
}

async function find(ctx: BootstrapContext, key: { type: string; mesh: string; name: string }): Promise<Resource | undefined> {
  try {
    return await ctx.resources.get(key);
  } catch (err) {
    if (hasCode(err, 'ERR_RESOURCE_NOT_FOUND')) return undefined;
    throw err;
  }
}
