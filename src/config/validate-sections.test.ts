import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { tlsCipherError, tlsVersionError } from '../core/tls-names.js';
import { defaultKumaCpConfig, validateKumaCpConfig, type KumaCpConfig, type Violation } from './kuma-cp-config.js';

const cfgWith = (edit: (c: KumaCpConfig) => void): KumaCpConfig => {
  const c = defaultKumaCpConfig();
  edit(c);
  return c;
};

const violationsOf = (edit: (c: KumaCpConfig) => void): Violation[] => validateKumaCpConfig(cfgWith(edit));

/** Asserts exactly one violation, with this path and message. */
function expectOnly(edit: (c: KumaCpConfig) => void, path: string, message: string): void {
  assert.deepEqual(violationsOf(edit), [{ path, message }]);
}

describe('store and postgres (spec §7, §8 items 6 and 8)', () => {
  const pg = (edit: (p: KumaCpConfig['store']['postgres']) => void) => (c: KumaCpConfig) => {
    c.store.type = 'postgres';
    edit(c.store.postgres);
  };
  const P = 'Store validation failed: Postgres validation failed: ';

  test('store type', () => {
    expectOnly((c) => (c.store.type = 'pgx'), 'store.type', 'Store validation failed: Type should be either postgres, kubernetes or memory');
  });

  test('postgres settings are checked only for the postgres store', () => {
    assert.deepEqual(violationsOf((c) => (c.store.postgres.host = '')), []);
    assert.deepEqual(violationsOf(pg(() => {})), []);
  });

  test('TLS validation', () => {
    for (const mode of ['verifyCa', 'verifyFull']) {
      expectOnly(pg((p) => (p.tls.mode = mode)), 'store.postgres.tls.caPath', `${P}TLS validation failed: CAPath cannot be empty`);
    }
    expectOnly(pg((p) => (p.tls.certPath = '/c')), 'store.postgres.tls.keyPath', `${P}TLS validation failed: KeyPath cannot be empty when CertPath is provided`);
    expectOnly(pg((p) => (p.tls.keyPath = '/k')), 'store.postgres.tls.certPath', `${P}TLS validation failed: CertPath cannot be empty when KeyPath is provided`);
    const allowed = '(allowed: disable, verifyNone, verifyCa, verifyFull)';
    const badModes: [string, string][] = [
      ['require', `invalid mode: require; did you mean verifyNone? ${allowed}`],
      ['verify-full', `invalid mode: verify-full; did you mean verifyFull? ${allowed}`],
      ['verifyfull', `invalid mode: verifyfull; did you mean verifyFull? ${allowed}`],
      ['verifyCA', `invalid mode: verifyCA; did you mean verifyCa? ${allowed}`],
      ['disabled', `invalid mode: disabled; did you mean disable? ${allowed}`],
      ['prefer', `invalid mode: prefer ${allowed}`],
      ['toString', `invalid mode: toString ${allowed}`],
    ];
    for (const [mode, message] of badModes) expectOnly(pg((p) => (p.tls.mode = mode)), 'store.postgres.tls.mode', `${P}TLS validation failed: ${message}`);
    const valid: ((p: KumaCpConfig['store']['postgres']) => void)[] = [
      (p) => (p.tls.mode = 'disable'),
      (p) => Object.assign(p.tls, { mode: 'verifyNone', certPath: '/c', keyPath: '/k' }),
      (p) => Object.assign(p.tls, { mode: 'verifyCa', caPath: '/ca' }),
      (p) => Object.assign(p.tls, { mode: 'verifyFull', caPath: '/ca' }),
      (p) => Object.assign(p.tls, { mode: 'verifyFull', caPath: '/ca', disableSSLSNI: true }),
    ];
    for (const edit of valid) assert.deepEqual(violationsOf(pg(edit)), []);
  });

  test('connection and pool settings, all reported at once', () => {
    assert.deepEqual(
      violationsOf(
        pg((p) => {
          p.host = '';
          p.port = -1;
          p.user = '';
          p.password = '';
          p.dbName = '';
          p.connectionTimeout = -1;
          p.driverName = 'postgres';
          p.minOpenConnections = 5;
          p.maxOpenConnections = 1;
          p.maxConnectionLifetime = -1;
          p.healthCheckInterval = -1000;
          p.readReplica.ratio = 101;
        }),
      ).map((v) => v.message),
      [
        `${P}Host should not be empty`,
        `${P}Port cannot be negative`,
        `${P}User should not be empty`,
        `${P}Password should not be empty`,
        `${P}DbName should not be empty`,
        `${P}ConnectionTimeout cannot be negative`,
        `${P}unknown driver name postgres`,
        `${P}MinOpenConnections should be less than MaxOpenConnections`,
        `${P}MaxConnectionLifetime should be greater than 0`,
        `${P}MaxConnectionLifetimeJitter should be less than MaxConnectionLifetime`,
        `${P}HealthCheckInterval should be greater than 0`,
        `${P}ReadReplica validation failed: .Ratio out of [0-100] range`,
      ],
    );
    expectOnly(pg((p) => (p.minOpenConnections = -1)), 'store.postgres.minOpenConnections', `${P}MinOpenConnections should be greater than 0`);
    expectOnly(pg((p) => (p.maxConnectionLifetimeJitter = -1)), 'store.postgres.maxConnectionLifetimeJitter', `${P}MaxConnectionLifetimeJitter should be greater than 0`);
    // max 0 ("unlimited") makes any min > 0 fail, as in Kuma
    expectOnly(pg((p) => Object.assign(p, { maxOpenConnections: 0, minOpenConnections: 1 })), 'store.postgres.minOpenConnections', `${P}MinOpenConnections should be less than MaxOpenConnections`);
  });

  test('secrets encryption key: 32 bytes of base64, key or file, never echoed', () => {
    const good = Buffer.alloc(32, 7).toString('base64');
    assert.deepEqual(violationsOf(pg((p) => (p.secretsEncryptionKey = good))), []);
    assert.deepEqual(violationsOf(pg((p) => (p.secretsEncryptionKeyFile = '/key'))), []);
    const short = Buffer.alloc(16, 7).toString('base64');
    for (const bad of [short, 'not base64 at all!', `${good}x`]) {
      const v = violationsOf(pg((p) => (p.secretsEncryptionKey = bad)));
      assert.deepEqual(v.map((x) => x.path), ['store.postgres.secretsEncryptionKey']);
      assert.ok(!JSON.stringify(v).includes(bad));
    }
    expectOnly(
      pg((p) => Object.assign(p, { secretsEncryptionKey: good, secretsEncryptionKeyFile: '/key' })),
      'store.postgres.secretsEncryptionKey',
      `${P}SecretsEncryptionKey and SecretsEncryptionKeyFile cannot be both defined`,
    );
  });

  test('upsert backoff', () => {
    expectOnly((c) => (c.store.upsert.conflictRetryBaseBackoff = -1), 'store.upsert.conflictRetryBaseBackoff', 'Store validation failed: Upsert validation failed: RetryBaseBackoff cannot be lower than 0');
  });
});

