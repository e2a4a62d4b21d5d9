import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordingLogger } from '../core/log.js';
import { ConfigError, defaultKumaCpConfig, loadKumaCpConfig } from './kuma-cp-config.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kuma-ts-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function yamlFile(text: string): Promise<string> {
  const f = join(dir, 'kuma-cp.yaml');
  await writeFile(f, text);
  return f;
}

async function loadError(opts: Parameters<typeof loadKumaCpConfig>[0]): Promise<ConfigError> {
  try {
    await loadKumaCpConfig(opts);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    assert.equal(err.code, 'ERR_CONFIG_INVALID');
    return err;
  }
  assert.fail('expected the configuration to be rejected');
}

describe('precedence', () => {
  test('no file, empty env: the defaults', async () => {
    assert.deepEqual(await loadKumaCpConfig({ env: {} }), defaultKumaCpConfig());
    assert.deepEqual(await loadKumaCpConfig({ configFile: '', env: {} }), defaultKumaCpConfig());
  });

  test('the file overrides defaults, env overrides the file (spec §8 item 1)', async () => {
    const f = await yamlFile('environment: kubernetes\napiServer:\n  http:\n    port: 1111\n    interface: 127.0.0.1\n');
    const cfg = await loadKumaCpConfig({ configFile: f, env: { KUMA_ENVIRONMENT: 'universal', KUMA_API_SERVER_HTTP_PORT: '2222' } });
    assert.equal(cfg.environment, 'universal');
    assert.equal(cfg.apiServer.http.port, 2222);
    assert.equal(cfg.apiServer.http.interface, '127.0.0.1');
    assert.equal(cfg.apiServer.https.port, 5682);
  });

  test('a YAML null keeps the default (Kuma: `key:` with no value)', async () => {
    const f = await yamlFile('general:\n  tlsMinVersion:\n  tlsCipherSuites:\ndpServer:\n');
    const cfg = await loadKumaCpConfig({ configFile: f, env: {} });
    assert.equal(cfg.general.tlsMinVersion, 'TLSv1_2');
    assert.deepEqual(cfg.general.tlsCipherSuites, []);
  });

  test('an empty file is the defaults', async () => {
    assert.deepEqual(await loadKumaCpConfig({ configFile: await yamlFile(''), env: {} }), defaultKumaCpConfig());
  });
});

