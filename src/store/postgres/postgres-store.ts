import type pg from 'pg';
import type { Logger } from '../../core/log.js';
import { silentLogger } from '../../core/log.js';
import { messageOf } from '../../core/errors.js';
import type { Resource, ResourceKey } from '../../core/resources/resource.js';
import { ChangeEventHub } from '../change-events.js';
import { InvalidStoreRequestError, ResourceAlreadyExistsError, ResourceConflictError, ResourceNotFoundError } from '../errors.js';
import { checkPageSize, parseOffset } from '../list-query.js';
import type {
  ChangeListener,
  CreateOptions,
  DeleteOptions,
  GetOptions,
  ListOptions,
  NewResource,
  ResourceList,
  ResourceStore,
  UpdateOptions,
} from '../resource-store.js';
import { PostgresChangeListener } from './change-listener.js';
import {
  escapeLike,
  labelsJson,
  parseVersion,
  RESOURCE_COLUMNS,
  rowToResource,
  specText,
  statusJson,
  timeParam,
  utcParam,
  type ResourceRow,
} from './resource-rows.js';
import { isConnectionError, isRetryableConflict, redact, sqlStateOf, SQLSTATE, storeUnavailable } from './sql-errors.js';

/** Extra attempts after the first, and the pause between them (Kuma: 3 × 10 ms). */
const RETRIES = 3;
const RETRY_DELAY_MS = 10;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface PostgresResourceStoreOptions {
  /** A configured pool on a migrated database (see migrator.ts); the store does not end it. */
  pool: pg.Pool;
  /** Opens a new connected client for LISTEN; called while someone watches, again after each loss. */
  listenClient: () => Promise<pg.Client>;
  log?: Logger;
  /** Reconnect backoff of the LISTEN connection (defaults 100 ms → 5 s). */
  listenBackoff?: { minMs: number; maxMs: number };
}

/** `read`: safe to run again after a lost connection. `write`: only when the statement never reached the server. */
type Kind = 'read' | 'write';

/**
 * The Postgres backend, on Kuma's `resources` table (a Kuma 2.x database works as is). Every
 * operation is one statement, so compare-and-set needs no explicit transaction: update and versioned
 * delete carry `WHERE version = $n`, and owned resources go with their owner through the FK cascade.
 * Change events come from the table's trigger via LISTEN/NOTIFY, so writes of every instance arrive.
 */
export class PostgresResourceStore implements ResourceStore {
  private readonly pool: pg.Pool;
  private readonly log: Logger;
  private readonly events: ChangeEventHub;
  private readonly secrets: string[];
  private listener: PostgresChangeListener | undefined;
  /** Resolves once the listener's first LISTEN attempt is over; writes wait for it (see `watch`). */
  private listenerReady: Promise<void> = Promise.resolve();
  private readonly stopping = new Set<Promise<void>>();
  private watchers = 0;
  private closed = false;
  private readonly onPoolError = (err: Error): void => {
    this.log.debug({ error: redact(messageOf(err), this.secrets) }, 'an idle PostgreSQL connection failed');
  };

  constructor(private readonly opts: PostgresResourceStoreOptions) {
    this.pool = opts.pool;
    this.log = opts.log ?? silentLogger;
    this.events = new ChangeEventHub(this.log);
    const password = (opts.pool.options as { password?: unknown }).password;
    this.secrets = typeof password === 'string' && password !== '' ? [password] : [];
    // Without any 'error' listener node-postgres would crash the process when an idle connection dies.
    this.pool.on('error', this.onPoolError);
  }

