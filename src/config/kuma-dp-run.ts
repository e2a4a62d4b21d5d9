/**
 * `kuma-dp run` settings: flags, then KUMA_* env vars (a SET env var overrides the flag, as Kuma's
 * envconfig pass runs after cobra), then the startup validation of spec mtls-dp §1.3. Pure: no I/O.
 */
import { KumaError } from '../core/errors.js';
import { parseGoDuration } from '../core/duration.js';

export class KumaDpConfigError extends KumaError {
  constructor(message: string) {
    super('ERR_KUMA_DP_CONFIG', message);
  }
}

/** What commander parsed (undefined = flag not given). */
export interface KumaDpRunFlags {
  cpAddress?: string | undefined;
  caCertFile?: string | undefined;
  skipVerify?: boolean | undefined;
  name?: string | undefined;
  mesh?: string | undefined;
  proxyType?: string | undefined;
  drainTime?: string | undefined;
  dataplaneTokenFile?: string | undefined;
  dataplaneToken?: string | undefined;
  dataplane?: string | undefined;
  dataplaneFile?: string | undefined;
  dataplaneVar?: string[] | undefined;
  workDir?: string | undefined;
}

export interface KumaDpRunSettings {
  cpAddress: URL;
  caCertFile: string;
  /** Inline PEM from KUMA_CONTROL_PLANE_CA_CERT; wins over caCertFile. */
  caCertPem: string;
  skipVerify: boolean;
  name: string;
  mesh: string;
  proxyType: 'dataplane';
  drainTimeMs: number;
  readinessPort: number;
  tokenFile: string;
  /** Inline token (not validated here: see proxy/agent/token.ts). */
  token: string;
  dataplaneInline: string;
  dataplaneFile: string;
  dataplaneVars: Record<string, string>;
  workDir: string;
  retryBackoffMs: number;
  retryMaxDurationMs: number;
}

type Env = Readonly<Record<string, string | undefined>>;

function pick(flag: string | undefined, env: Env, name: string, def: string): string {
  const e = env[name];
  if (e !== undefined) return e;
  return flag ?? def;
}

/** Collects every violation (Kuma's section paths and texts), reported together. */
class Violations {
  readonly controlPlane: string[] = [];
  readonly retry: string[] = [];
  readonly dataplane: string[] = [];
  /** Values that could not even be read (a duration, a boolean) and our own rules. */
  readonly other: string[] = [];

  /** Kuma's rendering: `.ControlPlane is not valid: .Retry is not valid: .Backoff ...; .Dataplane is not valid: ...`. */
  message(): string | undefined {
    const cp = [...this.controlPlane, ...(this.retry.length > 0 ? [`.Retry is not valid: ${this.retry.join('; ')}`] : [])];
    const parts = [
      ...this.other,
      ...(cp.length > 0 ? [`.ControlPlane is not valid: ${cp.join('; ')}`] : []),
      ...(this.dataplane.length > 0 ? [`.Dataplane is not valid: ${this.dataplane.join('; ')}`] : []),
    ];
    return parts.length === 0 ? undefined : `configuration validation failed: ${parts.join('; ')}`;
  }
}

function durationOf(text: string, what: string, v: Violations): number | undefined {
  try {
    return parseGoDuration(text);
  } catch (err) {
    v.other.push(`${what}: ${(err as Error).message}`);
    return undefined;
  }
}

function boolOf(text: string, what: string, v: Violations): boolean {
  const t = text.trim().toLowerCase();
  if (['1', 't', 'true'].includes(t)) return true;
  if (['0', 'f', 'false', ''].includes(t)) return false;
  v.other.push(`${what} must be true or false, got "${text}"`);
  return false;
}

/** The control plane URL; a problem goes to `.ControlPlane` as Kuma's `.Url is not valid: ...`. */
function cpAddressOf(address: string, v: Violations): URL {
  const fallback = new URL('https://localhost:5678');
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    v.controlPlane.push(`.Url is not valid: ${JSON.stringify(address)} is not an absolute URL; use e.g. https://kuma-control-plane:5678 (--cp-address, KUMA_CONTROL_PLANE_URL)`);
    return fallback;
  }
  const scheme = url.protocol.replace(/:$/, '');
  if (scheme === 'http') {
    v.controlPlane.push(`.Url is not valid: unsupported URL scheme "http" in ${JSON.stringify(address)}: the DP server only serves TLS; use https://${url.host}`);
  } else if (scheme !== 'https') {
    v.controlPlane.push(`.Url is not valid: unsupported URL scheme ${JSON.stringify(scheme)} in ${JSON.stringify(address)}, must be https`);
  }
  return url;
}

/** `-v a=b` pairs; a pair without `=` is a mistake worth naming. */
export function parseDataplaneVars(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const i = p.indexOf('=');
    if (i <= 0) throw new KumaDpConfigError(`invalid --dataplane-var "${p}": expected key=value`);
    out[p.slice(0, i)] = p.slice(i + 1);
  }
  return out;
}

/**
 * Flags and env vars to settings; every violation is reported at once (Kuma's section paths and
 * texts, with the flag or variable to change where Kuma gives none). Deliberate differences
 * (docs/differences.md): a drain time and readiness port of 0 are allowed, `http://` is refused.
 */
