import { messageOf } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { deleteOfflineDataplanes, type ResourceManager } from '../managers/index.js';
import type { Component } from './component.js';

/** Leader-only: every `intervalMs` (Kuma: 1 min), delete Dataplanes offline for longer than the cleanup age. */
export class DataplaneGcComponent implements Component {
  readonly name = 'dataplane-gc';
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly resources: ResourceManager,
    private readonly opts: { cleanupAgeMs: number; intervalMs?: number; log: Logger },
  ) {}

  async start(): Promise<void> {
    this.timer = setInterval(() => {
      this.running = this.running.then(() =>
        deleteOfflineDataplanes(this.resources, { cleanupAgeMs: this.opts.cleanupAgeMs, log: this.opts.log }).then(
          () => undefined,
          (err: unknown) => this.opts.log.error({ err: messageOf(err) }, 'unable to cleanup'),
        ),
      );
    }, this.opts.intervalMs ?? 60_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