describe('env var names (spec §8 item 2)', () => {
  test('each named variable lands in its field', async () => {
    const cfg = await loadKumaCpConfig({
      env: {
        KUMA_API_SERVER_HTTPS_TLS_CA_FILE: '/ca',
        KUMA_STORE_POSTGRES_TLS_CA_PATH: '/path/to/rootCert',
        KUMA_STORE_POSTGRES_TLS_MODE: 'verifyNone',
        KUMA_STORE_POSTGRES_TLS_CERT_PATH: '/cert',
        KUMA_STORE_POSTGRES_TLS_KEY_PATH: '/key',
        KUMA_STORE_POSTGRES_TLS_DISABLE_SSLSNI: 'true',
        KUMA_DP_SERVER_AUTHN_DP_PROXY_TYPE: 'dpToken',
        KUMA_ACCESS_STATIC_GET_CONFIG_DUMP_GROUPS: 'a,b',
        KUMA_GENERAL_TLS_CIPHER_SUITES: 'TLS_RSA_WITH_AES_128_CBC_SHA,TLS_AES_256_GCM_SHA384',
        KUMA_MULTIZONE_ZONE_GLOBAL_ADDRESS: 'grpc://1.1.1.1:5685',
        KUMA_GENERAL_WORK_DIR: '/work',
        KUMA_DP_SERVER_TLS_CERT_FILE: '/dp.crt',
        KUMA_DP_SERVER_TLS_KEY_FILE: '/dp.key',
        KUMA_API_SERVER_HTTPS_TLS_CERT_FILE: '/api.crt',
        KUMA_API_SERVER_HTTPS_TLS_KEY_FILE: '/api.key',
        KUMA_MULTIZONE_GLOBAL_KDS_TLS_CERT_FILE: '/kds.crt',
        KUMA_MULTIZONE_GLOBAL_KDS_TLS_KEY_FILE: '/kds.key',
        KUMA_MULTIZONE_ZONE_KDS_ROOT_CA_FILE: '/root.crt',
        KUMA_API_SERVER_HTTP_INTERFACE: '127.0.0.1',
        KUMA_API_SERVER_HTTP_ENABLED: 'false',
        KUMA_MODE: 'zone',
        KUMA_ACCESS_STATIC_MODIFY_RESOURCES_USERS: 'alice',
        KUMA_MULTIZONE_GLOBAL_KDS_AUTH_TYPE: 'zoneToken',
        KUMA_MULTIZONE_ZONE_KDS_AUTH_TOKEN_PATH: '/token',
        KUMA_RUNTIME_UNIVERSAL_DATAPLANE_CLEANUP_AGE: '1h30m',
      },
    });
    assert.equal(cfg.apiServer.https.tlsCaFile, '/ca');
    assert.equal(cfg.store.postgres.tls.caPath, '/path/to/rootCert');
    assert.equal(cfg.store.postgres.tls.mode, 'verifyNone');
    assert.equal(cfg.store.postgres.tls.certPath, '/cert');
    assert.equal(cfg.store.postgres.tls.keyPath, '/key');
    assert.equal(cfg.store.postgres.tls.disableSSLSNI, true);
    assert.equal(cfg.dpServer.authn.dpProxy.type, 'dpToken');
    assert.deepEqual(cfg.access.static.viewConfigDump.groups, ['a', 'b']);
    assert.deepEqual(cfg.general.tlsCipherSuites, ['TLS_RSA_WITH_AES_128_CBC_SHA', 'TLS_AES_256_GCM_SHA384']);
    assert.equal(cfg.multizone.zone.globalAddress, 'grpc://1.1.1.1:5685');
    assert.equal(cfg.general.workDir, '/work');
    assert.equal(cfg.dpServer.tlsCertFile, '/dp.crt');
    assert.equal(cfg.apiServer.https.tlsCertFile, '/api.crt');
    assert.equal(cfg.multizone.global.kds.tlsCertFile, '/kds.crt');
    assert.equal(cfg.multizone.zone.kds.rootCaFile, '/root.crt');
    assert.equal(cfg.apiServer.http.interface, '127.0.0.1');
    assert.equal(cfg.apiServer.http.enabled, false);
    assert.equal(cfg.mode, 'zone');
    assert.deepEqual(cfg.access.static.modifyResources.users, ['alice']);
    assert.equal(cfg.multizone.global.kds.auth.type, 'zoneToken');
    assert.equal(cfg.multizone.zone.kds.auth.tokenPath, '/token');
    assert.equal(cfg.runtime.universal.dataplaneCleanupAge, 5_400_000);
  });

  test('lists: comma separated, items trimmed, empty items dropped; maps need k:v', async () => {
    const cfg = await loadKumaCpConfig({ env: { KUMA_API_SERVER_CORS_ALLOWED_DOMAINS: ' a.com , ,b.com,' } });
    assert.deepEqual(cfg.apiServer.corsAllowedDomains, ['a.com', 'b.com']);
  });

  test('bools accept Go strconv.ParseBool spellings', async () => {
    for (const [raw, want] of [['1', true], ['t', true], ['TRUE', true], ['True', true], ['0', false], ['F', false], ['false', false]] as const) {
      const cfg = await loadKumaCpConfig({ env: { KUMA_API_SERVER_READ_ONLY: raw } });
      assert.equal(cfg.apiServer.readOnly, want, raw);
    }
  });

  test('unknown KUMA_ variables one typo away from a real one are warned about', async () => {
    const log = recordingLogger();
    await loadKumaCpConfig({ env: { KUMA_API_SERVER_HTTPS_PROT: '1', KUMA_DATAPLANE_MESH: 'x', PATH: '/bin' }, logger: log });
    const warns = log.entries.filter((e) => e.level === 'warn');
    assert.equal(warns.length, 1);
    assert.match(warns[0]?.msg ?? '', /KUMA_API_SERVER_HTTPS_PROT .*did you mean KUMA_API_SERVER_HTTPS_PORT\?/);
  });
});

