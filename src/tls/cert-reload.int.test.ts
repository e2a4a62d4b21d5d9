import assert from 'node:assert/strict';
import { once } from 'node:events';
import { copyFile, mkdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { get as httpsGet, createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hasCode } from '../core/errors.js';
import { recordingLogger, type LogEntry } from '../core/log.js';
import { CertWatcherRegistry } from './cert-watcher-registry.js';
import type { CertWatcherOptions } from './cert-watcher.js';
import { ReloadingServerCredentials, type ServerCredentialsOptions } from './server-credentials.js';
import { makeCert, tempDir, type CertFiles } from './testing/openssl-certs.js';
import { eventually, probe, startServer, type RunningServer } from './testing/tls-probe.js';

// Fast timings for tests: the watch path must not be helped by the poll (1 min) unless a test says so.
const WATCH_ONLY: Partial<CertWatcherOptions> = { pollIntervalMs: 60_000, debounceMs: 30 };
const POLL_ONLY: Partial<CertWatcherOptions> = { pollIntervalMs: 100, watchFiles: false };

describe('certificate hot reload', () => {
  let root: string;
  let remove: () => Promise<void>;
  let ca: CertFiles;
  let pairA: CertFiles;
  let pairB: CertFiles;
  let pairC: CertFiles;
  let serialA: string;
  let serialB: string;
  let serialC: string;
  let n = 0;
  const cleanup: Array<() => unknown> = [];

  const serialOf = async (f: CertFiles): Promise<string> => {
    const { X509Certificate } = await import('node:crypto');
    return new X509Certificate(await readFile(f.certFile)).serialNumber;
  };

  before(async () => {
    ({ dir: root, remove } = await tempDir());
    ca = await makeCert(root, 'ca', { cn: 'ca', isCa: true });
    const sans = ['DNS:localhost', 'IP:127.0.0.1'];
    const mk = (name: string): Promise<CertFiles> => makeCert(root, name, { cn: `cp-${name}`, sans, ca });
    [pairA, pairB, pairC] = await Promise.all([mk('a'), mk('b'), mk('c')]);
    [serialA, serialB, serialC] = await Promise.all([serialOf(pairA), serialOf(pairB), serialOf(pairC)]);
    assert.equal(new Set([serialA, serialB, serialC]).size, 3);
  });
  after(async () => {
    for (const c of cleanup.reverse()) await c();
    await remove();
  });

  /** A fresh directory holding a copy of `pair` as tls.crt / tls.key. */
  async function certDir(pair: CertFiles): Promise<CertFiles & { dir: string }> {
    const dir = join(root, `case-${n++}`);
    await mkdir(dir);
    const files = { dir, certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key') };
    await copyFile(pair.certFile, files.certFile);
    await copyFile(pair.keyFile, files.keyFile);
    return files;
  }

  async function serve(
    files: CertFiles,
    options: Partial<ServerCredentialsOptions> = WATCH_ONLY,
  ): Promise<{ creds: ReloadingServerCredentials; srv: RunningServer; log: LogEntry[] }> {
    const log: LogEntry[] = [];
    const creds = await ReloadingServerCredentials.load(
      { ...files, minVersion: '', maxVersion: '', cipherSuites: [] },
      { ...options, logger: recordingLogger(log) },
    );
    const srv = await startServer(creds.serverOptions());
    creds.applyTo(srv.server);
    cleanup.push(() => srv.close(), () => creds.close());
    return { creds, srv, log };
  }

  const servedSerial = async (port: number): Promise<string> => (await probe(port, { ca: await readFile(ca.certFile, 'utf8') })).serialNumber;
  const servesSoon = (port: number, serial: string): Promise<void> => eventually(async () => (await servedSerial(port)) === serial, 4000);

  it('serves the startup certificate and picks up files rewritten in place (fs.watch)', async () => {
    const files = await certDir(pairA);
    const { creds, srv, log } = await serve(files);
    assert.equal(await servedSerial(srv.port), serialA);
    const reloads: string[] = [];
    creds.onReload((chain) => reloads.push(chain[0]?.serialNumber ?? ''));
    await writeFile(files.keyFile, await readFile(pairB.keyFile));
    await writeFile(files.certFile, await readFile(pairB.certFile));
    await servesSoon(srv.port, serialB);
    assert.equal(creds.current()[0]?.serialNumber, serialB);
    assert.deepEqual(reloads, [serialB]);
    const served = log.filter((e) => e.level === 'info' && e.msg === 'serving TLS certificate');
    assert.equal(served.length, 2);
    assert.equal(served[1]?.fields['serialNumber'], serialB);
    assert.equal(served[1]?.fields['sans'], 'DNS:localhost, IP Address:127.0.0.1');
    assert.match(String(served[1]?.fields['notAfter']), /^\d{4}-\d\d-\d\dT/);
    assert.equal(served[1]?.fields['certFile'], files.certFile);
    assert.equal(JSON.stringify(log).includes('PRIVATE KEY'), false);
  });

  it('picks up a rewrite through the poll alone', async () => {
    const files = await certDir(pairA);
    const { srv } = await serve(files, POLL_ONLY);
    await writeFile(files.certFile, await readFile(pairB.certFile));
    await writeFile(files.keyFile, await readFile(pairB.keyFile));
    await servesSoon(srv.port, serialB);
  });

  it('picks up an atomic rename over the files', async () => {
    const files = await certDir(pairA);
    const { srv } = await serve(files);
    await copyFile(pairB.certFile, join(files.dir, '.tls.crt.tmp'));
    await copyFile(pairB.keyFile, join(files.dir, '.tls.key.tmp'));
    await rename(join(files.dir, '.tls.key.tmp'), files.keyFile);
    await rename(join(files.dir, '.tls.crt.tmp'), files.certFile);
    await servesSoon(srv.port, serialB);
  });

  it('picks up a Kubernetes-style ..data symlink swap', async () => {
    const dir = join(root, `case-${n++}`);
    await mkdir(join(dir, '..2024_01'), { recursive: true });
    await copyFile(pairA.certFile, join(dir, '..2024_01', 'tls.crt'));
    await copyFile(pairA.keyFile, join(dir, '..2024_01', 'tls.key'));
    await symlink('..2024_01', join(dir, '..data'));
    await symlink('..data/tls.crt', join(dir, 'tls.crt'));
    await symlink('..data/tls.key', join(dir, 'tls.key'));
    const { srv } = await serve({ certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key') });
    assert.equal(await servedSerial(srv.port), serialA);
    // What the kubelet does: new timestamped dir, new link, rename over ..data, remove the old dir.
    await mkdir(join(dir, '..2024_02'));
    await copyFile(pairB.certFile, join(dir, '..2024_02', 'tls.crt'));
    await copyFile(pairB.keyFile, join(dir, '..2024_02', 'tls.key'));
    await symlink('..2024_02', join(dir, '..data_tmp'));
    await rename(join(dir, '..data_tmp'), join(dir, '..data'));
    await rm(join(dir, '..2024_01'), { recursive: true });
    await servesSoon(srv.port, serialB);
  });

  it('keeps the last good pair when a rotation is half-written or mismatched, and says why once', async () => {
    const files = await certDir(pairA);
    const { creds, srv, log } = await serve(files);
    const warnings = (): LogEntry[] => log.filter((e) => e.level === 'warn');

    // Each bad state is written atomically so the watcher cannot also catch the truncate-then-write
    // in between (which it would, correctly, report as one more bad state).
    const replace = async (file: string, content: string): Promise<void> => {
      await writeFile(`${file}.tmp`, content);
      await rename(`${file}.tmp`, file);
    };
    const pemB = await readFile(pairB.certFile, 'utf8');
    await replace(files.certFile, pemB.slice(0, Math.floor(pemB.length / 2)));
    assert.equal(await creds.reloadNow(), false);
    assert.equal(warnings().length, 1);
    assert.equal(warnings()[0]?.msg, 'could not reload the TLS certificate, still serving the previous one');
    assert.match(String(warnings()[0]?.fields['reason']), new RegExp(`malformed PEM in "${files.certFile}": .*truncated`));
    assert.equal(await servedSerial(srv.port), serialA);

    await replace(files.certFile, pemB); // cert B with key A
    assert.equal(await creds.reloadNow(), false);
    assert.match(String(warnings()[1]?.fields['reason']), new RegExp(`^the private key in "${files.keyFile}" does not match the certificate `));
    assert.equal(await servedSerial(srv.port), serialA);
    await new Promise((r) => setTimeout(r, 150)); // the fs events of those writes: same content, no new warning
    assert.equal(warnings().length, 2);

    await rm(files.keyFile);
    assert.equal(await creds.reloadNow(), false);
    assert.match(String(warnings()[2]?.fields['reason']), /cannot read key file ".*": no such file/);
    assert.equal(await servedSerial(srv.port), serialA);

    await writeFile(files.keyFile, await readFile(pairB.keyFile));
    await servesSoon(srv.port, serialB);
    assert.equal(JSON.stringify(log).includes('PRIVATE KEY'), false);
  });

  it('fails to start with `failed to load TLS certificate:` naming the file', async () => {
    const files = await certDir(pairA);
    const load = (f: CertFiles): Promise<ReloadingServerCredentials> =>
      ReloadingServerCredentials.load({ ...f, minVersion: '', maxVersion: '', cipherSuites: [] }, { logger: recordingLogger() });
    const missing = join(files.dir, 'missing.crt');
    await assert.rejects(
      load({ certFile: missing, keyFile: files.keyFile }),
      (e: Error) => hasCode(e, 'ERR_TLS_LOAD_CERTIFICATE') && e.message === `failed to load TLS certificate: cannot read certificate file "${missing}": no such file`,
    );
    await assert.rejects(
      load({ certFile: files.certFile, keyFile: pairB.keyFile }),
      (e: Error) => e.message.startsWith(`failed to load TLS certificate: the private key in "${pairB.keyFile}" does not match the certificate `),
    );
    const badKey = join(files.dir, 'bad.key');
    const keyPem = await readFile(files.keyFile, 'utf8');
    await writeFile(badKey, keyPem.replace(/\n[A-Za-z0-9+/]{10}/, '\n!!!!!!!!!!'));
    await assert.rejects(load({ certFile: files.certFile, keyFile: badKey }), (e: Error) => {
      assert.ok(e.message.startsWith(`failed to load TLS certificate: malformed PEM in "${badKey}"`), e.message);
      return true;
    });
    await assert.rejects(load({ certFile: files.keyFile, keyFile: files.keyFile }), /failed to load TLS certificate: no certificate found in ".*tls\.key"/);
  });

  it('shares one watcher per pair among servers and stops it when the last user closes', async () => {
    const files = await certDir(pairA);
    const log: LogEntry[] = [];
    const registry = new CertWatcherRegistry({ ...WATCH_ONLY, logger: recordingLogger(log) });
    const options = { logger: recordingLogger(), registry };
    const settings = { ...files, minVersion: '', maxVersion: '', cipherSuites: [] };
    const all = await Promise.all([1, 2, 3, 4, 5].map(() => ReloadingServerCredentials.load(settings, options)));
    assert.equal(registry.size, 1);
    assert.equal(log.filter((e) => e.msg === 'serving TLS certificate').length, 1, 'loaded and announced once');
    const servers = await Promise.all(all.slice(0, 2).map((c) => startServer(c.serverOptions())));
    servers.forEach((s, i) => all[i]?.applyTo(s.server));
    // An https.Server too: applyTo works on anything that extends tls.Server.
    const https = createHttpsServer(all[2]?.serverOptions() ?? {}, (_req, res) => res.end('ok'));
    all[2]?.applyTo(https);
    https.listen(0, '127.0.0.1');
    await once(https, 'listening');
    const httpsPort = (https.address() as AddressInfo).port;
    const caPem = await readFile(ca.certFile, 'utf8');
    const httpsSerial = (): Promise<string> =>
      new Promise((resolve, reject) => {
        const req = httpsGet({ host: '127.0.0.1', port: httpsPort, servername: 'localhost', ca: caPem, agent: false }, (res) => {
          const serial = (res.socket as import('node:tls').TLSSocket).getPeerCertificate().serialNumber;
          res.resume();
          res.on('end', () => resolve(serial));
        });
        req.on('error', reject);
      });
    assert.equal(await httpsSerial(), serialA);

    await writeFile(files.keyFile, await readFile(pairC.keyFile));
    await writeFile(files.certFile, await readFile(pairC.certFile));
    for (const s of servers) await servesSoon(s.port, serialC);
    await eventually(async () => (await httpsSerial()) === serialC, 4000);
    assert.equal(log.filter((e) => e.msg === 'serving TLS certificate').length, 2, 'reloaded once for all servers');

    const peek = await registry.acquire(files);
    const shared = peek.watcher;
    assert.equal(registry.size, 1);
    peek.release();
    for (const c of all.slice(0, 4)) c.close();
    assert.equal(registry.size, 1);
    assert.equal(shared.closed, false);
    all[4]?.close();
    all[4]?.close(); // idempotent
    assert.equal(registry.size, 0);
    assert.equal(shared.closed, true);

    // Closed means closed: a change on disk is no longer read.
    await writeFile(files.keyFile, await readFile(pairA.keyFile));
    await writeFile(files.certFile, await readFile(pairA.certFile));
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(log.length, 2);
    for (const s of servers) await s.close();
    await new Promise((r) => https.close(r));
  });
});