export function resolveKumaDpRunSettings(flags: KumaDpRunFlags, env: Env): KumaDpRunSettings {
  const v = new Violations();
  const cpAddress = cpAddressOf(pick(flags.cpAddress, env, 'KUMA_CONTROL_PLANE_URL', 'https://localhost:5678'), v);
  const skipEnv = env['KUMA_CONTROL_PLANE_TLS_SKIP_VERIFY'];
  const skipVerify = skipEnv !== undefined ? boolOf(skipEnv, 'KUMA_CONTROL_PLANE_TLS_SKIP_VERIFY', v) : flags.skipVerify === true;

  const backoffText = env['KUMA_CONTROL_PLANE_RETRY_BACKOFF'] ?? '3s';
  const retryBackoffMs = durationOf(backoffText, 'KUMA_CONTROL_PLANE_RETRY_BACKOFF', v);
  if (retryBackoffMs !== undefined && retryBackoffMs <= 0) v.retry.push(`.Backoff must be a positive duration (KUMA_CONTROL_PLANE_RETRY_BACKOFF=${backoffText})`);
  const maxText = env['KUMA_CONTROL_PLANE_RETRY_MAX_DURATION'] ?? '5m';
  const retryMaxDurationMs = durationOf(maxText, 'KUMA_CONTROL_PLANE_RETRY_MAX_DURATION', v);
  if (retryMaxDurationMs !== undefined && retryMaxDurationMs <= 0) v.retry.push(`.MaxDuration must be a positive duration (KUMA_CONTROL_PLANE_RETRY_MAX_DURATION=${maxText})`);

  const dataplaneInline = pick(flags.dataplane, env, 'KUMA_DATAPLANE_RUNTIME_RESOURCE', '');
  const dataplaneFile = pick(flags.dataplaneFile, env, 'KUMA_DATAPLANE_RUNTIME_RESOURCE_PATH', '');
  const hasTemplate = dataplaneFile !== '' || dataplaneInline !== '';
  const name = pick(flags.name, env, 'KUMA_DATAPLANE_NAME', '');
  const mesh = pick(flags.mesh, env, 'KUMA_DATAPLANE_MESH', '');
  const proxyType = pick(flags.proxyType, env, 'KUMA_DATAPLANE_PROXY_TYPE', 'dataplane');
  if (proxyType !== 'dataplane') v.dataplane.push(`.ProxyType ${JSON.stringify(proxyType)} is not supported (invalid proxy type: only "dataplane" is supported)`);
  if (!hasTemplate) {
    // With a template, mesh and name come from it (Kuma's ValidateForTemplate skips these).
    const missing = [mesh === '' ? '.Mesh must be non-empty' : '', name === '' ? '.Name must be non-empty' : ''].filter((m) => m !== '');
    if (missing.length > 0) {
      missing[missing.length - 1] += ' (pass --mesh and --name for a Dataplane created with kumactl apply, or --dataplane-file with its definition)';
      v.dataplane.push(...missing);
    }
  }
  if (/[$(){}]/.test(name)) v.dataplane.push(`.Name ${JSON.stringify(name)} contains invalid characters`);
  const drainText = pick(flags.drainTime, env, 'KUMA_DATAPLANE_DRAIN_TIME', '30s');
  const drainTimeMs = durationOf(drainText, '--drain-time', v);
  if (drainTimeMs !== undefined && drainTimeMs < 0) v.dataplane.push(`.DrainTime must not be negative, got ${drainText} (--drain-time, KUMA_DATAPLANE_DRAIN_TIME)`);
  const readiness = env['KUMA_READINESS_PORT'] ?? '9902';
  const readinessPort = Number(readiness);
  if (!/^\d+$/.test(readiness.trim()) || readinessPort > 65535) v.dataplane.push(`.ReadinessPort has to be in [0, 65535] range, got "${readiness}" (KUMA_READINESS_PORT)`);

  const tokenFile = pick(flags.dataplaneTokenFile, env, 'KUMA_DATAPLANE_RUNTIME_TOKEN_PATH', '');
  const token = pick(flags.dataplaneToken, env, 'KUMA_DATAPLANE_RUNTIME_TOKEN', '');
  if (tokenFile !== '' && token !== '') v.other.push('--dataplane-token-file and --dataplane-token cannot both be set; pass the token one way');
  let dataplaneVars: Record<string, string> = {};
  try {
    dataplaneVars = parseDataplaneVars(flags.dataplaneVar ?? []);
  } catch (err) {
    v.other.push((err as Error).message);
  }

  const problems = v.message();
  if (problems !== undefined) throw new KumaDpConfigError(problems);
  // Kuma checks this after the configuration is valid, with its own text.
  if (hasTemplate && (name !== '' || mesh !== '')) {
    throw new KumaDpConfigError('--name and --mesh cannot be specified when a dataplane definition is provided, mesh and name will be read from the dataplane definition');
  }
  return {
    cpAddress,
    caCertFile: pick(flags.caCertFile, env, 'KUMA_CONTROL_PLANE_CA_CERT_FILE', ''),
    caCertPem: env['KUMA_CONTROL_PLANE_CA_CERT'] ?? '',
    skipVerify,
    name,
    mesh,
    proxyType: 'dataplane',
    drainTimeMs: drainTimeMs ?? 0,
    readinessPort,
    tokenFile,
    token,
    dataplaneInline,
    dataplaneFile,
    dataplaneVars,
    workDir: pick(flags.workDir, env, 'KUMA_DATAPLANE_RUNTIME_WORK_DIR', ''),
    retryBackoffMs: retryBackoffMs ?? 0,
    retryMaxDurationMs: retryMaxDurationMs ?? 0,
  };
}
