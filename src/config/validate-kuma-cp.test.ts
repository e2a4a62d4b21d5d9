import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { tlsCipherError, tlsVersionError } from '../core/tls-names.js';
import { dns1035LabelViolations, DNS1035_REGEX_MESSAGE } from './dns-label.js';
import { parseGoUrl } from './go-url.js';
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

test('the defaults are valid, in zone and global mode', () => {
  assert.deepEqual(validateKumaCpConfig(defaultKumaCpConfig()), []);
  assert.deepEqual(violationsOf((c) => (c.mode = 'global')), []);
});

describe('top level (spec §1.11, §8 item 4)', () => {
  test('mode', () => {
    expectOnly((c) => (c.mode = 'standalone'), 'mode', 'Mode validation failed: invalid mode. Available modes: zone, global');
  });

  test('environment', () => {
    const v = violationsOf((c) => (c.environment = 'docker'));
    assert.deepEqual(v, [{ path: 'environment', message: 'Environment should be either kubernetes or universal' }]);
  });

  test('global + environment=kubernetes is rejected', () => {
    const v = violationsOf((c) => {
      c.mode = 'global';
      c.environment = 'kubernetes';
    });
    assert.equal(v.length, 1);
    assert.equal(v[0]?.path, 'environment');
    for (const part of ['Kubernetes-native Global Control Plane is not supported', 'mode=global', 'environment=kubernetes']) {
      assert.ok(v[0]?.message.includes(part), part);
    }
  });

  test('global + store.type=kubernetes is rejected', () => {
    const v = violationsOf((c) => {
      c.mode = 'global';
      c.store.type = 'kubernetes';
    });
    assert.equal(v.length, 1);
    assert.equal(v[0]?.path, 'store.type');
    assert.ok(v[0]?.message.includes('store.type=kubernetes'));
  });

  test('global + universal is fine; zone + kubernetes is fine', () => {
    assert.deepEqual(violationsOf((c) => (c.mode = 'global')), []);
    assert.deepEqual(violationsOf((c) => (c.environment = 'kubernetes')), []);
  });
});

describe('zone (spec §8 item 5)', () => {
  test('name is mandatory', () => {
    expectOnly((c) => (c.multizone.zone.name = ''), 'multizone.zone.name', 'Multizone Zone validation failed: Name is mandatory');
  });

  test('RFC 1035 labels', () => {
    assert.deepEqual(violationsOf((c) => (c.multizone.zone.name = 'zone-1')), []);
    for (const bad of ['Zone-1', 'zone_1', '1zone']) {
      expectOnly(
        (c) => (c.multizone.zone.name = bad),
        'multizone.zone.name',
        `Multizone Zone validation failed: Zone name "${bad}" has to be a valid RFC1035 DNS label: ${DNS1035_REGEX_MESSAGE}`,
      );
    }
    const long = 'a'.repeat(64);
    expectOnly(
      (c) => (c.multizone.zone.name = long),
      'multizone.zone.name',
      `Multizone Zone validation failed: Zone name "${long}" has to be a valid RFC1035 DNS label: must be no more than 63 characters`,
    );
  });

  test('the k8s texts, exactly', () => {
    assert.deepEqual(dns1035LabelViolations('Zone_1' + 'a'.repeat(60)), [
      'must be no more than 63 characters',
      "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
    ]);
    assert.deepEqual(dns1035LabelViolations('a'.repeat(63)), []);
  });

  test('the zone name is not checked in global mode (as in Kuma)', () => {
    assert.deepEqual(
      violationsOf((c) => {
        c.mode = 'global';
        c.multizone.zone.name = '';
      }),
      [],
    );
  });

  test('globalAddress schemes', () => {
    for (const ok of ['grpc://1.1.1.1:5685', 'grpcs://global.example:5685', 'GRPCS://g:1']) {
      assert.deepEqual(violationsOf((c) => (c.multizone.zone.globalAddress = ok)), [], ok);
    }
    expectOnly(
      (c) => (c.multizone.zone.globalAddress = 'https://global:5685'),
      'multizone.zone.globalAddress',
      'Multizone Zone validation failed: unsupported scheme "https" in zone GlobalAddress. Use one of [grpc grpcs]',
    );
    // Go parses host:port as scheme "localhost"
    expectOnly(
      (c) => (c.multizone.zone.globalAddress = 'localhost:5685'),
      'multizone.zone.globalAddress',
      'Multizone Zone validation failed: unsupported scheme "localhost" in zone GlobalAddress. Use one of [grpc grpcs]',
    );
  });

  test('unparsable globalAddress, with Go url.Parse texts', () => {
    const cases: [string, string][] = [
      ['1.1.1.1:5685', 'parse "1.1.1.1:5685": first path segment in URL cannot contain colon'],
      [':5685', 'parse ":5685": missing protocol scheme'],
      ['grpcs://[::1:5685', `parse "grpcs://[::1:5685": missing ']' in host`],
      ['grpcs://global:port', 'parse "grpcs://global:port": invalid port ":port" after host'],
      ['grpc://g\n:1', 'parse "grpc://g\\n:1": net/url: invalid control character in URL'],
    ];
    for (const [addr, err] of cases) {
      expectOnly((c) => (c.multizone.zone.globalAddress = addr), 'multizone.zone.globalAddress', `Multizone Zone validation failed: unable to parse zone GlobalAddress.: ${err}`);
    }
  });

  test('KDS client settings, checked only when federated', () => {
    const bad = (c: KumaCpConfig): void => {
      c.multizone.zone.kds.tlsCertFile = '/c';
      c.multizone.zone.kds.auth.tokenPath = '/t';
      c.multizone.zone.kds.auth.tokenInline = 'tok';
    };
    assert.deepEqual(violationsOf(bad), []);
    assert.deepEqual(
      violationsOf((c) => {
        bad(c);
        c.multizone.zone.globalAddress = 'grpcs://g:5685';
      }),
      [
        { path: 'multizone.zone.kds.tlsKeyFile', message: 'Multizone Zone validation failed: .KDS validation error: .TlsKeyFile cannot be empty if TlsCertFile has been set' },
        { path: 'multizone.zone.kds.auth', message: 'Multizone Zone validation failed: .KDS validation error: .Auth.TokenPath and .Auth.TokenInline cannot be both defined' },
      ],
    );
  });
});