describe('empty env values', () => {
  test('empty clears strings and lists', async () => {
    const f = await yamlFile('general:\n  workDir: /w\n  tlsCipherSuites: [TLS_AES_128_GCM_SHA256]\n');
    const cfg = await loadKumaCpConfig({
      configFile: f,
      env: { KUMA_GENERAL_WORK_DIR: '', KUMA_GENERAL_TLS_CIPHER_SUITES: '', KUMA_ACCESS_STATIC_ADMIN_RESOURCES_USERS: '' },
    });
    assert.equal(cfg.general.workDir, '');
    assert.deepEqual(cfg.general.tlsCipherSuites, []);
    assert.deepEqual(cfg.access.static.adminResources.users, []);
  });

  test('empty is an error for int, bool and duration, and every bad variable is reported', async () => {
    const err = await loadError({ env: { KUMA_DP_SERVER_PORT: '', KUMA_API_SERVER_READ_ONLY: '', KUMA_API_SERVER_READ_TIMEOUT: '' } });
    assert.equal(err.stage, 'env');
    assert.equal(err.violations.length, 3);
    assert.equal(
      err.message,
      'processing environment variables failed: envconfig.Process: ' +
        'assigning KUMA_API_SERVER_READ_ONLY to apiServer.readOnly: converting \'\' to type bool. details: strconv.ParseBool: parsing "": invalid syntax; ' +
        'assigning KUMA_API_SERVER_READ_TIMEOUT to apiServer.readTimeout: converting \'\' to type time.Duration. details: time: invalid duration ""; ' +
        'assigning KUMA_DP_SERVER_PORT to dpServer.port: converting \'\' to type int. details: strconv.ParseInt: parsing "": invalid syntax',
    );
  });

  test('bad values name the variable and the type', async () => {
    const err = await loadError({ env: { KUMA_API_SERVER_HTTP_PORT: '-1', KUMA_DP_SERVER_HDS_INTERVAL: '5', KUMA_STORE_POSTGRES_PORT: 'x' } });
    const texts = err.violations.map((v) => v.message);
    assert.ok(texts.includes('assigning KUMA_DP_SERVER_HDS_INTERVAL to dpServer.hds.interval: converting \'5\' to type time.Duration. details: time: missing unit in duration "5"'));
    assert.ok(texts.includes('assigning KUMA_API_SERVER_HTTP_PORT to apiServer.http.port: converting \'-1\' to type uint32. details: strconv.ParseUint: parsing "-1": invalid syntax'));
    assert.ok(texts.some((t) => t.startsWith("assigning KUMA_STORE_POSTGRES_PORT to store.postgres.port: converting 'x' to type int")));
    assert.deepEqual(err.violations.map((v) => v.path).sort(), ['apiServer.http.port', 'dpServer.hds.interval', 'store.postgres.port']);
  });

  test('env errors after a file carry the file prefix', async () => {
    const f = await yamlFile('mode: zone\n');
    const err = await loadError({ configFile: f, env: { KUMA_DP_SERVER_PORT: 'abc' } });
    assert.ok(err.message.startsWith(`parsing configuration from file '${f}' failed: processing environment variables failed: `), err.message);
  });
});

