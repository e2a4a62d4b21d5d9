/**
 * Keeps a certificate/key pair loaded from disk and reloads it when the files change, so a cert rotated
 * by cert-manager, Vault agent or an operator is served without a restart (Kuma issue #9389).
 *
 * Two triggers, because neither is enough alone:
 * - fs.watch on each file's *directory*: sees atomic renames and Kubernetes' `..data` symlink swaps,
 *   which a watch on the file itself loses (the watched inode is replaced);
 * - a poll (default every 10 s) that re-reads both files and compares a content hash: covers symlinks
 *   into other directories, network filesystems and watches that failed to start (which it re-arms).
 * Events are debounced and checks serialized. A reload that fails (missing, half-written, mismatched)
 * keeps the last good pair and logs why; the same bad content is reported once, not every poll.
 */
import { watch, type FSWatcher } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { X509Certificate } from 'node:crypto';
import type { Logger } from '../core/log.js';
import { TlsError } from './errors.js';
import { KeyPairProblem, hashKeyPairBytes, loadKeyPair, parseKeyPair, readKeyPairFiles, type KeyPair, type KeyPairFiles } from './key-pair.js';

export const DEFAULT_CERT_POLL_INTERVAL_MS = 10_000;
export const DEFAULT_CERT_DEBOUNCE_MS = 200;

export interface CertWatcherOptions {
  logger: Logger;
  /** How often to re-read the files (and re-arm failed fs watches). Default 10 s. */
  pollIntervalMs?: number;
  /** Quiet time after a filesystem event before re-reading. Default 200 ms. */
  debounceMs?: number;
  /** Use fs.watch; false leaves only the poll (tests of the poll path, exotic filesystems). */
  watchFiles?: boolean;
}

export type KeyPairListener = (pair: KeyPair) => void;

/** Fields describing a certificate for logs: who it is for and until when, never key material. */
export function describeCertificate(cert: X509Certificate): Record<string, unknown> {
  return {
    // Node reports an empty subject (Kuma's self-signed certificates have one) as undefined.
    subject: ((cert.subject as string | undefined) ?? '').replace(/\n/g, ', '),
    sans: cert.subjectAltName ?? '',
    serialNumber: cert.serialNumber,
    notAfter: new Date(cert.validTo).toISOString(),
  };
}

export class CertWatcher {
  readonly certFile: string;
  readonly keyFile: string;
  private pair: KeyPair;
  /** Hash of the last content examined, good or bad: unchanged content is not re-parsed or re-reported. */
  private lastSeen: string;
  private readonly listeners = new Set<KeyPairListener>();
  private readonly watchers = new Map<string, FSWatcher | undefined>();
  private readonly log: Logger;
  private readonly debounceMs: number;
  private readonly tick: NodeJS.Timeout;
  private debounce: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();
  private pending: Promise<boolean> | undefined;
  private isClosed = false;

  private constructor(files: KeyPairFiles, pair: KeyPair, options: CertWatcherOptions) {
    this.certFile = files.certFile;
    this.keyFile = files.keyFile;
    this.pair = pair;
    this.lastSeen = pair.contentHash;
    this.log = options.logger.child({ certFile: this.certFile, keyFile: this.keyFile });
    this.debounceMs = options.debounceMs ?? DEFAULT_CERT_DEBOUNCE_MS;
    if (options.watchFiles ?? true) {
      for (const dir of new Set([dirname(this.certFile), dirname(this.keyFile)])) this.watchers.set(dir, undefined);
      this.armWatchers();
    }
    const pollMs = options.pollIntervalMs ?? DEFAULT_CERT_POLL_INTERVAL_MS;
    this.tick = setInterval(() => {
      this.armWatchers();
      void this.checkNow();
    }, pollMs);
    // The servers using the certificate keep the process alive, the watcher must not.
    this.tick.unref();
  }

  /** Loads the pair and starts watching; a load failure is `failed to load TLS certificate: <reason>`. */
  static async start(files: KeyPairFiles, options: CertWatcherOptions): Promise<CertWatcher> {
    const abs = { certFile: resolve(files.certFile), keyFile: resolve(files.keyFile) };
    let pair: KeyPair;
    try {
      pair = await loadKeyPair(abs);
    } catch (err) {
      if (err instanceof KeyPairProblem) {
        throw new TlsError('ERR_TLS_LOAD_CERTIFICATE', `failed to load TLS certificate: ${err.message}`);
      }
      throw err;
    }
    const watcher = new CertWatcher(abs, pair, options);
    watcher.announce(pair);
    return watcher;
  }

