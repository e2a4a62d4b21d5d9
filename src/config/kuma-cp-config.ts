/** Public API of the kuma-cp configuration (import from here). */

import { envTableOf } from './env-apply.js';
import { kumaCpSchema, type KumaCpConfig } from './kuma-cp-schema.js';
import { redactConfig } from './redact.js';
import { renderDefaultsYaml } from './render-yaml.js';
import { ignoredPathsOf } from './schema.js';

export { ConfigError, type ConfigStage, type Violation } from './errors.js';
export { kumaCpSchema, type KumaCpConfig } from './kuma-cp-schema.js';
export { defaultKumaCpConfig, loadKumaCpConfig, type LoadKumaCpConfigOptions } from './load-kuma-cp.js';
export { validateKumaCpConfig } from './validate-kuma-cp.js';
export { checkKumaCpConfigFiles } from './file-checks.js';
export { TLS_SERVER_SECTIONS, type TlsServerSection, type TlsServerSettings } from './tls-sections.js';
export { REDACTED } from './redact.js';
export type { MeshedPublicKey, PublicKey } from './schema.js';

/** Env var name → dotted YAML path, for every setting that has one. */
export const KUMA_CP_ENV_VARS: ReadonlyMap<string, string> = envTableOf(kumaCpSchema);

/** Kuma keys accepted in YAML and ignored (not implemented by kuma-ts), as dotted paths. */
export const KUMA_CP_IGNORED_KEYS: readonly string[] = ignoredPathsOf(kumaCpSchema);

/** JSON-able copy for logs and GET /config: secrets `*****`, durations as Go strings. */
export function redactKumaCpConfig(cfg: KumaCpConfig): Record<string, unknown> {
  return redactConfig(kumaCpSchema, cfg);
}

/** The text of config/kuma-cp.defaults.yaml. */
export function renderKumaCpDefaultsYaml(): string {
  return renderDefaultsYaml(kumaCpSchema, [
    'kuma-cp configuration: every setting with its default value.',
    'Generated from src/config/kuma-cp-schema*.ts (a test checks they agree; UPDATE_GOLDEN=1 rewrites this file).',
    'Precedence: built-in defaults < this file (kuma-cp run -c FILE) < environment variables (ENV below).',
    'Durations use Go syntax (300ms, 10s, 1h30m). Unknown keys are rejected; Kuma keys marked',
    '"accepted and ignored" load without effect.',
  ]);
}
