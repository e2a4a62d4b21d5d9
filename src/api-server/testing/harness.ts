// Test support for the API server: an app over a memory store with the default resources, a
// recording logger and helpers to mint user tokens. Not used by production code.
import type { KumaCpConfig } from '../../config/kuma-cp-config.js';
import { defaultKumaCpConfig } from '../../config/kuma-cp-config.js';
import { recordingLogger, type LogEntry } from '../../core/log.js';
import { zeroTime } from '../../core/resources/resource.js';
import { ResourceManager, ensureDefaultResources } from '../../managers/index.js';
import { MemoryResourceStore } from '../../store/memory/memory-store.js';
import { StrictResourceStore } from '../../store/strict-store.js';
import { createUserTokenIssuer, newSigningKeyPem, type UserTokenIssuer } from '../../tokens/index.js';
import { buildApiApp, type ApiApp } from '../app.js';
import { createApiTokens } from '../tokens.js';

let sharedKey: Promise<Uint8Array> | undefined;
/** One RSA key per test process: key generation is the slow part of setting up. */
export function testSigningKey(): Promise<Uint8Array> {
  sharedKey ??= newSigningKeyPem();
  return sharedKey;
}

export interface TestApiOptions {
  configure?: (cfg: KumaCpConfig) => void;
  /** Store clock; default Go's zero time, as in Kuma's golden files. */
  now?: () => Date;
  /** Token clock (ms). */
  tokenNow?: () => number;
  /** Skip the `default` Mesh. */
  noDefaultMesh?: boolean;
}

export interface TestApi {
  api: ApiApp;
  config: KumaCpConfig;
  manager: ResourceManager;
  entries: LogEntry[];
  /** Signs a user token with the CP's own key (bypasses the API and its access rules). */
  userIssuer: UserTokenIssuer;
  userToken(name: string, groups?: string[], validForMs?: number): Promise<string>;
  close(): Promise<void>;
}

export async function startTestApi(opts: TestApiOptions = {}): Promise<TestApi> {
  const config = defaultKumaCpConfig();
  opts.configure?.(config);
  const log = recordingLogger();
  const key = await testSigningKey();
  const store = new StrictResourceStore(new MemoryResourceStore({ now: opts.now ?? zeroTime }));
  const manager = new ResourceManager(store, { newSigningKey: async () => key, logger: log });
  await ensureDefaultResources(manager, { skipMeshCreation: opts.noDefaultMesh ?? false, newSigningKey: async () => key });
  const handle = await createApiTokens(manager, config, opts.tokenNow ? { now: opts.tokenNow } : {});
  const api = await buildApiApp({ config, resources: manager, tokens: handle.tokens, logger: log, instance: { hostname: 'cp-host-1', instanceId: 'cp-host-1-6b5c', clusterId: 'cluster-1' } });
  const userIssuer = createUserTokenIssuer(manager, opts.tokenNow ? { now: opts.tokenNow } : {});
  return {
    api,
    config,
    manager,
    entries: log.entries,
    userIssuer,
    userToken: (name, groups = [], validForMs = 3600_000) => userIssuer.issue({ name, groups }, validForMs),
    async close() {
      await api.close();
      handle.close();
    },
  };
}

/** A remote (non-loopback) peer for inject(). */
export const REMOTE = '203.0.113.7';
