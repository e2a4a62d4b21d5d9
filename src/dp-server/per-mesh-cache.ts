/**
 * A value derived from the store once per mesh and shared by every stream of that mesh (the Mesh's
 * config part, its MeshTrafficPermissions, its endpoints): a change to a mesh with thousands of
 * proxies costs one store read, not thousands. Entries are dropped when what they derive from
 * changes (and all of them on a resync); failed reads are not kept.
 */
export class PerMeshCache<T> {
  private readonly entries = new Map<string, Promise<T>>();

  constructor(private readonly load: (mesh: string) => Promise<T>) {}

  get(mesh: string): Promise<T> {
    let entry = this.entries.get(mesh);
    if (entry === undefined) {
      entry = this.load(mesh);
      this.entries.set(mesh, entry);
      entry.catch(() => {
        if (this.entries.get(mesh) === entry) this.entries.delete(mesh);
      });
    }
    return entry;
  }

  /** What `mesh`'s value derives from changed (or, without a mesh, anything may have). */
  invalidate(mesh?: string): void {
    if (mesh === undefined) this.entries.clear();
    else this.entries.delete(mesh);
  }
}