describe('global KDS server', () => {
  const global = (edit: (c: KumaCpConfig) => void) => (c: KumaCpConfig) => {
    c.mode = 'global';
    edit(c);
  };
  const P = 'Multizone Global validation failed: ';

  test('port, intervals, cert/key pairing, TLS names, auth type, client certs', () => {
    assert.deepEqual(
      violationsOf(
        global((c) => {
          const k = c.multizone.global.kds;
          k.grpcPort = 70000;
          k.refreshInterval = 0;
          k.zoneInsightFlushInterval = -1;
          k.tlsKeyFile = '/k';
          k.tlsMinVersion = 'TLSv1_1';
          k.tlsCipherSuites = ['NOPE'];
          k.auth.type = 'mtls';
          k.requireClientCert = true;
          k.tlsEnabled = false;
        }),
      ),
      [
        { path: 'multizone.global.kds.grpcPort', message: `${P}.GrpcPort must be in the range [0, 65535]` },
        { path: 'multizone.global.kds.refreshInterval', message: `${P}.RefreshInterval must be positive` },
        { path: 'multizone.global.kds.zoneInsightFlushInterval', message: `${P}.ZoneInsightFlushInterval must be positive` },
        { path: 'multizone.global.kds.tlsCertFile', message: `${P}.TlsCertFile cannot be empty if TlsKeyFile has been set` },
        { path: 'multizone.global.kds.tlsMinVersion', message: `${P}.TlsMinVersion ${tlsVersionError('TLSv1_1')}` },
        { path: 'multizone.global.kds.tlsCipherSuites', message: `${P}.TlsCipherSuites ${tlsCipherError(['NOPE'])}` },
        { path: 'multizone.global.kds.tlsCaFile', message: `${P}.TlsCaFile cannot be empty if RequireClientCert is true` },
        { path: 'multizone.global.kds.requireClientCert', message: `${P}.RequireClientCert needs TlsEnabled` },
        { path: 'multizone.global.kds.auth.type', message: `${P}.Auth.Type should be either none or zoneToken, got "mtls"` },
      ],
    );
  });

  test('zoneToken auth is accepted', () => {
    assert.deepEqual(violationsOf(global((c) => (c.multizone.global.kds.auth.type = 'zoneToken'))), []);
  });

  test('KDS server settings are not checked in zone mode (as in Kuma)', () => {
    assert.deepEqual(violationsOf((c) => (c.multizone.global.kds.grpcPort = 70000)), []);
  });
});

test('parseGoUrl basics', () => {
  assert.deepEqual(parseGoUrl('grpcs://global:5685/x?y#z'), { ok: true, url: { scheme: 'grpcs', host: 'global:5685' } });
  assert.deepEqual(parseGoUrl('grpc://[::1]:5685'), { ok: true, url: { scheme: 'grpc', host: '[::1]:5685' } });
  assert.deepEqual(parseGoUrl('/gui'), { ok: true, url: { scheme: '', host: '' } });
  assert.deepEqual(parseGoUrl('/a%zz'), { ok: false, error: 'parse "/a%zz": invalid URL escape "%zz"' });
});
