import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, defaultKumaCpConfig, loadKumaCpConfig, redactKumaCpConfig, TLS_SERVER_SECTIONS } from './kuma-cp-config.js';
import { getAt } from './schema.js';

const PASSWORD = 'pg-S3cret-p4ss';
const KEY = Buffer.alloc(32, 9).toString('base64');
const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.zone-token-body.sig';

test('redaction masks every secret and renders durations as Go strings', async () => {
  const cfg = await loadKumaCpConfig({
    env: {
      KUMA_STORE_POSTGRES_PASSWORD: PASSWORD,
      KUMA_STORE_POSTGRES_SECRETS_ENCRYPTION_KEY: KEY,
      KUMA_MULTIZONE_ZONE_KDS_AUTH_TOKEN_INLINE: TOKEN,
    },
  });
  assert.equal(cfg.store.postgres.password, PASSWORD);
  const red = redactKumaCpConfig(cfg);
  const json = JSON.stringify(red);
  for (const s of [PASSWORD, KEY, TOKEN]) assert.ok(!json.includes(s), 'secret leaked');
  assert.equal(getAt(red, ['store', 'postgres', 'password']), '*****');
  assert.equal(getAt(red, ['store', 'postgres', 'secretsEncryptionKey']), '*****');
  assert.equal(getAt(red, ['store', 'postgres', 'secretsEncryptionKeyFile']), '');
  assert.equal(getAt(red, ['multizone', 'zone', 'kds', 'auth', 'tokenInline']), '*****');
  assert.equal(getAt(red, ['apiServer', 'idleTimeout']), '2m0s');
  assert.equal(getAt(red, ['store', 'upsert', 'conflictRetryBaseBackoff']), '200ms');
  assert.equal(getAt(red, ['runtime', 'universal', 'dataplaneCleanupAge']), '72h0m0s');
  assert.equal(getAt(red, ['apiServer', 'https', 'port']), 5682);
  // a plain JSON round trip keeps it
  assert.deepEqual(JSON.parse(json), red);
});

test('redaction does not alias the config', () => {
  const cfg = defaultKumaCpConfig();
  const red = redactKumaCpConfig(cfg);
  (getAt(red, ['general', 'tlsCipherSuites']) as string[]).push('x');
  assert.deepEqual(cfg.general.tlsCipherSuites, []);
});

test('the default password is masked too', () => {
  assert.equal(getAt(redactKumaCpConfig(defaultKumaCpConfig()), ['store', 'postgres', 'password']), '*****');
});

test('secrets never appear in error messages', async () => {
  // a bad secret value fails validation without being echoed
  const badKey = 'my-secret-but-too-short';
  try {
    await loadKumaCpConfig({ env: { KUMA_STORE_TYPE: 'postgres', KUMA_STORE_POSTGRES_SECRETS_ENCRYPTION_KEY: badKey, KUMA_STORE_POSTGRES_PASSWORD: PASSWORD } });
    assert.fail('expected rejection');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    assert.ok(err.message.includes('SecretsEncryptionKey has to be 32 bytes'));
    assert.ok(!err.message.includes(badKey));
    assert.ok(!err.message.includes(PASSWORD));
    assert.ok(!JSON.stringify(err.violations).includes(badKey));
  }
  // an env error elsewhere does not print other (secret) variables
  try {
    await loadKumaCpConfig({ env: { KUMA_STORE_POSTGRES_PASSWORD: PASSWORD, KUMA_STORE_POSTGRES_PORT: 'x' } });
    assert.fail('expected rejection');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    assert.ok(!err.message.includes(PASSWORD));
  }
});

test('TLS server sections expose the live settings', () => {
  const cfg = defaultKumaCpConfig();
  assert.deepEqual(
    TLS_SERVER_SECTIONS.map((s) => s.path),
    ['dpServer', 'apiServer.https', 'multizone.global.kds', 'diagnostics', 'monitoringAssignmentServer', 'interCp.server'],
  );
  for (const s of TLS_SERVER_SECTIONS) {
    const t = s.settings(cfg);
    assert.equal(t.tlsMinVersion, 'TLSv1_2');
    assert.equal(t.tlsCertFile === undefined, !s.inheritsGeneralCert, s.path);
    t.tlsMaxVersion = 'TLSv1_3';
  }
  assert.equal(cfg.interCp.server.tlsMaxVersion, 'TLSv1_3');
  assert.equal(cfg.apiServer.https.tlsMaxVersion, 'TLSv1_3');
});
