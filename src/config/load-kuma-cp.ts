/**
 * Loads the kuma-cp configuration: defaults < YAML file (strict) < KUMA_* environment variables,
 * then Kuma's post-processing and validation. Failures throw a ConfigError whose message has Kuma's
 * shape (what kuma-cp prints before `could not load the configuration`) and which lists every
 * violation of the failing stage.
 */

import { readFile } from 'node:fs/promises';
import { parse as parseYaml, YAMLError } from 'yaml';
import { silentLogger, type Logger } from '../core/log.js';
import { applyEnv, nearMissEnvNames, type Env } from './env-apply.js';
import { ConfigError, type Violation } from './errors.js';
import { checkKumaCpConfigFiles } from './file-checks.js';
import { kumaCpSchema, type KumaCpConfig } from './kuma-cp-schema.js';
import { defaultsOf } from './schema.js';
import { validateKumaCpConfig } from './validate-kuma-cp.js';
import { applyYaml } from './yaml-apply.js';

export interface LoadKumaCpConfigOptions {
  /** `kuma-cp run -c FILE`; undefined or '' means defaults and environment only. */
  readonly configFile?: string | undefined;
  readonly env: Env;
  readonly logger?: Logger;
}

/** A fresh copy of the built-in defaults (Kuma's DefaultConfig()). */
export function defaultKumaCpConfig(): KumaCpConfig {
  return defaultsOf(kumaCpSchema);
}

/** Kuma's post-processing: a Kubernetes store always uses reloadable dataplane tokens. */
function postProcess(cfg: KumaCpConfig): void {
  if (cfg.store.type === 'kubernetes') cfg.dpServer.authn.enableReloadableTokens = true;
}

/** The first line of a YAML error, without the code excerpt the library appends. */
function yamlErrorText(err: YAMLError): string {
  return (err.message.split('\n')[0] ?? '').replace(/:$/, '');
}

async function readConfigFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    const msg = `unable to access configuration file '${file}', please check if the file exists and has the correct permissions`;
    throw new ConfigError('file', msg, [{ path: '', message: msg }]);
  }
}

function applyFile(cfg: KumaCpConfig, text: string, prefix: string, log: Logger): void {
  let doc: unknown;
  try {
    doc = parseYaml(text, { prettyErrors: true });
  } catch (err) {
    if (!(err instanceof YAMLError)) throw err;
    const msg = yamlErrorText(err);
    throw new ConfigError('yaml', `${prefix}unable to parse configuration: ${msg}`, [{ path: '', message: msg }]);
  }
  const { violations, ignored } = applyYaml(kumaCpSchema, cfg as unknown as Record<string, unknown>, doc);
  if (violations.length > 0) {
    throw new ConfigError('yaml', `${prefix}unable to parse configuration: ${violations.map((v) => v.message).join('; ')}`, violations);
  }
  for (const key of ignored) {
    log.debug({ key }, 'configuration key is a Kuma setting kuma-ts does not implement; ignored');
  }
}

const withPath = (v: Violation): string => (v.path === '' ? v.message : `${v.message} (${v.path})`);

export async function loadKumaCpConfig(opts: LoadKumaCpConfigOptions): Promise<KumaCpConfig> {
  const log = opts.logger ?? silentLogger;
  const cfg = defaultKumaCpConfig();
  const file = opts.configFile ?? '';
  // As in Kuma, once a file is given every later failure is reported as a failure of that file.
  const prefix = file === '' ? '' : `parsing configuration from file '${file}' failed: `;
  if (file !== '') applyFile(cfg, await readConfigFile(file), prefix, log);

  for (const { name, suggestion } of nearMissEnvNames(kumaCpSchema, opts.env)) {
    log.warn({ name, suggestion }, `environment variable ${name} is not a kuma-cp setting and is ignored; did you mean ${suggestion}?`);
  }
  const envViolations = applyEnv(kumaCpSchema, cfg as unknown as Record<string, unknown>, opts.env);
  if (envViolations.length > 0) {
    const text = envViolations.map((v) => v.message).join('; ');
    throw new ConfigError('env', `${prefix}processing environment variables failed: envconfig.Process: ${text}`, envViolations);
  }

  postProcess(cfg);

  const violations = [...validateKumaCpConfig(cfg), ...(await checkKumaCpConfigFiles(cfg))];
  if (violations.length > 0) {
    throw new ConfigError('validation', `${prefix}configuration validation failed: ${violations.map(withPath).join('; ')}`, violations);
  }
  return cfg;
}
