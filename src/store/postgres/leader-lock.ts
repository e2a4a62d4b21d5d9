import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { KumaError, messageOf } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { silentLogger } from '../../core/log.js';
import type { LeaderElector, LeadershipListener } from '../leader-election.js';
import { LeadershipListeners } from '../leader-election.js';
import { compareAndSetLock, insertLock, readLock, releaseLock } from './leader-lock-sql.js';

/** Kuma's lock name, lease and heartbeat (pkg/plugins/leader/postgres, cirello.io/pglock). */
export const KUMA_LEADER_LOCK_NAME = 'kuma-cp-lock';
export const DEFAULT_LEASE_MS = 5000;
export const DEFAULT_HEARTBEAT_MS = 1000;

/**
 * The holder steps down this fraction of a lease before the lease runs out: the others count a full
 * lease on *their* clocks from when they first saw our last RVN, which is after we sent it; the margin
 * absorbs clock-rate differences between hosts and timer lateness.
 */
const HOLDER_MARGIN = 0.1;

export interface PostgresLeaderElectorOptions {
  /** Pool for short queries; no connection is held between them. The caller owns (and ends) it. */
  pool: pg.Pool;
  instanceId: string;
  log?: Logger;
  lockName?: string;
  leaseMs?: number;
  heartbeatMs?: number;
  /** Wait after a failed query before trying again (Kuma: 5 s). Default: one lease. */
  retryMs?: number;
}

export class LeaderElectionConfigError extends KumaError {
  constructor(message: string) {
    super('ERR_LEADER_ELECTION_CONFIG', message);
  }
}

/** Rejects with a timeout error when `p` takes longer than `ms`; the late result is ignored. */
function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Leader election on Kuma's `locks` table with pglock's record-version-number (RVN) protocol, which
 * never compares clocks across hosts:
 * - a free row (absent or RVN NULL) is taken at once with an insert / compare-and-set;
 * - a taken row is taken over only when its RVN stayed unchanged for a full lease since we first saw
 *   it (its holder stopped heartbeating), again with a compare-and-set on that RVN;
 * - the holder replaces its RVN every heartbeat with a compare-and-set on its own RVN; a failed or
 *   refused heartbeat, or none succeeding within (lease - margin) of the last good one (measured on
 *   our monotonic clock from when it was *sent*, so an event-loop stall counts), ends leadership
 *   before anyone else can have taken over;
 * - stop() deletes our row so a waiting instance takes over within one heartbeat.
 * Polling every heartbeat (pglock waits a whole lease between attempts) is what makes the hand-over
 * after stop() fast.
 */
export class PostgresLeaderElector implements LeaderElector {
  readonly instanceId: string;
  private readonly pool: pg.Pool;
  private readonly log: Logger;
  private readonly lockName: string;
  private readonly leaseMs: number;
  private readonly heartbeatMs: number;
  private readonly retryMs: number;
  private readonly listeners: LeadershipListeners;

  private started = false;
  private stopped = false;
  private leading = false;
  /** Monotonic time after which we must no longer act as leader. */
  private deadline = 0;
  /** The RVN we wrote last; while the row still carries it, nobody else has taken the lock. */
  private ownRvn: string | undefined;
  /** Someone else's RVN and when we first saw it (monotonic). */
  private observed: { rvn: string; at: number } | undefined;
  private failures = 0;
  private tickTimer: NodeJS.Timeout | undefined;
  private lossTimer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> = Promise.resolve();
  private readonly onPoolError = (err: Error): void => {
    // An idle connection died (server restart); pg emits this on the pool and it would crash the process
    // if nobody listened. The next query dials again.
    this.log.debug({ err: err.message }, 'idle leader-election connection closed');
  };

  constructor(opts: PostgresLeaderElectorOptions) {
    this.pool = opts.pool;
    this.instanceId = opts.instanceId;
    this.log = (opts.log ?? silentLogger).child({ component: 'postgres-leader' });
    this.lockName = opts.lockName ?? KUMA_LEADER_LOCK_NAME;
    this.leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
    this.heartbeatMs = opts.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
    this.retryMs = opts.retryMs ?? this.leaseMs;
    if (this.instanceId === '') throw new LeaderElectionConfigError('leader election needs a non-empty instance id');
    if (!(this.heartbeatMs > 0 && this.leaseMs >= 2 * this.heartbeatMs)) {
      throw new LeaderElectionConfigError(
        `leader election lease (${this.leaseMs} ms) must be at least twice the heartbeat (${this.heartbeatMs} ms), or one slow heartbeat loses the lock`,
      );
    }
    if (!(this.retryMs > 0)) throw new LeaderElectionConfigError(`leader election retry interval must be positive, got ${this.retryMs} ms`);
    this.listeners = new LeadershipListeners(this.log);
  }

  async start(): Promise<void> {
    if (this.stopped) throw new LeaderElectionConfigError('a stopped leader elector cannot be started again: create a new one');
    if (this.started) return;
    this.started = true;
    this.pool.on('error', this.onPoolError);
    this.log.info({ instanceId: this.instanceId, lock: this.lockName }, 'starting leader elector');
    await this.tick();
  }