describe('YAML file problems', () => {
  test('unknown key with a hint, every unknown key reported', async () => {
    const f = await yamlFile('apiServer:\n  htps:\n    port: 1\n  readOnyl: true\nfoo: 1\n');
    const err = await loadError({ configFile: f, env: {} });
    assert.equal(err.stage, 'yaml');
    assert.deepEqual(
      err.violations.map((v) => v.message),
      ["unknown key 'apiServer.htps' — did you mean 'apiServer.https'?", "unknown key 'apiServer.readOnyl' — did you mean 'apiServer.readOnly'?", "unknown key 'foo'"],
    );
    assert.ok(err.message.startsWith(`parsing configuration from file '${f}' failed: unable to parse configuration: unknown key 'apiServer.htps'`));
  });

  test('case mistakes get the right spelling as hint', async () => {
    const err = await loadError({ configFile: await yamlFile('ApiServer:\n  readOnly: true\n'), env: {} });
    assert.equal(err.violations[0]?.message, "unknown key 'ApiServer' — did you mean 'apiServer'?");
  });

  test('wrong types are reported with their path and never echo the value', async () => {
    const f = await yamlFile(
      [
        'apiServer:',
        '  http:',
        '    port: "5681"',
        '  readOnly: "yes"',
        '  corsAllowedDomains: a.com',
        'store:',
        '  postgres:',
        '    password: 123456789',
        '    tls: disable',
        'dpServer:',
        '  readHeaderTimeout: 5',
        '  gracefulShutdownTimeout: 10x',
        '',
      ].join('\n'),
    );
    const err = await loadError({ configFile: f, env: {} });
    assert.deepEqual(
      err.violations.map((v) => [v.path, v.message]),
      [
        ['apiServer.http.port', 'apiServer.http.port: expected an integer, got a string'],
        ['apiServer.readOnly', 'apiServer.readOnly: expected a boolean (true or false), got a string'],
        ['apiServer.corsAllowedDomains', 'apiServer.corsAllowedDomains: expected a list of strings, got a string'],
        ['store.postgres.password', 'store.postgres.password: expected a string (quote the value), got a number'],
        ['store.postgres.tls', 'store.postgres.tls: expected a mapping, got a string'],
        ['dpServer.readHeaderTimeout', 'dpServer.readHeaderTimeout: expected a duration such as "10s" (Go syntax), got a number'],
        ['dpServer.gracefulShutdownTimeout', 'dpServer.gracefulShutdownTimeout: time: unknown unit "x" in duration "10x"'],
      ],
    );
    assert.ok(!err.message.includes('123456789'));
  });

  test('a top-level list is rejected', async () => {
    const err = await loadError({ configFile: await yamlFile('- a\n- b\n'), env: {} });
    assert.equal(err.violations[0]?.message, 'configuration: expected a mapping, got a list');
  });

  test('public keys: YAML only, strict, integer kid accepted', async () => {
    const f = await yamlFile(
      'apiServer:\n  authn:\n    tokens:\n      validator:\n        publicKeys:\n          - kid: 1\n            keyFile: /k.pem\n' +
        'dpServer:\n  authn:\n    dpProxy:\n      dpToken:\n        validator:\n          publicKeys:\n            - kid: "a"\n              mesh: demo\n              key: PEM\n',
    );
    const cfg = await loadKumaCpConfig({ configFile: f, env: {} });
    assert.deepEqual(cfg.apiServer.authn.tokens.validator.publicKeys, [{ kid: '1', key: '', keyFile: '/k.pem' }]);
    assert.deepEqual(cfg.dpServer.authn.dpProxy.dpToken.validator.publicKeys, [{ kid: 'a', mesh: 'demo', key: 'PEM', keyFile: '' }]);
    const bad = await yamlFile('apiServer:\n  authn:\n    tokens:\n      validator:\n        publicKeys:\n          - kid: 1\n            mesh: x\n            keyFil: /k\n');
    const err = await loadError({ configFile: bad, env: {} });
    assert.deepEqual(err.violations.map((v) => v.message), [
      "unknown key 'apiServer.authn.tokens.validator.publicKeys[0].mesh'",
      "unknown key 'apiServer.authn.tokens.validator.publicKeys[0].keyFil' — did you mean 'apiServer.authn.tokens.validator.publicKeys[0].keyFile'?",
    ]);
  });

  test('known Kuma sections we do not implement load, with a debug note', async () => {
    const f = await yamlFile(
      'xdsServer:\n  nackBackoff: 5s\nmetrics:\n  dataplane:\n    subscriptionLimit: 2\nbootstrapServer:\n  params:\n    adminPort: 9901\n    xdsHost: cp.example\n' +
        'experimental: {}\nmultizone:\n  global:\n    kds:\n      zoneHealthCheck:\n        timeout: 1m\n',
    );
    const log = recordingLogger();
    const cfg = await loadKumaCpConfig({ configFile: f, env: {}, logger: log });
    assert.equal(cfg.bootstrapServer.params.xdsHost, 'cp.example');
    const keys = log.entries.filter((e) => e.level === 'debug').map((e) => e.fields['key']);
    assert.deepEqual(keys, ['xdsServer.nackBackoff', 'bootstrapServer.params.adminPort', 'experimental', 'multizone.global.kds.zoneHealthCheck']);
    assert.equal(cfg.metrics.dataplane.subscriptionLimit, 2);
  });

  test('malformed YAML', async () => {
    const f = await yamlFile('apiServer:\n  http: [\n');
    const err = await loadError({ configFile: f, env: {} });
    assert.equal(err.stage, 'yaml');
    assert.ok(err.message.startsWith(`parsing configuration from file '${f}' failed: unable to parse configuration: `), err.message);
    assert.ok(!err.message.includes('\n'));
  });

  test('duplicate keys are rejected', async () => {
    const err = await loadError({ configFile: await yamlFile('mode: zone\nmode: global\n'), env: {} });
    assert.equal(err.stage, 'yaml');
  });

  test('missing file', async () => {
    const f = join(dir, 'nope.yaml');
    const err = await loadError({ configFile: f, env: {} });
    assert.equal(err.stage, 'file');
    assert.equal(err.message, `unable to access configuration file '${f}', please check if the file exists and has the correct permissions`);
  });

  test('unreadable file', { skip: process.getuid?.() === 0 ? 'root reads any file' : false }, async () => {
    const f = await yamlFile('mode: zone\n');
    await chmod(f, 0o000);
    const err = await loadError({ configFile: f, env: {} });
    assert.equal(err.stage, 'file');
  });

  test('a directory instead of a file', async () => {
    const err = await loadError({ configFile: dir, env: {} });
    assert.equal(err.message, `unable to access configuration file '${dir}', please check if the file exists and has the correct permissions`);
  });
});

