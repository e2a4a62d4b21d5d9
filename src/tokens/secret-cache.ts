import type { Resource, ResourceKey } from '../core/resources/resource.js';
import { GLOBAL_SECRET_TYPE, SECRET_TYPE, isNotFound, type SecretChange, type SecretSource } from './secret-source.js';

/** A cached derived value (undefined: the secret does not exist) and whether it is still the latest. */
export interface Cached<T> {
  readonly value: T | undefined;
  /** False once the secret changed (watch event), the entry aged out, or was evicted. */
  isCurrent(): boolean;
}

export interface SecretCacheOptions {
  /**
   * Upper bound on staleness if a change notification is lost (Postgres LISTEN reconnects);
   * changes seen through `watch` invalidate at once. Kuma's read cache uses 1 s.
   */
  maxAgeMs?: number;
  /** More distinct secrets than this and the cache starts over (hostile kids cannot grow it). */
  maxEntries?: number;
  /** Monotonic milliseconds; tests may pass a fake. */
  now?: () => number;
}

interface Entry {
  expiresAt: number;
  promise: Promise<Cached<unknown>>;
}

function resourceId(k: { type: string; mesh: string; name: string }): string {
  return `${k.type}\u0000${k.mesh}\u0000${k.name}`;
}

/**
 * Derived values of Secrets/GlobalSecrets (parsed keys, revocation sets) keyed by resource and
 * derivation, including "not found", so token validation does not touch the store per request.
 * Concurrent reads of the same secret share one store call.
 */
export class SecretCache {
  private readonly byResource = new Map<string, Map<string, Entry>>();
  private readonly maxAgeMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;
  /** Bumped on every relevant change, so a read that raced a change is not cached. */
  private epoch = 0;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly source: SecretSource,
    opts: SecretCacheOptions = {},
  ) {
    this.maxAgeMs = opts.maxAgeMs ?? 1000;
    this.maxEntries = opts.maxEntries ?? 10_000;
    this.now = opts.now ?? (() => performance.now());
  }

  /** The store behind the cache, for uncached reads (the issuer lists keys). */
  get secrets(): SecretSource {
    return this.source;
  }

  private onChange(change: SecretChange): void {
    if (change.op === 'resync') {
      this.epoch += 1;
      this.byResource.clear();
      return;
    }
    if (change.type !== SECRET_TYPE && change.type !== GLOBAL_SECRET_TYPE) return;
    this.epoch += 1;
    this.byResource.delete(resourceId(change));
  }

  private ensureWatching(): void {
    if (this.unsubscribe === undefined) this.unsubscribe = this.source.watch((c) => this.onChange(c));
  }

  /**
   * `derive(secret)` for the secret at `key`, cached under (key, kind) until the secret changes.
   * Store failures are not cached; derive failures are rethrown and not cached either.
   */
  read<T>(key: ResourceKey, kind: string, derive: (secret: Resource) => T): Promise<Cached<T>> {
    this.ensureWatching();
    const rid = resourceId(key);
    const now = this.now();
    let kinds = this.byResource.get(rid);
    const hit = kinds?.get(kind);
    if (hit && now < hit.expiresAt) return hit.promise as Promise<Cached<T>>;
    if (!kinds) {
      if (this.byResource.size >= this.maxEntries) this.byResource.clear();
      kinds = new Map();
      this.byResource.set(rid, kinds);
    }
    const startEpoch = this.epoch;
    const entry: Entry = { expiresAt: now + this.maxAgeMs, promise: Promise.resolve(undefined as unknown as Cached<unknown>) };
    const isCurrent = (): boolean => this.byResource.get(rid)?.get(kind) === entry && this.now() < entry.expiresAt;
    const forget = (): void => {
      if (this.byResource.get(rid)?.get(kind) === entry) this.byResource.get(rid)?.delete(kind);
    };
    entry.promise = this.source.get(key).then(
      (secret) => {
        const value = derive(secret);
        if (this.epoch !== startEpoch) forget();
        return { value, isCurrent };
      },
      (err: unknown) => {
        if (!isNotFound(err)) throw err;
        if (this.epoch !== startEpoch) forget();
        return { value: undefined, isCurrent };
      },
    );
    entry.promise.catch(forget);
    kinds.set(kind, entry);
    return entry.promise as Promise<Cached<T>>;
  }

  /** Drop everything (tests, or after a store reconnect). */
  clear(): void {
    this.epoch += 1;
    this.byResource.clear();
  }

  /** Stop watching the store. */
  close(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.clear();
  }
}