describe('apiServer', () => {
  const P = 'ApiServer validation failed: ';

  test('listeners (one clean message where Kuma duplicates)', () => {
    assert.deepEqual(
      violationsOf((c) => {
        c.apiServer.http.interface = '';
        c.apiServer.http.port = 65536;
        c.apiServer.https.interface = '';
        c.apiServer.https.port = 70000;
        c.apiServer.https.tlsCertFile = '/c';
        c.apiServer.https.tlsMaxVersion = 'TLSv1_0';
        c.apiServer.https.requireClientCert = true;
      }),
      [
        { path: 'apiServer.http.interface', message: `${P}.HTTP not valid: Interface cannot be empty` },
        { path: 'apiServer.http.port', message: `${P}.HTTP not valid: Port must be in range [0, 65535]` },
        { path: 'apiServer.https.interface', message: `${P}.HTTPS not valid: .Interface cannot be empty` },
        { path: 'apiServer.https.port', message: `${P}.HTTPS not valid: Port must be in range [0, 65535]` },
        { path: 'apiServer.https.tlsKeyFile', message: `${P}.HTTPS not valid: Both TlsCertFile and TlsKeyFile has to be specified` },
        { path: 'apiServer.https.tlsMaxVersion', message: `${P}.HTTPS not valid: .TlsMaxVersion ${tlsVersionError('TLSv1_0')}` },
        { path: 'apiServer.https.tlsCaFile', message: `${P}.HTTPS not valid: .TlsCaFile cannot be empty if RequireClientCert is true` },
      ],
    );
  });

  test('authn type and public keys', () => {
    expectOnly((c) => (c.apiServer.authn.type = 'adminClientCerts'), 'apiServer.authn.type', `${P}.Authn is not valid: there is no implementation of authn named "adminClientCerts"; available: tokens`);
    assert.deepEqual(
      violationsOf((c) => {
        c.apiServer.authn.tokens.validator.publicKeys = [
          { kid: '', key: 'PEM', keyFile: '' },
          { kid: '2', key: '', keyFile: '' },
          { kid: '3', key: 'PEM', keyFile: '/k' },
          { kid: '4', key: 'PEM', keyFile: '' },
        ];
      }),
      [
        { path: 'apiServer.authn.tokens.validator.publicKeys[0].kid', message: `${P}.Authn is not valid: .Tokens is not valid: .Validator is not valid: .PublicKeys[0] is not valid: .KID is required` },
        { path: 'apiServer.authn.tokens.validator.publicKeys[1]', message: `${P}.Authn is not valid: .Tokens is not valid: .Validator is not valid: .PublicKeys[1] is not valid: either .KeyFile or .Key has to be defined` },
        { path: 'apiServer.authn.tokens.validator.publicKeys[2]', message: `${P}.Authn is not valid: .Tokens is not valid: .Validator is not valid: .PublicKeys[2] is not valid: both .KeyFile or .Key cannot be defined` },
      ],
    );
  });

  test('timeouts and URLs', () => {
    assert.deepEqual(
      violationsOf((c) => {
        c.apiServer.readHeaderTimeout = -1;
        c.apiServer.readTimeout = -1;
        c.apiServer.writeTimeout = -1;
        c.apiServer.idleTimeout = -1;
        c.apiServer.rootUrl = 'http://a b%zz';
        c.apiServer.gui.rootUrl = 'x%';
      }).map((v) => v.message),
      [
        `${P}.GUI not valid: RootUrl is not a valid url`,
        `${P}RootUrl is not a valid URL`,
        `${P}.ReadHeaderTimeout must be greater or equal 0s`,
        `${P}.ReadTimeout must be greater or equal 0s`,
        `${P}.WriteTimeout must be greater or equal 0s`,
        `${P}.IdleTimeout must be greater or equal 0s`,
      ],
    );
  });
});

