/**
 * Watches when the mesh CAs expire (every instance: it only reads): a gauge per backend,
 * `mesh_ca_expiration_timestamp_seconds{mesh,backend}`, for alerting, and a log line that grows
 * louder as the date nears: a warning inside `warnBeforeMs` (30 days), an error once expired or
 * unreadable. Better than Kuma, which says nothing until proxies stop getting certificates.
 */
import { Gauge, type Registry } from 'prom-client';
import { messageOf } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { meshCaExpiries, type CaRootSource, type MeshLister } from '../managers/mesh-ca/index.js';
import type { Component } from './component.js';

const DAY_MS = 86_400_000;

export interface CaExpiryWatchOptions {
  meshes: MeshLister;
  ca: CaRootSource;
  registry: Registry;
  log: Logger;
  /** Default 1 h. */
  intervalMs?: number;
  /** Default 30 days. */
  warnBeforeMs?: number;
  now?: () => Date;
}

export class CaExpiryWatch implements Component {
  readonly name = 'mesh-ca-expiry';
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private readonly gauge: Gauge<'mesh' | 'backend'>;

  constructor(private readonly o: CaExpiryWatchOptions) {
    this.gauge = new Gauge({
      name: 'mesh_ca_expiration_timestamp_seconds',
      help: 'When the certificate chain of a mesh CA backend expires (Unix seconds); rotate it well before',
      labelNames: ['mesh', 'backend'],
      registers: [o.registry],
    });
  }

  async start(): Promise<void> {
    this.tick();
    this.timer = setInterval(() => this.tick(), this.o.intervalMs ?? 3_600_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
    this.o.registry.removeSingleMetric('mesh_ca_expiration_timestamp_seconds');
  }

  /** One check (also what tests call). */
  check(): Promise<void> {
    this.tick();
    return this.running;
  }

  private tick(): void {
    this.running = this.running.then(() => this.run()).catch((err: unknown) => this.o.log.warn({ reason: messageOf(err) }, 'could not check when the mesh CAs expire'));
  }

  private async run(): Promise<void> {
    const now = (this.o.now ?? (() => new Date()))().getTime();
    const warnBefore = this.o.warnBeforeMs ?? 30 * DAY_MS;
    const expiries = await meshCaExpiries(this.o.meshes, this.o.ca);
    this.gauge.reset();
    for (const e of expiries) {
      const where = { mesh: e.mesh, backend: e.backend };
      if (e.notAfter === undefined) {
        this.o.log.error({ ...where, reason: e.problem }, 'the mesh CA cannot be read: proxies of this mesh get no new identity certificates from it');
        continue;
      }
      this.gauge.set(where, Math.floor(e.notAfter.getTime() / 1000));
      const left = e.notAfter.getTime() - now;
      const fields = { ...where, expiresAt: e.notAfter.toISOString(), daysLeft: Math.floor(left / DAY_MS) };
      const advice = 'rotate it: add a new backend to the Mesh, switch mtls.enabledBackend to it, then remove this one (docs/secure-access.md)';
      if (left <= 0) this.o.log.error(fields, `the mesh CA has expired: ${advice}`);
      else if (left <= warnBefore) this.o.log.warn(fields, `the mesh CA expires soon: ${advice}`);
    }
  }
}
