import type pg from 'pg';
import type { Logger } from '../../core/log.js';
import { messageOf } from '../../core/errors.js';
import type { ChangeOperation, ResourceChangedEvent } from '../resource-store.js';

/** The channel the `notify_event()` trigger announces row changes on. */
export const RESOURCE_EVENTS_CHANNEL = 'resource_events';

export const DEFAULT_MIN_BACKOFF_MS = 100;
export const DEFAULT_MAX_BACKOFF_MS = 5000;

const OPS: Record<string, ChangeOperation> = { INSERT: 'create', UPDATE: 'update', DELETE: 'delete' };

/**
 * Reads a trigger payload, `{"action":"INSERT|UPDATE|DELETE","data":{"name","mesh","type"}}`;
 * undefined for anything else.
 */
export function parseChangeNotification(payload: string | undefined): ResourceChangedEvent | undefined {
  if (payload === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { action, data } = parsed as { action?: unknown; data?: unknown };
  const op = typeof action === 'string' && Object.hasOwn(OPS, action) ? OPS[action] : undefined;
  if (op === undefined || typeof data !== 'object' || data === null) return undefined;
  const { name, mesh, type } = data as { name?: unknown; mesh?: unknown; type?: unknown };
  if (typeof name !== 'string' || typeof mesh !== 'string' || typeof type !== 'string' || name === '' || type === '') return undefined;
  return { op, type, mesh, name };
}

export interface ChangeListenerOptions {
  /** Opens a new, connected client used for nothing but LISTEN (a pooled one would be handed to others). */
  connect: () => Promise<pg.Client>;
  /** Called in notification order, then `{op:'resync'}` after every re-established LISTEN. */
  onEvent: (event: ResourceChangedEvent) => void;
  log: Logger;
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

const RESYNC: ResourceChangedEvent = { op: 'resync', type: '', mesh: '', name: '' };

/**
 * Holds `LISTEN resource_events` on a dedicated connection. When the connection fails it reconnects
 * with exponential backoff (min → max), LISTENs again and emits one `resync` event, because
 * notifications sent while nobody listened are lost for good.
 */
export class PostgresChangeListener {
  private current: pg.Client | undefined;
  private timer: NodeJS.Timeout | undefined;
  private attempt: Promise<void> | undefined;
  private stopped = false;
  /** Set while changes may have gone unseen (a failed or lost connection); cleared by a resync. */
  private missed = false;
  private backoffMs: number;
  private readonly minBackoffMs: number;
  private readonly maxBackoffMs: number;

  constructor(private readonly opts: ChangeListenerOptions) {
    this.minBackoffMs = opts.minBackoffMs ?? DEFAULT_MIN_BACKOFF_MS;
    this.maxBackoffMs = opts.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS;
    this.backoffMs = this.minBackoffMs;
  }

  /** Starts listening; resolves once the first attempt is over, LISTEN active or not (then retries follow). */
  start(): Promise<void> {
    return this.tryListen();
  }

  /** True while LISTEN is active. */
  get listening(): boolean {
    return this.current !== undefined;
  }

  private tryListen(): Promise<void> {
    const run = this.listenOnce().finally(() => {
      if (this.attempt === run) this.attempt = undefined;
    });
    this.attempt = run;
    return run;
  }

  private async listenOnce(): Promise<void> {
    if (this.stopped) return;
    let client: pg.Client;
    try {
      client = await this.opts.connect();
    } catch (err) {
      this.opts.log.warn({ error: messageOf(err), retryInMs: this.backoffMs }, 'cannot open the connection for resource change events; retrying');
      this.missed = true;
      this.retryLater();
      return;
    }
    // Stays attached for the client's whole life: a late 'error' from a dropped client must not crash the process.
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client, undefined));
    client.on('notification', (msg) => this.notified(client, msg));
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.current = client;
    try {
      await client.query(`LISTEN ${RESOURCE_EVENTS_CHANNEL}`);
    } catch (err) {
      this.lost(client, err);
      return;
    }
    if (this.current !== client || this.stopped) return; // lost or stopped while LISTEN was in flight
    this.backoffMs = this.minBackoffMs;
    if (this.missed) {
      this.missed = false;
      this.opts.log.info({}, 'listening for resource change events again; announcing a resync');
      this.opts.onEvent({ ...RESYNC });
    }
  }

  private notified(client: pg.Client, msg: pg.Notification): void {
    if (client !== this.current || msg.channel !== RESOURCE_EVENTS_CHANNEL) return;
    const event = parseChangeNotification(msg.payload);
    if (event === undefined) {
      this.opts.log.warn({ payload: (msg.payload ?? '').slice(0, 300) }, 'ignoring a malformed resource change notification');
      return;
    }
    this.opts.onEvent(event);
  }

  private lost(client: pg.Client, err: unknown): void {
    if (client !== this.current) return;
    this.current = undefined;
    this.missed = true;
    this.opts.log.warn(
      { error: err === undefined ? 'connection ended' : messageOf(err), retryInMs: this.backoffMs },
      'lost the connection for resource change events; reconnecting',
    );
    client.end().catch(() => undefined);
    this.retryLater();
  }

  private retryLater(): void {
    if (this.stopped || this.timer !== undefined) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.maxBackoffMs);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.tryListen();
    }, delay);
  }

  /** Stops retrying and closes the connection; resolves when nothing of this listener is left running. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.attempt;
    const client = this.current;
    this.current = undefined;
    if (client) await client.end().catch(() => undefined);
  }
}
