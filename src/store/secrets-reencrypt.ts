import { hasCode, messageOf } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { Resource } from '../core/resources/resource.js';
import { keyOf } from '../core/resources/resource.js';
import type { ResourceStore } from './resource-store.js';
import { decryptSecretSpec, ENCRYPTED_TYPES, encryptionKeyIdOf, encryptSecretSpec } from './secrets-encryption.js';
import type { SecretsKeyring } from './secrets-keyring.js';

const PAGE_SIZE = 200;
/** A secret rewritten concurrently this often in a row is left for the next run. */
const MAX_ATTEMPTS = 5;

export interface ReencryptCounts {
  /** Secrets and GlobalSecrets looked at. */
  checked: number;
  /** Were under an older key, now under the current one. */
  rotated: number;
  /** Were plain (written before encryption was enabled), now encrypted. */
  encrypted: number;
  /** Already under the current key. */
  current: number;
  /** Deleted while the run was going. */
  vanished: number;
  /** Could not be rewritten (missing key, altered ciphertext, persistent conflicts); each one is logged. */
  failed: number;
}

type Outcome = 'rotated' | 'encrypted' | 'current' | 'vanished';

/**
 * Rewrites every Secret and GlobalSecret that is not under the keyring's current key: this completes a
 * key rotation (after it, the old keys can be dropped) and encrypts rows written before encryption was
 * enabled. `rawStore` is the store *under* EncryptingResourceStore (it must see the stored specs).
 * Each rewrite is a compare-and-set update; a concurrent write makes it re-read and try again, so
 * running it while the control plane serves is safe. Never throws for a single bad row.
 */
export async function reencryptAll(rawStore: ResourceStore, keyring: SecretsKeyring, log: Logger): Promise<ReencryptCounts> {
  const counts: ReencryptCounts = { checked: 0, rotated: 0, encrypted: 0, current: 0, vanished: 0, failed: 0 };
  for (const type of ENCRYPTED_TYPES) {
    let offset: string | undefined;
    do {
      const page = await rawStore.list(type, { pageSize: PAGE_SIZE, ...(offset === undefined ? {} : { pageOffset: offset }) });
      for (const r of page.items) {
        counts.checked += 1;
        try {
          counts[await reencryptOne(rawStore, r, keyring)] += 1;
        } catch (err) {
          counts.failed += 1;
          log.error({ type: r.type, mesh: r.meta.mesh, name: r.meta.name, err: messageOf(err) }, 'could not re-encrypt secret');
        }
      }
      offset = page.next;
    } while (offset !== undefined && offset !== '');
  }
  log.info({ ...counts, keyId: keyring.current.id }, 'secrets re-encryption finished');
  return counts;
}

async function reencryptOne(store: ResourceStore, first: Resource, keyring: SecretsKeyring): Promise<Outcome> {
  let r = first;
  for (let attempt = 1; ; attempt++) {
    const key = keyOf(r);
    const keyId = encryptionKeyIdOf(r.spec, key);
    if (keyId === keyring.current.id) return 'current';
    const spec = encryptSecretSpec(decryptSecretSpec(r.spec, key, keyring), key, keyring);
    try {
      // Not a change the user made: keep the modification time (the version still moves on).
      await store.update({ ...r, spec }, { modificationTime: r.meta.modificationTime });
      return keyId === undefined ? 'encrypted' : 'rotated';
    } catch (err) {
      if (!hasCode(err, 'ERR_RESOURCE_CONFLICT') || attempt >= MAX_ATTEMPTS) throw err;
    }
    try {
      r = await store.get(key);
    } catch (err) {
      if (hasCode(err, 'ERR_RESOURCE_NOT_FOUND')) return 'vanished';
      throw err;
    }
  }
}
