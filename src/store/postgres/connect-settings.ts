/**
 * Names of the `store.postgres` settings as operators see them: the YAML path plus the environment
 * variable, read from the config schema so the two can never drift apart. Every connection message
 * points at the setting to change with these.
 */
import { isIPv6 } from 'node:net';
import type { KumaCpConfig } from '../../config/kuma-cp-schema.js';
import { postgresSchema } from '../../config/kuma-cp-schema-store.js';
import type { SchemaNode } from '../../config/schema.js';

/** The `store.postgres` section of the kuma-cp config (durations in milliseconds). */
export type PostgresStoreConfig = KumaCpConfig['store']['postgres'];

/** `tls.caPath` → `store.postgres.tls.caPath (KUMA_STORE_POSTGRES_TLS_CA_PATH)`. */
export function postgresSetting(path: string): string {
  let node: SchemaNode = postgresSchema;
  for (const key of path.split('.')) {
    const next: SchemaNode | undefined = node.kind === 'section' ? node.fields[key] : undefined;
    // A wrong path is a programming error in this folder, not an operator's.
    if (next === undefined) throw new Error(`store.postgres has no setting "${path}"`);
    node = next;
  }
  const env = 'env' in node ? node.env : undefined;
  return env === undefined ? `store.postgres.${path}` : `store.postgres.${path} (${env})`;
}

/** `host:port`, with brackets around an IPv6 address. */
export function hostPort(host: string, port: number): string {
  return `${isIPv6(host) ? `[${host}]` : host}:${port}`;
}