describe('post-processing and validation', () => {
  test('a kubernetes store forces reloadable tokens', async () => {
    const cfg = await loadKumaCpConfig({ env: { KUMA_STORE_TYPE: 'kubernetes', KUMA_ENVIRONMENT: 'kubernetes' } });
    assert.equal(cfg.dpServer.authn.enableReloadableTokens, true);
  });

  test('validation errors list every violation with its path', async () => {
    const f = await yamlFile('mode: zone\n');
    const err = await loadError({
      configFile: f,
      env: { KUMA_MULTIZONE_ZONE_NAME: 'Zone_1', KUMA_GENERAL_TLS_CERT_FILE: '/c', KUMA_API_SERVER_HTTP_INTERFACE: '' },
    });
    assert.equal(err.stage, 'validation');
    assert.deepEqual(err.violations.map((v) => v.path), ['multizone.zone.name', 'apiServer.http.interface', 'general.tlsKeyFile']);
    assert.ok(err.message.startsWith(`parsing configuration from file '${f}' failed: configuration validation failed: Multizone Zone validation failed: Zone name "Zone_1"`));
    assert.ok(err.message.includes('; ApiServer validation failed: .HTTP not valid: Interface cannot be empty (apiServer.http.interface); '));
    assert.ok(err.message.endsWith('General validation failed: .TlsKeyFile cannot be empty if TlsCertFile has been set (general.tlsKeyFile)'));
  });

  test('without a file there is no file prefix', async () => {
    const err = await loadError({ env: { KUMA_MODE: 'other' } });
    assert.equal(err.message, 'configuration validation failed: Mode validation failed: invalid mode. Available modes: zone, global (mode)');
  });

  test('grpcs rootCaFile is read at load (Kuma parity)', async () => {
    const env = { KUMA_MULTIZONE_ZONE_GLOBAL_ADDRESS: 'grpcs://global:5685', KUMA_MULTIZONE_ZONE_KDS_ROOT_CA_FILE: join(dir, 'missing.pem') };
    const err = await loadError({ env });
    assert.equal(
      err.violations[0]?.message,
      `Multizone Zone validation failed: could not read certificate ${env.KUMA_MULTIZONE_ZONE_KDS_ROOT_CA_FILE}: open ${env.KUMA_MULTIZONE_ZONE_KDS_ROOT_CA_FILE}: no such file or directory`,
    );
    await writeFile(env.KUMA_MULTIZONE_ZONE_KDS_ROOT_CA_FILE, 'not a certificate');
    const err2 = await loadError({ env });
    assert.equal(err2.violations[0]?.message, 'Multizone Zone validation failed: failed to parse root certificate');
    assert.equal(err2.violations[0]?.path, 'multizone.zone.kds.rootCaFile');
    // grpc (plaintext) never reads it
    await loadKumaCpConfig({ env: { ...env, KUMA_MULTIZONE_ZONE_GLOBAL_ADDRESS: 'grpc://global:5685' } });
    // a real CA certificate (made by openssl) passes
    const key = join(dir, 'ca.key');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=ca', '-days', '1', '-keyout', key, '-out', env.KUMA_MULTIZONE_ZONE_KDS_ROOT_CA_FILE], { stdio: 'ignore' });
    const cfg = await loadKumaCpConfig({ env });
    assert.equal(cfg.multizone.zone.kds.rootCaFile, env.KUMA_MULTIZONE_ZONE_KDS_ROOT_CA_FILE);
  });
});
