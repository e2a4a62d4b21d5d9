import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { defaultKumaCpConfig } from '../../config/kuma-cp-config.js';
import { createSelfSignedCertificate, generateKeyPair } from '../../pki/index.js';
import type { PostgresStoreConfig } from './connect-settings.js';
import { loadPostgresTlsMaterial, postgresSslOptions, tlsModeLogLine, verifiesChain } from './tls-options.js';

const DAY = 24 * 3600_000;

function pgConfig(tls: Partial<PostgresStoreConfig['tls']>): PostgresStoreConfig {
  const c = defaultKumaCpConfig().store.postgres;
  Object.assign(c.tls, tls);
  return c;
}

describe('Postgres TLS files and options', () => {
  let dir: string;
  const f = (name: string): string => join(dir, name);
  let keyPem: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kuma-ts-'));
    const [ca, client, other, old] = await Promise.all([generateKeyPair('ecdsa'), generateKeyPair('ecdsa'), generateKeyPair('ecdsa'), generateKeyPair('ecdsa')]);
    const caCert = createSelfSignedCertificate({ type: 'server', keyPair: ca, hosts: ['db.example'] });
    const clientCert = createSelfSignedCertificate({ type: 'client', keyPair: client, hosts: ['kuma'] });
    const expired = createSelfSignedCertificate({ type: 'client', keyPair: old, hosts: ['kuma'], now: new Date(Date.now() - 3 * DAY), validityMs: DAY });
    keyPem = clientCert.keyPem;
    await writeFile(f('ca.crt'), `some text before the block\n${caCert.certPem}`);
    await writeFile(f('client.crt'), clientCert.certPem);
    await writeFile(f('client.key'), clientCert.keyPem, { mode: 0o600 });
    await writeFile(f('other.key'), createSelfSignedCertificate({ type: 'client', keyPair: other, hosts: ['x'] }).keyPem, { mode: 0o600 });
    await writeFile(f('expired.crt'), expired.certPem);
    await writeFile(f('expired.key'), expired.keyPem, { mode: 0o600 });
    await writeFile(f('garbage.pem'), 'this is not PEM at all\n');
    await writeFile(f('key-as-cert.pem'), clientCert.keyPem);
    await mkdir(f('a-dir'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('disable reads nothing and turns TLS off, whatever the paths say', () => {
    const cfg = pgConfig({ mode: 'disable', caPath: '/nonexistent', certPath: '/nonexistent', keyPath: '/nonexistent' });
    assert.deepEqual(loadPostgresTlsMaterial(cfg.tls), {});
    assert.equal(postgresSslOptions(cfg.tls, 'db', {}), false);
  });

  test('verifyNone: no checks without a CA, chain checks with one (libpq require + sslrootcert)', () => {
    const bare = pgConfig({ mode: 'verifyNone' });
    const opts = postgresSslOptions(bare.tls, 'db', loadPostgresTlsMaterial(bare.tls));
    assert.ok(opts !== false);
    assert.equal(opts.rejectUnauthorized, false);
    assert.equal(opts.ca, undefined);

    const withCa = pgConfig({ mode: 'verifyNone', caPath: f('ca.crt') });
    assert.equal(verifiesChain(withCa.tls), true);
    const checked = postgresSslOptions(withCa.tls, 'db', loadPostgresTlsMaterial(withCa.tls));
    assert.ok(checked !== false);
    assert.equal(checked.rejectUnauthorized, true);
    assert.match(String(checked.ca), /^-----BEGIN CERTIFICATE-----\n/, 'only the certificate blocks are passed on');
    assert.equal(checked.checkServerIdentity?.('anything', {} as never), undefined, 'host name not checked');
  });

  test('verifyCa verifies the chain but not the name; verifyFull checks the configured host', () => {
    const ca = pgConfig({ mode: 'verifyCa', caPath: f('ca.crt') });
    const caOpts = postgresSslOptions(ca.tls, '127.0.0.1', loadPostgresTlsMaterial(ca.tls));
    assert.ok(caOpts !== false);
    assert.equal(caOpts.rejectUnauthorized, true);
    assert.ok(caOpts.ca);
    assert.equal(caOpts.checkServerIdentity?.('127.0.0.1', { subject: { CN: 'x' }, subjectaltname: 'DNS:localhost' } as never), undefined);

    const full = pgConfig({ mode: 'verifyFull', caPath: f('ca.crt') });
    const fullOpts = postgresSslOptions(full.tls, '127.0.0.1', loadPostgresTlsMaterial(full.tls));
    assert.ok(fullOpts !== false);
    assert.equal(fullOpts.rejectUnauthorized, true);
    const cert = { subject: { CN: 'localhost' }, subjectaltname: 'DNS:localhost' } as never;
    // The name node-postgres passes (SNI, or nothing) does not matter: the configured host does.
    const err = fullOpts.checkServerIdentity?.('localhost', cert);
    assert.equal((err as NodeJS.ErrnoException | undefined)?.code, 'ERR_TLS_CERT_ALTNAME_INVALID');
    const byName = postgresSslOptions(full.tls, 'localhost', loadPostgresTlsMaterial(full.tls));
    assert.ok(byName !== false);
    assert.equal(byName.checkServerIdentity?.('', cert), undefined);
  });

  test('a client certificate and key are passed on; the key stays out of dumps', () => {
    const cfg = pgConfig({ mode: 'verifyNone', certPath: f('client.crt'), keyPath: f('client.key') });
    const material = loadPostgresTlsMaterial(cfg.tls);
    const opts = postgresSslOptions(cfg.tls, 'db', material);
    assert.ok(opts !== false);
    assert.match(String(opts.cert), /BEGIN CERTIFICATE/);
    assert.match(String(opts.key), /BEGIN PRIVATE KEY/);
    assert.ok('key' in opts, 'node-postgres copies the key with an `in` check');
    const dump = JSON.stringify({ material, opts });
    assert.doesNotMatch(dump, /PRIVATE KEY/);
    assert.ok(!dump.includes(keyPem.split('\n')[1] as string));
  });

  test('bad files are startup errors that name the setting, the env var and the fix', () => {
    const cases: [Partial<PostgresStoreConfig['tls']>, string, RegExp][] = [
      [{ mode: 'verifyCa', caPath: f('missing.crt') }, 'ERR_POSTGRES_TLS_READ_FILE', /^cannot read store\.postgres\.tls\.caPath \(KUMA_STORE_POSTGRES_TLS_CA_PATH\) ".*missing\.crt": no such file; point it at the PEM file of the CA/],
      [{ mode: 'verifyCa', caPath: f('a-dir') }, 'ERR_POSTGRES_TLS_READ_FILE', /caPath .*: it is a directory, not a file/],
      [{ mode: 'verifyFull', caPath: f('garbage.pem') }, 'ERR_POSTGRES_TLS_BAD_FILE', /^invalid store\.postgres\.tls\.caPath \(KUMA_STORE_POSTGRES_TLS_CA_PATH\): no certificate found in .*garbage\.pem.*; it must hold the PEM file of the CA/],
      [{ mode: 'verifyNone', certPath: f('key-as-cert.pem'), keyPath: f('client.key') }, 'ERR_POSTGRES_TLS_BAD_FILE', /^invalid store\.postgres\.tls\.certPath \(KUMA_STORE_POSTGRES_TLS_CERT_PATH\): no certificate found in .*key-as-cert\.pem/],
      [{ mode: 'verifyNone', certPath: f('client.crt'), keyPath: f('garbage.pem') }, 'ERR_POSTGRES_TLS_BAD_FILE', /^invalid store\.postgres\.tls\.keyPath \(KUMA_STORE_POSTGRES_TLS_KEY_PATH\): no private key found in .*garbage\.pem/],
      [{ mode: 'verifyNone', certPath: f('client.crt'), keyPath: f('missing.key') }, 'ERR_POSTGRES_TLS_READ_FILE', /^cannot read store\.postgres\.tls\.keyPath \(KUMA_STORE_POSTGRES_TLS_KEY_PATH\) ".*missing\.key": no such file/],
      [{ mode: 'verifyNone', certPath: f('client.crt'), keyPath: f('other.key') }, 'ERR_POSTGRES_TLS_KEY_MISMATCH', /^invalid store\.postgres\.tls\.keyPath .*does not match the certificate .*; set store\.postgres\.tls\.certPath \(KUMA_STORE_POSTGRES_TLS_CERT_PATH\) and store\.postgres\.tls\.keyPath .* to files that belong together/],
      [{ mode: 'verifyNone', certPath: f('expired.crt'), keyPath: f('expired.key') }, 'ERR_POSTGRES_TLS_BAD_FILE', /^invalid store\.postgres\.tls\.certPath .*expired at/],
      [{ mode: 'verifyNone', certPath: f('client.crt') }, 'ERR_POSTGRES_TLS_MISSING_SETTING', /^store\.postgres\.tls\.certPath \(KUMA_STORE_POSTGRES_TLS_CERT_PATH\) is set but store\.postgres\.tls\.keyPath \(KUMA_STORE_POSTGRES_TLS_KEY_PATH\) is empty/],
      [{ mode: 'verifyNone', keyPath: f('client.key') }, 'ERR_POSTGRES_TLS_MISSING_SETTING', /keyPath .* is set but store\.postgres\.tls\.certPath .* is empty/],
      [{ mode: 'verifyFull' }, 'ERR_POSTGRES_TLS_MISSING_SETTING', /caPath .* is empty but tls\.mode verifyFull verifies the server against it/],
      [{ mode: 'verify-full' }, 'ERR_POSTGRES_TLS_MODE', /^store\.postgres\.tls\.mode \(KUMA_STORE_POSTGRES_TLS_MODE\) is "verify-full": use one of disable, verifyNone, verifyCa, verifyFull$/],
    ];
    for (const [tls, code, message] of cases) {
      assert.throws(
        () => loadPostgresTlsMaterial(pgConfig(tls).tls),
        (err: Error & { code?: string }) => {
          assert.equal(err.code, code, err.message);
          assert.match(err.message, message);
          assert.ok(!err.message.includes(keyPem.split('\n')[1] as string), 'no key material');
          return true;
        },
      );
    }
  });

  test('the startup log line states the mode; disable and bare verifyNone warn', () => {
    const disable = tlsModeLogLine(pgConfig({ mode: 'disable' }));
    assert.equal(disable.level, 'warn');
    assert.match(disable.msg, /TLS is disabled .* the database password, resources and secrets cross the network in plain text; set store\.postgres\.tls\.mode \(KUMA_STORE_POSTGRES_TLS_MODE\) to verifyFull/);
    assert.equal(disable.fields['mode'], 'disable');
    assert.match(tlsModeLogLine(pgConfig({ mode: 'disable', caPath: '/ca' })).msg, /configured TLS files are not used/);

    const none = tlsModeLogLine(pgConfig({ mode: 'verifyNone' }));
    assert.equal(none.level, 'warn');
    assert.match(none.msg, /does not verify the server/);
    const noneCa = tlsModeLogLine(pgConfig({ mode: 'verifyNone', caPath: '/ca' }));
    assert.equal(noneCa.level, 'info');
    assert.equal(noneCa.fields['verifiesChain'], true);

    const ca = tlsModeLogLine(pgConfig({ mode: 'verifyCa', caPath: '/ca' }));
    assert.deepEqual([ca.level, ca.fields['verifiesChain'], ca.fields['verifiesHostName']], ['info', true, false]);
    const full = tlsModeLogLine(pgConfig({ mode: 'verifyFull', caPath: '/ca', certPath: '/c', keyPath: '/k', disableSSLSNI: true }));
    assert.deepEqual([full.level, full.fields['verifiesHostName'], full.fields['clientCertificate'], full.fields['sni']], ['info', true, true, false]);
    assert.match(full.msg, /verifyFull: the server chain is verified against \/ca and its certificate must name 127\.0\.0\.1/);
  });
});
