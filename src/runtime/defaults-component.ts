import type { KumaCpConfig } from '../config/kuma-cp-config.js';
import { messageOf } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { adminTokenHint, bootstrapAdminToken, ensureDefaultResources, retryUntil, type ResourceManager, type SigningKeyFactory } from '../managers/index.js';
import type { UserTokenIssuer } from '../tokens/index.js';
import type { Component } from './component.js';

const TEN_MINUTES = 10 * 60 * 1000;

/**
 * Leader-only start-up work (the memory store has one instance, so it always leads): the default
 * Mesh and signing keys, then the admin user token. The first pass runs inside start() so the API
 * never serves before the default Mesh exists; a failed pass keeps retrying in the background, as
 * Kuma's component does (every 5 s, for 10 minutes).
 */
export class DefaultsComponent implements Component {
  readonly name = 'defaults';
  private readonly abort = new AbortController();

  constructor(
    private readonly cfg: KumaCpConfig,
    private readonly manager: ResourceManager,
    private readonly userIssuer: UserTokenIssuer,
    private readonly newSigningKey: SigningKeyFactory,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    const defaults = (): Promise<unknown> =>
      ensureDefaultResources(this.manager, {
        skipMeshCreation: this.cfg.defaults.skipMeshCreation,
        skipTenantResources: this.cfg.defaults.skipTenantResources,
        federatedZone: this.cfg.mode === 'zone' && this.cfg.multizone.zone.globalAddress !== '',
        logger: this.log,
        newSigningKey: this.newSigningKey,
      });
    try {
      await defaults();
      await this.bootstrapAdminToken();
    } catch (err) {
      this.log.warn({ err: messageOf(err) }, 'could not create default resources; retrying in the background');
      void retryUntil(
        async () => {
          await defaults();
          await this.bootstrapAdminToken();
        },
        { intervalMs: 5000, maxDurationMs: TEN_MINUTES, signal: this.abort.signal, logger: this.log, what: 'create default resources' },
      ).catch((e: unknown) => {
        if (!this.abort.signal.aborted) this.log.error({ err: messageOf(e) }, 'gave up creating default resources');
      });
    }
  }

  async stop(): Promise<void> {
    this.abort.abort();
  }

  private async bootstrapAdminToken(): Promise<void> {
    const { authn } = this.cfg.apiServer;
    if (authn.type !== 'tokens' || !authn.tokens.bootstrapAdminToken) return;
    await bootstrapAdminToken(this.manager, this.userIssuer, { logger: this.log, signal: this.abort.signal, retryIntervalMs: 1000, maxRetryMs: 5000 });
    this.log.info(
      {},
      adminTokenHint({ environment: 'universal', httpPort: this.cfg.apiServer.http.port, localhostIsAdmin: authn.localhostIsAdmin }),
    );
  }
}
