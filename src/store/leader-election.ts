import { messageOf } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { silentLogger } from '../core/log.js';

/** Told `true` when this instance starts leading and `false` when it stops (lost lease, stop()). */
export type LeadershipListener = (leading: boolean) => void;

/**
 * Decides which control-plane instance runs the leader-only components (zone KDS client, insight
 * resyncers, default-resource reconcilers). Backend-neutral: the runtime picks the memory
 * (`AlwaysLeader`) or the Postgres implementation (`store/postgres/leader-lock.ts`).
 *
 * Guarantees every implementation keeps: listeners are called synchronously on each transition and
 * only on transitions (never `true` twice in a row); `stop()` reports `false` first if leading; errors
 * are logged and retried, never thrown out of the election loop.
 */
export interface LeaderElector {
  /** This instance's id, written as the lock owner. */
  readonly instanceId: string;
  /** Begins campaigning. Resolves after the first attempt (so a lone instance usually leads already). */
  start(): Promise<void>;
  /** Stops campaigning, tells listeners `false` if leading, gives leadership up and clears every timer. */
  stop(): Promise<void>;
  /** True while this instance may act as leader (checked against the lease clock, not only the last event). */
  isLeader(): boolean;
  /** Subscribes to transitions; returns the unsubscribe function. */
  onChange(listener: LeadershipListener): () => void;
  /**
   * The instance id that holds leadership now, for diagnostics (undefined: nobody). A backend with a
   * lease may name an instance that died less than one lease ago.
   */
  currentLeader(): Promise<string | undefined>;
}

/** The listener set shared by implementations: a throwing listener is logged, never breaks the others. */
export class LeadershipListeners {
  private readonly listeners = new Set<LeadershipListener>();

  constructor(private readonly log: Logger) {}

  add(listener: LeadershipListener): () => void {
    // Wrapped so the same function can subscribe twice and unsubscribe each time separately.
    const entry: LeadershipListener = (leading) => listener(leading);
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  notify(leading: boolean): void {
    for (const l of [...this.listeners]) {
      try {
        l(leading);
      } catch (err) {
        this.log.error({ err: messageOf(err), leading }, 'leadership listener failed');
      }
    }
  }
}

/**
 * The memory store's elector: there is only one instance, so it leads from start() to stop() (Kuma's
 * memory leader elector does the same).
 */
export class AlwaysLeader implements LeaderElector {
  private leading = false;
  private readonly listeners: LeadershipListeners;

  constructor(
    readonly instanceId: string,
    log: Logger = silentLogger,
  ) {
    this.listeners = new LeadershipListeners(log);
  }

  async start(): Promise<void> {
    if (this.leading) return;
    this.leading = true;
    this.listeners.notify(true);
  }

  async stop(): Promise<void> {
    if (!this.leading) return;
    this.leading = false;
    this.listeners.notify(false);
  }

  isLeader(): boolean {
    return this.leading;
  }

  onChange(listener: LeadershipListener): () => void {
    return this.listeners.add(listener);
  }

  async currentLeader(): Promise<string | undefined> {
    return this.leading ? this.instanceId : undefined;
  }
}
