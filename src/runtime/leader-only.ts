import { redactKumaCpConfig, type KumaCpConfig } from '../config/kuma-cp-config.js';
import { createKdsZoneClient } from '../kds/zone-client.js';
import { messageOf } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { ResourceManager, SigningKeyFactory } from '../managers/index.js';
import { reencryptAll } from '../store/secrets-reencrypt.js';
import type { UserTokenIssuer } from '../tokens/index.js';
import type { Component } from './component.js';
import { DataplaneGcComponent } from './dataplane-gc.js';
import { DefaultsComponent } from './defaults-component.js';
import type { StoreBackend } from './store-backend.js';

/**
 * What only the leader runs, built fresh for each term of leadership: the default resources and the
 * admin token, the clean-up of long-offline Dataplanes, and (Postgres with an encryption key) bringing every Secret under the current key.
 */
export function leaderOnlyComponents(
  cfg: KumaCpConfig,
  backend: StoreBackend,
  resources: ResourceManager,
  userIssuer: UserTokenIssuer,
  newSigningKey: SigningKeyFactory,
  log: Logger,
): Component[] {
  const components: Component[] = [new DefaultsComponent(cfg, resources, userIssuer, newSigningKey, log.child({ component: 'defaults' }))];
  // Dataplanes on a global CP belong to their zones, which clean them up.
  if (cfg.mode !== 'global') {
    components.push(new DataplaneGcComponent(resources, { cleanupAgeMs: cfg.runtime.universal.dataplaneCleanupAge, log: log.child({ component: 'dataplane-gc' }) }));
  }
  // A federated zone's leader keeps the KDS connection to the global (a fresh client each term).
  if (cfg.mode === 'zone' && cfg.multizone.zone.globalAddress !== '') {
    components.push(
      createKdsZoneClient({ config: cfg, resources, instanceId: backend.leadership.instanceId, configJson: JSON.stringify(redactKumaCpConfig(cfg)), logger: log.child({ component: 'kds-zone' }) }),
    );
  }
  const keyring = backend.keyring;
  if (keyring !== undefined) components.push(new ReencryptSecretsComponent(backend.raw, keyring, log.child({ component: 'secrets-encryption' })));
  return components;
}

/** One pass per term, in the background: a rotation completes (or plain rows get encrypted) by itself. */
class ReencryptSecretsComponent implements Component {
  readonly name = 'secrets-reencryption';
  private running: Promise<void> | undefined;

  constructor(
    private readonly raw: StoreBackend['raw'],
    private readonly keyring: NonNullable<StoreBackend['keyring']>,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    this.running = reencryptAll(this.raw, this.keyring, this.log).then(
      (counts) => this.log.info({ ...counts, currentKeyId: this.keyring.current.id }, 'secrets checked against the current encryption key'),
      (err: unknown) => this.log.error({ err: messageOf(err) }, 'could not re-encrypt secrets; will try again when this instance next leads'),
    );
  }

  async stop(): Promise<void> {
    await this.running;
  }
}
