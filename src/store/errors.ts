import { KumaError } from '../core/errors.js';
import type { ResourceKey } from '../core/resources/resource.js';
import { describeKey } from '../core/resources/resource.js';

// Store errors with Kuma's texts (pkg/core/resources/store/error.go); the API maps them to 404/409/400.

export class ResourceNotFoundError extends KumaError {
  readonly key: ResourceKey;
  constructor(key: ResourceKey) {
    super('ERR_RESOURCE_NOT_FOUND', `resource not found: ${describeKey(key)}`);
    this.key = { ...key };
  }
}

export class ResourceAlreadyExistsError extends KumaError {
  readonly key: ResourceKey;
  constructor(key: ResourceKey) {
    super('ERR_RESOURCE_ALREADY_EXISTS', `resource already exists: ${describeKey(key)}`);
    this.key = { ...key };
  }
}

/** The caller's version is stale (someone else wrote in between) or the record vanished during update. */
export class ResourceConflictError extends KumaError {
  readonly key: ResourceKey;
  constructor(key: ResourceKey) {
    super('ERR_RESOURCE_CONFLICT', `resource conflict: ${describeKey(key)}`);
    this.key = { ...key };
  }
}

/** A request the store refuses as malformed (bad offset, missing name, ...): `invalid: <reason>`. */
export class InvalidStoreRequestError extends KumaError {
  readonly reason: string;
  constructor(reason: string) {
    super('ERR_STORE_INVALID', `invalid: ${reason}`);
    this.reason = reason;
  }
}

/**
 * The database behind the store cannot be reached right now (down, restarting, refusing or dropping
 * connections, pool exhausted); retrying later can succeed. Reads changed nothing; a write whose
 * connection broke after the statement was sent may or may not have been applied (read to find out).
 * `reason` is the driver's explanation without any credential.
 */
export class StoreUnavailableError extends KumaError {
  readonly reason: string;
  constructor(reason: string, options?: { cause?: unknown }) {
    super('ERR_STORE_UNAVAILABLE', `the resource store cannot reach its database: ${reason}. Check that PostgreSQL is running and reachable; the request can be retried`, options);
    this.reason = reason;
  }
}
