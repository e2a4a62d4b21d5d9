/**
 * One CertWatcher per (certFile, keyFile) pair, shared by every server that serves it. kuma-cp points
 * five or more servers at the general certificate; they should read and watch it once, and agree on
 * which certificate the process serves (the bootstrap server hands that same chain to data planes).
 * Leases are reference counted: the watcher stops when the last user releases it.
 */
import { resolve } from 'node:path';
import { CertWatcher, type CertWatcherOptions } from './cert-watcher.js';
import type { KeyPairFiles } from './key-pair.js';

interface Entry {
  watcher: Promise<CertWatcher>;
  leases: number;
}

/** A handle on a shared watcher; `release()` is idempotent. */
export interface CertWatcherLease {
  readonly watcher: CertWatcher;
  release(): void;
}

export class CertWatcherRegistry {
  private readonly entries = new Map<string, Entry>();

  /** `options` apply to every watcher this registry starts (the first user of a pair does not choose). */
  constructor(private readonly options: CertWatcherOptions) {}

  /** The watcher of this pair, started (and loaded) on first use; rejects with the load error. */
  async acquire(files: KeyPairFiles): Promise<CertWatcherLease> {
    const abs = { certFile: resolve(files.certFile), keyFile: resolve(files.keyFile) };
    const key = JSON.stringify([abs.certFile, abs.keyFile]);
    let entry = this.entries.get(key);
    if (entry === undefined) {
      const created: Entry = { watcher: CertWatcher.start(abs, this.options), leases: 0 };
      // A failed start must not poison the pair: the next acquire tries again.
      created.watcher.catch(() => {
        if (this.entries.get(key) === created) this.entries.delete(key);
      });
      this.entries.set(key, created);
      entry = created;
    }
    const current = entry;
    current.leases++;
    let watcher: CertWatcher;
    try {
      watcher = await current.watcher;
    } catch (err) {
      current.leases--;
      throw err;
    }
    let released = false;
    return {
      watcher,
      release: () => {
        if (released) return;
        released = true;
        current.leases--;
        if (current.leases === 0 && this.entries.get(key) === current) {
          this.entries.delete(key);
          watcher.close();
        }
      },
    };
  }

  /** How many pairs are being watched (for tests and diagnostics). */
  get size(): number {
    return this.entries.size;
  }

  /** Stops every watcher, leased or not (process shutdown). */
  async closeAll(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    for (const e of all) {
      try {
        (await e.watcher).close();
      } catch {
        // it never started
      }
    }
  }
}
