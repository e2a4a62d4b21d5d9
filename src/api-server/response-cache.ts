// Serialized GET bodies, reused while nothing they depend on changed. Every stored change bumps the
// generation of its type (from the store's change events, and at once for writes made through this
// API, so a client reads its own writes); a cached body is served only while the generations it was
// built from are unchanged.

export interface ChangeSource {
  watch(listener: (e: { op: string; type: string }) => void): () => void;
}

export class TypeGenerations {
  private readonly gens = new Map<string, number>();
  private resyncs = 0;
  private readonly unsubscribe: () => void;

  constructor(source: ChangeSource) {
    this.unsubscribe = source.watch((e) => (e.op === 'resync' ? this.bumpAll() : this.bump(e.type)));
  }

  get(type: string): number {
    return this.gens.get(type) ?? 0;
  }

  bump(type: string): void {
    this.gens.set(type, this.get(type) + 1);
  }

  /** Changes may have been missed: every cached body is stale. */
  bumpAll(): void {
    this.resyncs += 1;
  }

  /** A stamp of several types' generations, compared as a whole. */
  stamp(types: readonly string[]): string {
    let s = `${this.resyncs}:`;
    for (const t of types) s += `${this.get(t)},`;
    return s;
  }

  close(): void {
    this.unsubscribe();
  }
}

interface Entry {
  stamp: string;
  body: Buffer;
}

/** Bounded map of key → body; starts over when full (keys are attacker-chosen query strings). */
export class ResponseCache {
  private readonly entries = new Map<string, Entry>();

  private bytes = 0;

  /** At most `maxEntries` bodies and `maxBytes` in total; bigger bodies are not kept. */
  constructor(
    private readonly maxEntries = 512,
    private readonly maxBytes = 32 * 1024 * 1024,
  ) {}

  get(key: string, stamp: string): Buffer | undefined {
    const e = this.entries.get(key);
    return e !== undefined && e.stamp === stamp ? e.body : undefined;
  }

  set(key: string, stamp: string, body: Buffer): void {
    if (body.length > this.maxBytes / 8) return;
    const old = this.entries.get(key);
    if (old !== undefined) this.bytes -= old.body.length;
    else if (this.entries.size >= this.maxEntries) this.clear();
    if (this.bytes + body.length > this.maxBytes) this.clear();
    this.entries.set(key, { stamp, body });
    this.bytes += body.length;
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }
}