  /** The pair being served: the last one that loaded successfully. */
  current(): KeyPair {
    return this.pair;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Calls `listener` after each successful reload; returns the unsubscribe function. */
  onReload(listener: KeyPairListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Re-reads the files now (also what events and polls do); resolves true when a new pair is served. */
  checkNow(): Promise<boolean> {
    if (this.pending !== undefined) return this.pending;
    const run = this.running.then(() => {
      this.pending = undefined;
      return this.reload();
    });
    this.pending = run;
    this.running = run.catch(() => undefined);
    return run;
  }

  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    clearInterval(this.tick);
    if (this.debounce !== undefined) clearTimeout(this.debounce);
    for (const [dir, w] of this.watchers) {
      w?.close();
      this.watchers.set(dir, undefined);
    }
    this.listeners.clear();
  }

  private armWatchers(): void {
    if (this.isClosed) return;
    for (const [dir, existing] of this.watchers) {
      if (existing !== undefined) continue;
      try {
        const w = watch(dir, { persistent: false }, () => this.scheduleCheck());
        w.on('error', (err) => {
          // e.g. the directory was removed; the poll keeps working and re-arms on its next tick.
          this.log.warn({ dir, reason: err.message }, 'stopped watching the TLS certificate directory, polling continues');
          w.close();
          if (this.watchers.get(dir) === w) this.watchers.set(dir, undefined);
        });
        this.watchers.set(dir, w);
      } catch (err) {
        // e.g. ENOSPC (inotify watches exhausted): retried on the next poll, as Kuma retries every 10 s.
        this.log.warn({ dir, reason: (err as Error).message }, 'could not watch the TLS certificate directory, relying on polling');
      }
    }
  }

  private scheduleCheck(): void {
    if (this.isClosed) return;
    if (this.debounce !== undefined) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      void this.checkNow();
    }, this.debounceMs);
    this.debounce.unref();
  }

  private async reload(): Promise<boolean> {
    if (this.isClosed) return false;
    const files = { certFile: this.certFile, keyFile: this.keyFile };
    let bytes: { cert: Buffer; key: Buffer };
    try {
      bytes = await readKeyPairFiles(files);
    } catch (err) {
      if (!(err instanceof KeyPairProblem)) throw err;
      this.reject(`unreadable:${err.message}`, err.message);
      return false;
    }
    const hash = hashKeyPairBytes(bytes.cert, bytes.key);
    if (hash === this.lastSeen || this.isClosed) return false;
    if (hash === this.pair.contentHash) {
      this.lastSeen = hash; // back to what is served after a bad rotation
      return false;
    }
    let pair: KeyPair;
    try {
      pair = parseKeyPair(files, bytes.cert, bytes.key);
    } catch (err) {
      if (!(err instanceof KeyPairProblem)) throw err;
      this.reject(hash, err.message);
      return false;
    }
    this.lastSeen = hash;
    this.pair = pair;
    this.announce(pair);
    for (const listener of [...this.listeners]) {
      try {
        listener(pair);
      } catch (err) {
        this.log.error({ reason: (err as Error).message }, 'a TLS certificate reload listener failed');
      }
    }
    return true;
  }

  private reject(seen: string, reason: string): void {
    if (seen === this.lastSeen) return;
    this.lastSeen = seen;
    this.log.warn(
      { reason, serving: describeCertificate(this.pair.chain[0] as X509Certificate) },
      'could not reload the TLS certificate, still serving the previous one',
    );
  }

  private announce(pair: KeyPair): void {
    const leaf = pair.chain[0] as X509Certificate;
    this.log.info(describeCertificate(leaf), 'serving TLS certificate');
    if (new Date(leaf.validTo).getTime() < Date.now()) {
      this.log.warn(describeCertificate(leaf), 'the TLS certificate has expired; clients will reject it until it is rotated');
    }
  }
}
