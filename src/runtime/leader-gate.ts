import { messageOf } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { Component } from './component.js';
import { ComponentManager } from './component-manager.js';

/** What the gate needs from a leader elector (memory store: always leading; Postgres: a lease). */
export interface Leadership {
  start(): void | Promise<void>;
  stop(): Promise<void>;
  isLeader(): boolean;
  onChange(listener: (leading: boolean) => void): () => void;
}

/**
 * Runs leader-only components (default resources, admin token bootstrap, clean-ups) while this
 * instance leads, and stops them as soon as it does not. Components cannot be restarted once
 * stopped, so each term of leadership gets fresh ones from `make()`. Transitions run one at a time,
 * in the order the elector reported them.
 */
export class LeaderGate implements Component {
  readonly name = 'leader-gate';
  private term: ComponentManager | undefined;
  private transitions: Promise<void> = Promise.resolve();
  private unsubscribe: (() => void) | undefined;
  private stopped = false;
  private termsStarted = 0;

  constructor(
    private readonly leadership: Leadership,
    private readonly make: () => Component[],
    private readonly log: Logger,
    private readonly onLeadingChanged: (leading: boolean) => void = () => {},
  ) {}

  /** How many terms of leadership this instance has started (diagnostics and tests). */
  get terms(): number {
    return this.termsStarted;
  }

  get leading(): boolean {
    return this.term !== undefined;
  }

  async start(): Promise<void> {
    this.unsubscribe = this.leadership.onChange((leading) => this.enqueue(leading));
    await this.leadership.start();
    // An elector that is leader at once (memory store) lets start() finish the first term, so the
    // API never serves before the default Mesh exists.
    if (this.leadership.isLeader()) this.enqueue(true);
    await this.transitions;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.enqueue(false);
    await this.transitions;
    // Released last, so a successor starts its term only after ours is over.
    await this.leadership.stop();
  }

  /** Resolves when the transitions reported so far are done (tests). */
  settled(): Promise<void> {
    return this.transitions;
  }

  private enqueue(leading: boolean): void {
    this.transitions = this.transitions.then(() => (leading ? this.begin() : this.end()));
  }

  private async begin(): Promise<void> {
    if (this.term !== undefined || this.stopped || !this.leadership.isLeader()) return;
    const term = new ComponentManager(this.log);
    for (const c of this.make()) term.add(c);
    this.term = term;
    this.termsStarted += 1;
    this.log.info({ components: term.names }, 'this instance leads: starting leader-only components');
    this.onLeadingChanged(true);
    try {
      await term.start();
    } catch (err) {
      // Leader-only work failing to start must not take the instance down; the next term retries.
      this.log.error({ err: messageOf(err) }, 'leader-only components failed to start');
    }
  }

  private async end(): Promise<void> {
    const term = this.term;
    if (term === undefined) return;
    this.term = undefined;
    this.log.info({}, 'leadership ended: stopping leader-only components');
    this.onLeadingChanged(false);
    await term.stop();
  }
}
