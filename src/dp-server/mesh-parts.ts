/**
 * The Mesh part of proxy configs, read and built once per Mesh change and shared by every stream of
 * that mesh: a change to a mesh with thousands of proxies costs one store read, not thousands.
 * Entries are dropped on the Mesh's change events (and all of them on a resync); failed reads are
 * not kept.
 */
import { hasCode } from '../core/errors.js';
import { MeshType, type Resource } from '../core/resources/index.js';
import { meshPartOf, type MeshPart } from './dataplane-config.js';

export interface MeshReader {
  get(key: { type: string; mesh: string; name: string }): Promise<Resource>;
}

export class MeshParts {
  private readonly entries = new Map<string, Promise<MeshPart | undefined>>();

  constructor(private readonly meshes: MeshReader) {}

  /** The part for `name`, or undefined when the Mesh does not exist. */
  get(name: string): Promise<MeshPart | undefined> {
    let entry = this.entries.get(name);
    if (entry === undefined) {
      entry = this.read(name);
      this.entries.set(name, entry);
      entry.catch(() => {
        if (this.entries.get(name) === entry) this.entries.delete(name);
      });
    }
    return entry;
  }

  /** The Mesh `name` changed (or, without a name, anything may have). */
  invalidate(name?: string): void {
    if (name === undefined) this.entries.clear();
    else this.entries.delete(name);
  }

  private async read(name: string): Promise<MeshPart | undefined> {
    try {
      return meshPartOf(await this.meshes.get({ type: MeshType.name, mesh: '', name }));
    } catch (err) {
      if (hasCode(err, 'ERR_RESOURCE_NOT_FOUND')) return undefined;
      throw err;
    }
  }
}