  /**
   * Runs `fn` on a pooled connection. Connection failures: acquiring is retried for any kind (nothing
   * was sent yet), a failed statement only for reads; what remains becomes StoreUnavailableError.
   * Deadlocks/serialization failures are rolled back by the server and retried for any kind.
   */
  private async run<T>(kind: Kind, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const more = attempt < RETRIES;
      let client: pg.PoolClient;
      try {
        client = await this.pool.connect();
      } catch (err) {
        if (more) {
          await sleep(RETRY_DELAY_MS);
          continue;
        }
        throw storeUnavailable(err, this.secrets);
      }
      try {
        const result = await fn(client);
        client.release();
        return result;
      } catch (err) {
        const lostConnection = isConnectionError(err);
        // A connection that failed goes back destroyed, never to the next caller.
        client.release(lostConnection ? (err instanceof Error ? err : true) : undefined);
        if (lostConnection && kind === 'read' && more) {
          this.log.debug({ error: redact(messageOf(err), this.secrets), attempt: attempt + 1 }, 'retrying a read after a lost database connection');
          await sleep(RETRY_DELAY_MS);
          continue;
        }
        if (lostConnection) throw storeUnavailable(err, this.secrets);
        if (isRetryableConflict(err) && more) {
          await sleep(RETRY_DELAY_MS);
          continue;
        }
        throw err;
      }
    }
  }

  /** Writes wait for a starting LISTEN, so a watcher sees every write made after `watch()` returned. */
  private async write<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    await this.listenerReady;
    return this.run('write', fn);
  }

  async create(input: NewResource, opts: CreateOptions = {}): Promise<Resource> {
    const key: ResourceKey = { type: input.type, mesh: input.meta.mesh, name: input.meta.name };
    const at = timeParam(opts.creationTime ?? new Date(), 'creationTime');
    const owner = opts.owner;
    const params = [key.name, key.mesh, key.type, specText(input.spec), labelsJson(input.meta.labels), statusJson(input.status), at,
      owner?.name ?? null, owner?.mesh ?? null, owner?.type ?? null];
    try {
      const r = await this.write((c) =>
        c.query<ResourceRow>(
          `INSERT INTO resources (name, mesh, type, version, spec, labels, status, creation_time, modification_time, owner_name, owner_mesh, owner_type)
           VALUES ($1, $2, $3, 0, $4, $5::jsonb, $6::jsonb, ${utcParam(7)}, ${utcParam(7)}, $8, $9, $10)
           RETURNING ${RESOURCE_COLUMNS}`,
          params,
        ),
      );
      return rowToResource(this.only(r.rows, key));
    } catch (err) {
      throw this.writeError(err, key, owner);
    }
  }

  async update(input: Resource, opts: UpdateOptions = {}): Promise<Resource> {
    const key: ResourceKey = { type: input.type, mesh: input.meta.mesh, name: input.meta.name };
    const version = parseVersion(input.meta.version);
    const at = timeParam(opts.modificationTime ?? new Date(), 'modificationTime');
    if (version === undefined) throw new ResourceConflictError(key);
    try {
      const r = await this.write((c) =>
        c.query<ResourceRow>(
          `UPDATE resources SET spec = $5, labels = $6::jsonb, status = $7::jsonb, version = version + 1, modification_time = ${utcParam(8)}
           WHERE name = $1 AND mesh = $2 AND type = $3 AND version = $4
           RETURNING ${RESOURCE_COLUMNS}`,
          [key.name, key.mesh, key.type, version, specText(input.spec), labelsJson(input.meta.labels), statusJson(input.status), at],
        ),
      );
      const row = r.rows[0];
      if (!row) throw new ResourceConflictError(key); // stale version, or the resource is gone
      return rowToResource(row);
    } catch (err) {
      throw this.writeError(err, key);
    }
  }

  async delete(key: ResourceKey, opts: DeleteOptions = {}): Promise<void> {
    const version = opts.version === undefined ? null : (parseVersion(opts.version) ?? -1);
    try {
      const deleted = await this.write(async (c) => {
        const r = await c.query(
          'DELETE FROM resources WHERE name = $1 AND mesh = $2 AND type = $3 AND ($4::integer IS NULL OR version = $4) RETURNING version',
          [key.name, key.mesh, key.type, version],
        );
        return r.rowCount ?? 0;
      });
      if (deleted === 1) return;
    } catch (err) {
      throw this.writeError(err, key);
    }
    if (version === null) throw new ResourceNotFoundError(key);
    // Nothing deleted under a version: a stale version is a conflict, a missing row is not found.
    const exists = await this.run('read', (c) => c.query('SELECT 1 FROM resources WHERE name = $1 AND mesh = $2 AND type = $3', [key.name, key.mesh, key.type]));
    throw exists.rows.length > 0 ? new ResourceConflictError(key) : new ResourceNotFoundError(key);
  }

  async get(key: ResourceKey, opts: GetOptions = {}): Promise<Resource> {
    const r = await this.run('read', (c) =>
      c.query<ResourceRow>(`SELECT ${RESOURCE_COLUMNS} FROM resources WHERE name = $1 AND mesh = $2 AND type = $3`, [key.name, key.mesh, key.type]),
    );
    const row = r.rows[0];
    if (!row) throw new ResourceNotFoundError(key);
    if (opts.version !== undefined && opts.version !== '' && opts.version !== String(row.version)) throw new ResourceConflictError(key);
    return rowToResource(row);
  }

  async list(type: string, opts: ListOptions = {}): Promise<ResourceList> {
    const size = checkPageSize(opts.pageSize);
    const offset = size === 0 ? 0 : parseOffset(opts.pageOffset, size);
    const params: unknown[] = [type];
    const where = ['type = $1'];
    if (opts.mesh) {
      params.push(opts.mesh);
      where.push(`mesh = $${params.length}`);
    }
    if (opts.nameContains) {
      params.push(`%${escapeLike(opts.nameContains)}%`);
      where.push(`name LIKE $${params.length} ESCAPE '\\'`);
    }
    if (opts.labels && Object.keys(opts.labels).length > 0) {
      params.push(JSON.stringify(opts.labels));
      where.push(`labels @> $${params.length}::jsonb`);
    }
    params.push(size === 0 ? null : String(size), String(offset));
    // One statement, so total and page come from the same snapshot; the LEFT JOIN keeps the total
    // when the page is empty. "C" collation: byte order, whatever the database's locale.
    const sql = `WITH matching AS (SELECT ${RESOURCE_COLUMNS} FROM resources WHERE ${where.join(' AND ')})
      SELECT counted.total, page.* FROM (SELECT count(*) AS total FROM matching) counted
      LEFT JOIN LATERAL (SELECT * FROM matching ORDER BY mesh COLLATE "C", name COLLATE "C"
        LIMIT $${params.length - 1}::bigint OFFSET $${params.length}::bigint) page ON true`;
    const r = await this.run('read', (c) => c.query<ResourceRow & { total: string }>(sql, params));
    const total = Number(r.rows[0]?.total ?? 0);
    const items = r.rows.filter((row) => row.name !== null).map(rowToResource);
    const out: ResourceList = { items, total };
    if (size > 0 && offset + size < total) out.next = String(offset + size);
    return out;
  }

  watch(listener: ChangeListener): () => void {
    if (this.closed) return () => undefined;
    const unsubscribe = this.events.subscribe(listener);
    this.watchers += 1;
    if (!this.listener) {
      const l = new PostgresChangeListener({
        connect: this.opts.listenClient,
        onEvent: (e) => this.events.emit(e),
        log: this.log,
        ...(this.opts.listenBackoff ? { minBackoffMs: this.opts.listenBackoff.minMs, maxBackoffMs: this.opts.listenBackoff.maxMs } : {}),
      });
      this.listener = l;
      this.listenerReady = l.start();
    }
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      unsubscribe();
      if (this.closed) return;
      this.watchers -= 1;
      if (this.watchers === 0) this.stopListener();
    };
  }

  /** The LISTEN connection is held only while someone watches. */
  private stopListener(): void {
    const l = this.listener;
    if (!l) return;
    this.listener = undefined;
    this.listenerReady = Promise.resolve();
    const done = l.stop().finally(() => this.stopping.delete(done));
    this.stopping.add(done);
  }

  /** Stops change events (closing the LISTEN connection, cancelling reconnects); the pool stays open for its owner. */
  async close(): Promise<void> {
    this.closed = true;
    this.watchers = 0;
    this.events.clear();
    this.stopListener();
    await Promise.all([...this.stopping]);
    this.pool.off('error', this.onPoolError);
  }

  private only(rows: ResourceRow[], key: ResourceKey): ResourceRow {
    const row = rows[0];
    if (!row) throw new ResourceConflictError(key);
    return row;
  }

  /** Domain errors for SQLSTATEs a write can meet; store errors and unknown failures pass through. */
  private writeError(err: unknown, key: ResourceKey, owner?: ResourceKey): unknown {
    switch (sqlStateOf(err)) {
      case SQLSTATE.uniqueViolation:
        return new ResourceAlreadyExistsError(key);
      case SQLSTATE.foreignKeyViolation:
        return owner ? new ResourceNotFoundError(owner) : err;
      case SQLSTATE.serializationFailure:
      case SQLSTATE.deadlockDetected:
        return new ResourceConflictError(key);
      case SQLSTATE.stringDataRightTruncation:
        return new InvalidStoreRequestError('a name, mesh, type or owner key is longer than the database allows (name 253, others 100 characters)');
      case SQLSTATE.untranslatableCharacter:
      case SQLSTATE.characterNotInRepertoire:
        return new InvalidStoreRequestError('labels or status contain a character PostgreSQL cannot store (such as \\u0000)');
      default:
        return err;
    }
  }
}
