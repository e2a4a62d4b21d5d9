import type { Logger } from '../core/log.js';
import { messageOf } from '../core/errors.js';
import type { Component } from './component.js';

/**
 * Starts components in order and stops them in reverse. A component that fails to start stops the
 * ones already running (so a half-started control plane never keeps ports open), then the error
 * propagates to the caller.
 */
export class ComponentManager {
  private readonly components: Component[] = [];
  private readonly started: Component[] = [];
  private readonly abort = new AbortController();
  private state: 'idle' | 'starting' | 'running' | 'stopping' | 'stopped' = 'idle';

  constructor(private readonly log: Logger) {}

  add(component: Component): void {
    if (this.state !== 'idle') throw new Error(`cannot add component ${component.name} after start`);
    this.components.push(component);
  }

  get isReady(): boolean {
    return this.state === 'running';
  }

  get names(): string[] {
    return this.components.map((c) => c.name);
  }

  async start(): Promise<void> {
    this.state = 'starting';
    for (const c of this.components) {
      if (this.abort.signal.aborted) break;
      try {
        await c.start(this.abort.signal);
        this.started.push(c);
        this.log.debug({ component: c.name }, 'component started');
      } catch (err) {
        this.log.error({ component: c.name, err: messageOf(err) }, 'component failed to start');
        await this.stop();
        throw err;
      }
    }
    if (this.state === 'starting') this.state = 'running';
  }

  /** Stops every started component in reverse order; each gets `timeoutMs` before we move on. */
  async stop(timeoutMs = 10_000): Promise<void> {
    if (this.state === 'stopping' || this.state === 'stopped') return;
    this.state = 'stopping';
    this.abort.abort();
    for (const c of this.started.reverse()) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
        timer.unref();
      });
      try {
        const result = await Promise.race([c.stop().then(() => 'ok' as const), timeout]);
        if (result === 'timeout') this.log.warn({ component: c.name, timeoutMs }, 'component did not stop in time');
      } catch (err) {
        this.log.warn({ component: c.name, err: messageOf(err) }, 'component failed to stop cleanly');
      } finally {
        clearTimeout(timer);
      }
    }
    this.started.length = 0;
    this.state = 'stopped';
  }
}
