import type { JsonObject } from '../core/resources/json.js';
import type { Resource, ResourceKey } from '../core/resources/resource.js';
import { keyOf } from '../core/resources/resource.js';
import { InvalidStoreRequestError } from './errors.js';
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
} from './resource-store.js';
import { decryptSecretSpec, encryptSecretSpec, ENCRYPTED_FIELD, isEncryptedType, needsReencryption } from './secrets-encryption.js';
import type { SecretsKeyring } from './secrets-keyring.js';

/**
 * Encrypts the spec of Secret and GlobalSecret resources on their way into `inner` and decrypts it on
 * the way out (format: secrets-encryption.ts); every other type, and watch/close, pass through.
 *
 * Without a keyring (encryption not configured) writes stay plain, but a ciphertext found on read
 * still fails loudly instead of handing out `{encrypted: …}` as if it were the secret.
 */
export class EncryptingResourceStore implements ResourceStore {
  constructor(
    private readonly inner: ResourceStore,
    private readonly keyring: SecretsKeyring | undefined,
  ) {}

  private sealed(spec: JsonObject, key: ResourceKey): JsonObject {
    if (!isEncryptedType(key.type)) return spec;
    // A caller-supplied `encrypted` field would be mistaken for a ciphertext on the next read.
    if (Object.hasOwn(spec, ENCRYPTED_FIELD)) {
      throw new InvalidStoreRequestError(`${key.type} spec field ${JSON.stringify(ENCRYPTED_FIELD)} is reserved for encryption at rest`);
    }
    return this.keyring ? encryptSecretSpec(spec, key, this.keyring) : spec;
  }

  private opened(r: Resource): Resource {
    if (!isEncryptedType(r.type)) return r;
    return { ...r, spec: decryptSecretSpec(r.spec, keyOf(r), this.keyring) };
  }

  async create(resource: NewResource, opts?: CreateOptions): Promise<Resource> {
    const key = { type: resource.type, mesh: resource.meta.mesh, name: resource.meta.name };
    const out = await this.inner.create({ ...resource, spec: this.sealed(resource.spec, key) }, opts);
    return this.opened(out);
  }

  async update(resource: Resource, opts?: UpdateOptions): Promise<Resource> {
    const out = await this.inner.update({ ...resource, spec: this.sealed(resource.spec, keyOf(resource)) }, opts);
    return this.opened(out);
  }

  delete(key: ResourceKey, opts?: DeleteOptions): Promise<void> {
    return this.inner.delete(key, opts);
  }

  async get(key: ResourceKey, opts?: GetOptions): Promise<Resource> {
    return this.opened(await this.inner.get(key, opts));
  }

  async list(type: string, opts?: ListOptions): Promise<ResourceList> {
    const page = await this.inner.list(type, opts);
    if (!isEncryptedType(type)) return page;
    // One undecryptable row fails the whole list: a list with silent holes would look complete.
    return { ...page, items: page.items.map((r) => this.opened(r)) };
  }

  /** True when the stored row is plain or under an older key (what `reencryptAll` would rewrite). */
  async needsReencryption(key: ResourceKey): Promise<boolean> {
    if (!isEncryptedType(key.type)) return false;
    const raw = await this.inner.get(key);
    return needsReencryption(raw.spec, key, this.keyring);
  }

  watch(listener: ChangeListener): () => void {
    return this.inner.watch(listener);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