describe('validators Kuma never runs: general, dpServer, access', () => {
  test('general cert/key pairing and TLS names', () => {
    const G = 'General validation failed: ';
    expectOnly((c) => (c.general.tlsKeyFile = '/k'), 'general.tlsCertFile', `${G}.TlsCertFile cannot be empty if TlsKeyFile has been set`);
    expectOnly((c) => (c.general.tlsCertFile = '/c'), 'general.tlsKeyFile', `${G}.TlsKeyFile cannot be empty if TlsCertFile has been set`);
    expectOnly((c) => (c.general.tlsMinVersion = 'bogus'), 'general.tlsMinVersion', `${G}.TlsMinVersion unsupported tls version: bogus supported versions:[TLSv1_2 TLSv1_3]`);
    expectOnly((c) => (c.general.tlsCipherSuites = ['TLS_AES_128_GCM_SHA256', 'RC4']), 'general.tlsCipherSuites', `${G}.TlsCipherSuites ${tlsCipherError(['RC4'])}`);
    assert.deepEqual(violationsOf((c) => (c.general.tlsCipherSuites = ['TLS_RSA_WITH_AES_128_CBC_SHA', 'TLS_AES_256_GCM_SHA384'])), []);
  });

  test('dpServer', () => {
    const D = 'DpServer validation failed: ';
    assert.deepEqual(
      violationsOf((c) => {
        c.dpServer.port = -1;
        c.dpServer.authn.dpProxy.type = 'token';
        c.dpServer.authn.dpProxy.dpToken.validator.publicKeys = [{ kid: '1', mesh: 'default', key: '', keyFile: '' }];
        c.dpServer.authn.zoneProxy.zoneToken.validator.publicKeys = [{ kid: '', key: 'k', keyFile: '' }];
        c.dpServer.tlsCertFile = '/c';
        c.dpServer.tlsMinVersion = 'TLSv1_3';
        c.dpServer.readHeaderTimeout = -1;
        c.dpServer.gracefulShutdownTimeout = 0;
        c.dpServer.hds.interval = 0;
        c.dpServer.hds.checkDefaults.timeout = 0;
      }),
      [
        { path: 'dpServer.port', message: `${D}.Port cannot be negative` },
        { path: 'dpServer.authn.dpProxy.type', message: `${D}.Auth is invalid: .DpProxy is not valid: .Type should be one of serviceAccountToken, dpToken or none (empty: chosen by environment), got "token"` },
        { path: 'dpServer.authn.dpProxy.dpToken.validator.publicKeys[0]', message: `${D}.Auth is invalid: .DpProxy is not valid: .DpToken is not valid: .Validator is not valid: .PublicKeys[0] is not valid: either .KeyFile or .Key has to be defined` },
        { path: 'dpServer.authn.zoneProxy.zoneToken.validator.publicKeys[0].kid', message: `${D}.Auth is invalid: .ZoneProxy is not valid: .ZoneToken is not valid: .Validator is not valid: .PublicKeys[0] is not valid: .KID is required` },
        { path: 'dpServer.tlsKeyFile', message: `${D}.TlsKeyFile cannot be empty if TlsCertFile has been set` },
        { path: 'dpServer.readHeaderTimeout', message: `${D}ReadHeaderTimeout must be greater or equal 0s` },
        { path: 'dpServer.gracefulShutdownTimeout', message: `${D}.GracefulShutdownTimeout must be greater than 0s` },
        { path: 'dpServer.hds.interval', message: `${D}.Hds is invalid: Interval must be greater than 0s` },
        { path: 'dpServer.hds.checkDefaults.timeout', message: `${D}.Hds is invalid: Check is invalid: Timeout must be greater than 0s` },
      ],
    );
    expectOnly((c) => (c.dpServer.port = 65536), 'dpServer.port', `${D}.Port must be in the range [0, 65535]`);
    for (const t of ['', 'dpToken', 'none', 'serviceAccountToken']) assert.deepEqual(violationsOf((c) => (c.dpServer.authn.dpProxy.type = t)), []);
  });

  test('access type', () => {
    expectOnly((c) => (c.access.type = ''), 'access.type', 'Access validation failed: Type has to be defined');
    expectOnly((c) => (c.access.type = 'rbac'), 'access.type', 'Access validation failed: no Access strategy for type "rbac"');
  });
});

