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

function durationOf(text: string, what: string, allowZero: boolean): number {
  let ms: number;
  try {
    ms = parseGoDuration(text);
  } catch (err) {
    throw new KumaDpConfigError(`${what}: ${(err as Error).message}`);
  }
  if (ms < 0 || (!allowZero && ms === 0)) throw new KumaDpConfigError(`${what} must be ${allowZero ? 'zero or positive' : 'positive'}, got ${text}`);
  return ms;
}

function boolOf(text: string, what: string): boolean {
  const t = text.trim().toLowerCase();
  if (['1', 't', 'true'].includes(t)) return true;
  if (['0', 'f', 'false', ''].includes(t)) return false;
  throw new KumaDpConfigError(`${what} must be true or false, got "${text}"`);
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

export function resolveKumaDpRunSettings(flags: KumaDpRunFlags, env: Env): KumaDpRunSettings {
  const address = pick(flags.cpAddress, env, 'KUMA_CONTROL_PLANE_URL', 'https://localhost:5678');
  let cpAddress: URL;
  try {
    cpAddress = new URL(address);
  } catch {
    throw new KumaDpConfigError(`invalid --cp-address "${address}": expected a URL such as https://kuma-control-plane:5678`);
  }
  if (cpAddress.protocol !== 'https:' && cpAddress.protocol !== 'http:') {
    throw new KumaDpConfigError(`invalid --cp-address "${address}": unsupported URL scheme ${cpAddress.protocol.replace(/:$/, '')}`);
  }
  if (cpAddress.protocol === 'http:') {
    throw new KumaDpConfigError(`invalid --cp-address "${address}": the DP server only serves TLS; use https://${cpAddress.host}`);
  }
  const skipEnv = env['KUMA_CONTROL_PLANE_TLS_SKIP_VERIFY'];
  const proxyType = pick(flags.proxyType, env, 'KUMA_DATAPLANE_PROXY_TYPE', 'dataplane');
  if (proxyType !== 'dataplane') throw new KumaDpConfigError(`invalid proxy type "${proxyType}": only "dataplane" is supported`);
  const readiness = env['KUMA_READINESS_PORT'] ?? '9902';
  const readinessPort = Number(readiness);
  if (!/^\d+$/.test(readiness.trim()) || readinessPort > 65535) throw new KumaDpConfigError(`KUMA_READINESS_PORT must be a port number (0-65535), got "${readiness}"`);

  const s: KumaDpRunSettings = {
    cpAddress,
    caCertFile: pick(flags.caCertFile, env, 'KUMA_CONTROL_PLANE_CA_CERT_FILE', ''),
    caCertPem: env['KUMA_CONTROL_PLANE_CA_CERT'] ?? '',
    skipVerify: skipEnv !== undefined ? boolOf(skipEnv, 'KUMA_CONTROL_PLANE_TLS_SKIP_VERIFY') : flags.skipVerify === true,
    name: pick(flags.name, env, 'KUMA_DATAPLANE_NAME', ''),
    mesh: pick(flags.mesh, env, 'KUMA_DATAPLANE_MESH', ''),
    proxyType: 'dataplane',
    drainTimeMs: durationOf(pick(flags.drainTime, env, 'KUMA_DATAPLANE_DRAIN_TIME', '30s'), '--drain-time', true),
    readinessPort,
    tokenFile: pick(flags.dataplaneTokenFile, env, 'KUMA_DATAPLANE_RUNTIME_TOKEN_PATH', ''),
    token: pick(flags.dataplaneToken, env, 'KUMA_DATAPLANE_RUNTIME_TOKEN', ''),
    dataplaneInline: pick(flags.dataplane, env, 'KUMA_DATAPLANE_RUNTIME_RESOURCE', ''),
    dataplaneFile: pick(flags.dataplaneFile, env, 'KUMA_DATAPLANE_RUNTIME_RESOURCE_PATH', ''),
    dataplaneVars: parseDataplaneVars(flags.dataplaneVar ?? []),
    workDir: pick(flags.workDir, env, 'KUMA_DATAPLANE_RUNTIME_WORK_DIR', ''),
    retryBackoffMs: durationOf(env['KUMA_CONTROL_PLANE_RETRY_BACKOFF'] ?? '3s', 'KUMA_CONTROL_PLANE_RETRY_BACKOFF', false),
    retryMaxDurationMs: durationOf(env['KUMA_CONTROL_PLANE_RETRY_MAX_DURATION'] ?? '5m', 'KUMA_CONTROL_PLANE_RETRY_MAX_DURATION', false),
  };
  const hasTemplate = s.dataplaneFile !== '' || s.dataplaneInline !== '';
  if (hasTemplate && (s.name !== '' || s.mesh !== '')) {
    throw new KumaDpConfigError('--name and --mesh cannot be specified when a dataplane definition is provided, mesh and name will be read from the dataplane definition');
  }
  if (!hasTemplate) {
    const missing = [s.mesh === '' ? '.Mesh must be non-empty' : '', s.name === '' ? '.Name must be non-empty' : ''].filter((m) => m !== '');
    if (missing.length > 0) {
      throw new KumaDpConfigError(`${missing.join('; ')} (pass --mesh and --name for a Dataplane created with kumactl apply, or --dataplane-file with its definition)`);
    }
  }
  if (/[$(){}]/.test(s.name)) throw new KumaDpConfigError(`--name "${s.name}" must not contain any of $(){}`);
  if (s.tokenFile !== '' && s.token !== '') {
    throw new KumaDpConfigError('--dataplane-token-file and --dataplane-token cannot both be set; pass the token one way');
  }
  return s;
}