  async stop(): Promise<void> {
    if (!this.started || this.stopped) {
      this.stopped = true;
      return;
    }
    this.stopped = true;
    clearTimeout(this.tickTimer);
    this.tickTimer = undefined;
    this.stepDown('stopping');
    await this.inFlight; // its result may still tell us our latest RVN, which the release needs
    clearTimeout(this.lossTimer);
    this.lossTimer = undefined;
    const rvn = this.ownRvn;
    this.ownRvn = undefined;
    if (rvn !== undefined) {
      try {
        const released = await withTimeout(releaseLock(this.pool, this.lockName, rvn), this.leaseMs, 'releasing the leader lock');
        if (released) this.log.info({}, 'leader lock released');
      } catch (err) {
        // Not fatal: the others take over once our RVN stays unchanged for a lease.
        this.log.warn({ err: messageOf(err) }, 'could not release the leader lock; another instance takes over after one lease');
      }
    }
    this.pool.off('error', this.onPoolError);
    this.log.info({}, 'leader elector stopped');
  }

  isLeader(): boolean {
    return this.leading && performance.now() < this.deadline;
  }

  onChange(listener: LeadershipListener): () => void {
    return this.listeners.add(listener);
  }

  async currentLeader(): Promise<string | undefined> {
    const row = await readLock(this.pool, this.lockName);
    if (!row || row.rvn === null || row.owner === null) return undefined;
    return row.owner;
  }

  /** One round, then the next is scheduled (rounds never overlap). */
  private async tick(): Promise<void> {
    this.tickTimer = undefined;
    if (this.stopped) return;
    let next = this.heartbeatMs;
    this.inFlight = this.round().then(
      () => {
        this.failures = 0;
      },
      (err: unknown) => {
        this.failures += 1;
        next = this.retryMs;
        this.stepDown(`leader election query failed: ${messageOf(err)}`);
        // Like Kuma: quiet for the first few failures (a restart of the DB), loud when it persists.
        const fields = { err: messageOf(err), failures: this.failures, retryInMs: this.retryMs };
        if (this.failures > 3) this.log.error(fields, 'leader election keeps failing; retrying');
        else this.log.debug(fields, 'leader election query failed; retrying');
      },
    );
    await this.inFlight;
    if (!this.stopped) this.tickTimer = setTimeout(() => void this.tick(), next);
  }

  private query<T>(p: Promise<T>, what: string): Promise<T> {
    // A hung query must not hold the loop: the loss timer protects safety, this protects liveness.
    return withTimeout(p, this.leaseMs, what);
  }

  private async round(): Promise<void> {
    if (this.leading) {
      const sentAt = performance.now();
      const rvn = await this.query(compareAndSetLock(this.pool, this.lockName, this.ownRvn ?? null, this.instanceId), 'leader heartbeat');
      if (rvn === undefined) {
        this.ownRvn = undefined;
        this.stepDown('the lock was taken over (its record version changed)');
        return;
      }
      this.ownRvn = rvn;
      this.lead(sentAt);
      return;
    }

    const row = await this.query(readLock(this.pool, this.lockName), 'reading the leader lock');
    const seenAt = performance.now(); // after the row was read, so never before the RVN was written
    if (this.stopped) return;
    let expected: string | null;
    if (row === undefined) {
      const sentAt = performance.now();
      const rvn = await this.query(insertLock(this.pool, this.lockName, this.instanceId), 'taking the leader lock');
      if (rvn !== undefined) this.acquired(rvn, sentAt, 'the lock was free');
      return;
    } else if (row.rvn === null || row.rvn === this.ownRvn) {
      // Released, or still carrying the RVN we wrote last (we lost it to an error, nobody else took it).
      expected = row.rvn;
    } else if (this.observed?.rvn === row.rvn && seenAt - this.observed.at >= this.leaseMs) {
      expected = row.rvn;
      this.log.info({ previousOwner: row.owner, staleForMs: Math.round(seenAt - this.observed.at) }, 'leader stopped heartbeating; taking over');
    } else {
      if (this.observed?.rvn !== row.rvn) this.observed = { rvn: row.rvn, at: seenAt };
      this.ownRvn = undefined; // someone else wrote after us: our RVN is history
      return;
    }
    const sentAt = performance.now();
    const rvn = await this.query(compareAndSetLock(this.pool, this.lockName, expected, this.instanceId), 'taking the leader lock');
    if (rvn !== undefined) this.acquired(rvn, sentAt, expected === null ? 'the lock was released' : 'the lock was ours or abandoned');
  }

  private acquired(rvn: string, sentAt: number, why: string): void {
    this.ownRvn = rvn;
    this.observed = undefined;
    if (this.stopped) return; // stop() releases this RVN
    this.lead(sentAt);
    if (this.leading) this.log.info({ instanceId: this.instanceId, reason: why }, 'leader lock acquired: leading');
  }

  /** A write carrying our RVN, sent at `sentAt`, succeeded: lead until one lease (minus margin) after it. */
  private lead(sentAt: number): void {
    if (this.stopped) return;
    const deadline = sentAt + this.leaseMs * (1 - HOLDER_MARGIN);
    const now = performance.now();
    if (now >= deadline) {
      // The answer came too late (event-loop stall, slow DB): the lease may already be someone else's.
      this.stepDown('heartbeat answered after the lease ran out');
      return;
    }
    this.deadline = deadline;
    clearTimeout(this.lossTimer);
    this.lossTimer = setTimeout(() => this.stepDown('no successful heartbeat within the lease'), deadline - now);
    if (!this.leading) {
      this.leading = true;
      this.listeners.notify(true);
    }
  }

  private stepDown(reason: string): void {
    clearTimeout(this.lossTimer);
    this.lossTimer = undefined;
    if (!this.leading) return;
    this.leading = false;
    this.deadline = 0;
    if (reason === 'stopping') this.log.info({}, 'stopped leading');
    else this.log.warn({ reason }, 'leadership lost');
    this.listeners.notify(false);
  }
}