describe('other servers', () => {
  test('diagnostics', () => {
    assert.deepEqual(
      violationsOf((c) => {
        c.diagnostics.serverPort = 70000;
        c.diagnostics.tlsKeyFile = '/k';
        c.diagnostics.tlsCipherSuites = ['X'];
      }).map((v) => v.path),
      ['diagnostics.serverPort', 'diagnostics.tlsCertFile', 'diagnostics.tlsCipherSuites'],
    );
  });

  test('inter-CP', () => {
    expectOnly((c) => (c.interCp.server.port = 0), 'interCp.server.port', 'InterCp validation failed: .Server validation failed: .Port cannot be zero');
    expectOnly((c) => (c.interCp.server.tlsMaxVersion = 'v2'), 'interCp.server.tlsMaxVersion', `InterCp validation failed: .Server validation failed: .TlsMaxVersion ${tlsVersionError('v2')}`);
  });

  test('MADS and bootstrap (zone mode only)', () => {
    expectOnly((c) => (c.monitoringAssignmentServer.port = 65536), 'monitoringAssignmentServer.port', 'Monitoring Assignment Server validation failed: .Port must be in the range [0, 65535]');
    expectOnly((c) => (c.bootstrapServer.params.xdsPort = 65536), 'bootstrapServer.params.xdsPort', 'Bootstrap Server validation failed: Params validation failed: XdsPort must be in the range [0, 65535]');
    assert.deepEqual(
      violationsOf((c) => {
        c.mode = 'global';
        c.bootstrapServer.params.xdsPort = 65536;
      }),
      [],
    );
  });

  test('runtime.universal.dataplaneCleanupAge', () => {
    expectOnly((c) => (c.runtime.universal.dataplaneCleanupAge = 0), 'runtime.universal.dataplaneCleanupAge', 'Runtime validation failed: .DataplaneCleanupAge must be positive');
  });
});

