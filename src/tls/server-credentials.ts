/**
 * What a kuma-cp TLS server (API HTTPS, DP server, KDS, diagnostics, MADS) needs: options to create it
 * from Kuma's settings, and hot reload of its certificate. Works with any Node TLS-based server
 * (tls.Server, https.Server and http2's secure server all extend tls.Server, so setSecureContext
 * swaps the certificate for new connections while established ones continue).
 */
import type { X509Certificate } from 'node:crypto';
import type { SecureContextOptions, Server as TlsServer, TlsOptions } from 'node:tls';
import type { Logger } from '../core/log.js';
import { CaBundleProblem, readCaBundleFile, type CaBundle } from './ca-bundle.js';
import { CertWatcherRegistry, type CertWatcherLease } from './cert-watcher-registry.js';
import type { CertWatcherOptions } from './cert-watcher.js';
import { TlsError } from './errors.js';
import { resolveTlsProtocol, type NodeTlsProtocolOptions } from './protocol-settings.js';

/** Plain TLS settings of one server, in Kuma's vocabulary (what the config holds after propagation). */
export interface TlsServerSettings {
  certFile: string;
  keyFile: string;
  /** `TLSv1_2`, `TLSv1_3` or "" (TLS 1.2). */
  minVersion: string;
  /** `TLSv1_2`, `TLSv1_3` or "" (no upper bound). */
  maxVersion: string;
  /** Go cipher-suite names; [] keeps OpenSSL's defaults. */
  cipherSuites: readonly string[];
  /** CA bundle that client certificates must chain to (`apiServer.https.tlsCaFile`). */
  clientCaFile?: string | undefined;
  /** Demand and verify a client certificate in the handshake (`apiServer.https.requireClientCert`). */
  requireClientCert?: boolean | undefined;
}

export interface ServerCredentialsOptions extends Partial<Omit<CertWatcherOptions, 'logger'>> {
  logger: Logger;
  /**
   * Shared watchers (one per cert/key pair in the process); without it these credentials watch alone.
   * With a registry, its own poll/debounce settings apply and the ones here are ignored.
   */
  registry?: CertWatcherRegistry | undefined;
}

export type CertificateChainListener = (chain: readonly X509Certificate[]) => void;

async function loadClientCa(file: string): Promise<CaBundle> {
  try {
    return await readCaBundleFile(file);
  } catch (err) {
    if (err instanceof CaBundleProblem) {
      throw new TlsError('ERR_TLS_CLIENT_CA', `failed to load PEM client certificate from "${file}": ${err.message}`);
    }
    throw err;
  }
}

export class ReloadingServerCredentials {
  private readonly detachers = new Set<() => void>();
  private isClosed = false;

  private constructor(
    private readonly protocol: NodeTlsProtocolOptions,
    private readonly clientCa: CaBundle | undefined,
    private readonly requireClientCert: boolean,
    private readonly lease: CertWatcherLease,
    private readonly ownedRegistry: CertWatcherRegistry | undefined,
  ) {}

  /**
   * Validates the settings, loads the client CA and the certificate (sharing the registry's watcher).
   * Throws a TlsError: Kuma's version/cipher texts, `failed to load PEM client certificate from "<f>"`,
   * or `failed to load TLS certificate: <reason naming the file>`.
   */
  static async load(settings: TlsServerSettings, options: ServerCredentialsOptions): Promise<ReloadingServerCredentials> {
    const protocol = resolveTlsProtocol(settings);
    const caFile = settings.clientCaFile ?? '';
    const requireClientCert = settings.requireClientCert ?? false;
    if (requireClientCert && caFile === '') {
      throw new TlsError(
        'ERR_TLS_CLIENT_CA',
        'requireClientCert is set but no client CA file (tlsCaFile) is given, so no client certificate could be verified; set tlsCaFile to the CA that issues client certificates',
      );
    }
    const clientCa = caFile === '' ? undefined : await loadClientCa(caFile);
    const { logger, registry, ...watchOptions } = options;
    const owned = registry === undefined ? new CertWatcherRegistry({ logger, ...definedOnly(watchOptions) }) : undefined;
    const lease = await (registry ?? (owned as CertWatcherRegistry)).acquire(settings);
    return new ReloadingServerCredentials(protocol, clientCa, requireClientCert, lease, owned);
  }

  /** Certificate, key, versions and ciphers for tls.createSecureContext / server.setSecureContext. */
  secureContextOptions(): SecureContextOptions {
    const pair = this.lease.watcher.current();
    const opts: SecureContextOptions = {
      cert: pair.certPem,
      key: pair.keyPem,
      minVersion: this.protocol.minVersion,
      // Our (config's) order decides, not the client's: operators list suites in preference order.
      honorCipherOrder: true,
    };
    if (this.protocol.maxVersion !== undefined) opts.maxVersion = this.protocol.maxVersion;
    if (this.protocol.ciphers !== undefined) opts.ciphers = this.protocol.ciphers;
    if (this.clientCa !== undefined) opts.ca = this.clientCa.pem;
    return opts;
  }

  /** Options for tls/https/http2 createServer (secure context plus client-certificate policy); add ALPN yourself. */
  serverOptions(): TlsOptions {
    return {
      ...this.secureContextOptions(),
      requestCert: this.requireClientCert,
      rejectUnauthorized: this.requireClientCert,
    };
  }

  /**
   * Keeps `server` serving the current certificate: every reload installs a new secure context. Stops
   * when the server closes or these credentials do; returns a function that stops it earlier.
   */
  applyTo(server: TlsServer): () => void {
    if (this.isClosed) throw new Error('applyTo() called on closed TLS credentials');
    // Also now: a reload may have happened between serverOptions() and this call.
    server.setSecureContext(this.secureContextOptions());
    const unsubscribe = this.lease.watcher.onReload(() => server.setSecureContext(this.secureContextOptions()));
    const detach = (): void => {
      unsubscribe();
      server.off('close', detach);
      this.detachers.delete(detach);
    };
    server.once('close', detach);
    this.detachers.add(detach);
    return detach;
  }

  /** Calls `listener` with the new chain after each successful reload; returns the unsubscribe function. */
  onReload(listener: CertificateChainListener): () => void {
    const unsubscribe = this.lease.watcher.onReload((pair) => listener(pair.chain));
    this.detachers.add(unsubscribe);
    return () => {
      unsubscribe();
      this.detachers.delete(unsubscribe);
    };
  }

  /** The chain being served (leaf first), e.g. for SAN checks. */
  current(): readonly X509Certificate[] {
    return this.lease.watcher.current().chain;
  }

  /** The PEM of the chain being served (what the bootstrap server hands to data planes as the CP's CA). */
  currentCertificatePem(): string {
    return this.lease.watcher.current().certPem;
  }

  get certFile(): string {
    return this.lease.watcher.certFile;
  }

  get keyFile(): string {
    return this.lease.watcher.keyFile;
  }

  /** Re-reads the certificate files now (e.g. on SIGHUP); resolves true when a new pair is served. */
  reloadNow(): Promise<boolean> {
    return this.lease.watcher.checkNow();
  }

  /** Detaches from every server and releases the shared watcher (stopped when nobody else uses it). */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const detach of [...this.detachers]) detach();
    this.lease.release();
    if (this.ownedRegistry !== undefined) void this.ownedRegistry.closeAll();
  }
}

/** Drops undefined values so exactOptionalPropertyTypes accepts the spread. */
function definedOnly<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
}
