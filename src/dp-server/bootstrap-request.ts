/**
 * The JSON body kuma-dp sends to `POST /bootstrap` (Kuma's types.BootstrapRequest), read the way Go's
 * encoding/json reads it: unknown fields are ignored, null means "not set", and a field of the wrong
 * JSON type is an error that names the field. Only the fields the control plane uses are kept.
 */

export interface KumaDpVersionInfo {
  version: string;
  gitTag: string;
  gitCommit: string;
  buildDate: string;
}

export interface BootstrapRequest {
  mesh: string;
  name: string;
  /** '' is read as `dataplane`. */
  proxyType: string;
  dataplaneToken: string;
  dataplaneTokenPath: string;
  /** The rendered Dataplane template (REST JSON or YAML text); '' for a pre-created Dataplane. */
  dataplaneResource: string;
  /** PEM the proxy trusts the control plane with (`--ca-cert-file`); ''. */
  caCert: string;
  version: { kumaDp: KumaDpVersionInfo };
}

/** The body is not a usable request (HTTP 400); the message says which part. */
export class BootstrapRequestError extends Error {}

function goType(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  return typeof v;
}

function str(obj: Record<string, unknown>, key: string, struct: string): string {
  const v = obj[key];
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw new BootstrapRequestError(`json: cannot unmarshal ${goType(v)} into Go struct field ${struct}.${key} of type string`);
  return v;
}

function obj(parent: Record<string, unknown>, key: string, struct: string, goTypeName: string): Record<string, unknown> {
  const v = parent[key];
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) {
    throw new BootstrapRequestError(`json: cannot unmarshal ${goType(v)} into Go struct field ${struct}.${key} of type ${goTypeName}`);
  }
  return v as Record<string, unknown>;
}

/** Parses the raw body; throws BootstrapRequestError with a Go-like reason. */
export function parseBootstrapRequest(body: string): BootstrapRequest {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch (err) {
    throw new BootstrapRequestError(`request body is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new BootstrapRequestError(`json: cannot unmarshal ${raw === null ? 'null' : goType(raw)} into Go value of type types.BootstrapRequest`);
  }
  const r = raw as Record<string, unknown>;
  const S = 'BootstrapRequest';
  const version = obj(r, 'version', S, 'types.Version');
  const kumaDp = obj(version, 'kumaDp', 'Version', 'types.KumaDpVersion');
  const K = 'KumaDpVersion';
  return {
    mesh: str(r, 'mesh', S),
    name: str(r, 'name', S),
    proxyType: str(r, 'proxyType', S),
    dataplaneToken: str(r, 'dataplaneToken', S),
    dataplaneTokenPath: str(r, 'dataplaneTokenPath', S),
    dataplaneResource: str(r, 'dataplaneResource', S),
    caCert: str(r, 'caCert', S),
    version: {
      kumaDp: { version: str(kumaDp, 'version', K), gitTag: str(kumaDp, 'gitTag', K), gitCommit: str(kumaDp, 'gitCommit', K), buildDate: str(kumaDp, 'buildDate', K) },
    },
  };
}
