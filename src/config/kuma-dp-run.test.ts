import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDataplaneVars, resolveKumaDpRunSettings, type KumaDpRunFlags } from './kuma-dp-run.js';

describe('kuma-dp run settings', () => {
  const base = { name: 'dp-1', mesh: 'default' };

  it('has Kuma defaults (default-config.golden.yaml: url, retry 3s/5m, drainTime 30s, proxyType, readinessPort 9902)', () => {
    const s = resolveKumaDpRunSettings(base, {});
    assert.deepEqual({ ...s, cpAddress: s.cpAddress.href }, {
      cpAddress: 'https://localhost:5678/',
      caCertFile: '',
      caCertPem: '',
      skipVerify: false,
      name: 'dp-1',
      mesh: 'default',
      proxyType: 'dataplane',
      drainTimeMs: 30_000,
      readinessPort: 9902,
      tokenFile: '',
      token: '',
      dataplaneInline: '',
      dataplaneFile: '',
      dataplaneVars: {},
      workDir: '',
      retryBackoffMs: 3000,
      retryMaxDurationMs: 300_000,
    });
  });

  it('is loadable from environment variables alone (Kuma\'s config_test env table)', () => {
    const s = resolveKumaDpRunSettings(
      {},
      {
        KUMA_CONTROL_PLANE_URL: 'https://kuma-control-plane.internal:5682',
        KUMA_CONTROL_PLANE_RETRY_BACKOFF: '1s',
        KUMA_CONTROL_PLANE_RETRY_MAX_DURATION: '10s',
        KUMA_DATAPLANE_MESH: 'demo',
        KUMA_DATAPLANE_NAME: 'example',
        KUMA_DATAPLANE_DRAIN_TIME: '60s',
        KUMA_DATAPLANE_PROXY_TYPE: 'dataplane',
        KUMA_READINESS_PORT: '9902',
        KUMA_DATAPLANE_RUNTIME_WORK_DIR: '/var/run/envoy',
        KUMA_DATAPLANE_RUNTIME_TOKEN_PATH: '/tmp/token',
        KUMA_CONTROL_PLANE_CA_CERT: '-----BEGIN CERTIFICATE-----',
      },
    );
    assert.equal(s.cpAddress.href, 'https://kuma-control-plane.internal:5682/');
    assert.equal(s.retryBackoffMs, 1000);
    assert.equal(s.retryMaxDurationMs, 10_000);
    assert.equal(s.mesh, 'demo');
    assert.equal(s.name, 'example');
    assert.equal(s.drainTimeMs, 60_000);
    assert.equal(s.readinessPort, 9902);
    assert.equal(s.workDir, '/var/run/envoy');
    assert.equal(s.tokenFile, '/tmp/token');
    assert.equal(s.caCertPem, '-----BEGIN CERTIFICATE-----');
    const t = resolveKumaDpRunSettings({}, { KUMA_DATAPLANE_RUNTIME_RESOURCE_PATH: 'dp.yaml', KUMA_DATAPLANE_RUNTIME_TOKEN: 'x.y.z' });
    assert.equal(t.dataplaneFile, 'dp.yaml');
    assert.equal(t.token, 'x.y.z');
  });

  it('lets a set env var override the flag', () => {
    const s = resolveKumaDpRunSettings(
      { ...base, cpAddress: 'https://flag:5678', caCertFile: '/flag.crt' },
      { KUMA_CONTROL_PLANE_URL: 'https://env:5678', KUMA_CONTROL_PLANE_CA_CERT_FILE: '/env.crt', KUMA_CONTROL_PLANE_TLS_SKIP_VERIFY: 'true', KUMA_READINESS_PORT: '0', KUMA_DATAPLANE_DRAIN_TIME: '0s' },
    );
    assert.equal(s.cpAddress.hostname, 'env');
    assert.equal(s.caCertFile, '/env.crt');
    assert.equal(s.skipVerify, true);
    assert.equal(s.readinessPort, 0);
    assert.equal(s.drainTimeMs, 0);
  });

  it('applies the --name/--mesh rules', () => {
    assert.throws(() => resolveKumaDpRunSettings({}, {}), /\.Mesh must be non-empty; \.Name must be non-empty/);
    assert.throws(() => resolveKumaDpRunSettings({ ...base, dataplaneFile: 'dp.yaml' }, {}), /--name and --mesh cannot be specified when a dataplane definition is provided/);
    assert.doesNotThrow(() => resolveKumaDpRunSettings({ dataplaneFile: 'dp.yaml' }, {}));
    assert.throws(() => resolveKumaDpRunSettings({ name: 'a$(b)', mesh: 'm' }, {}), { message: 'configuration validation failed: .Dataplane is not valid: .Name "a$(b)" contains invalid characters' });
    // With a template, a bad proxy type is still refused (Kuma: `invalid proxy type`), before the name/mesh rule.
    assert.throws(() => resolveKumaDpRunSettings({ dataplaneFile: 'dp.yaml', proxyType: 'phoney' }, {}), /invalid proxy type/);
  });

  it('rejects bad values with what to change', () => {
    const fails = (flags: KumaDpRunFlags, env: Record<string, string>, message: string) =>
      assert.throws(() => resolveKumaDpRunSettings(flags, env), { code: 'ERR_KUMA_DP_CONFIG', message: `configuration validation failed: ${message}` });
    fails({ ...base, cpAddress: 'ftp://x' }, {}, '.ControlPlane is not valid: .Url is not valid: unsupported URL scheme "ftp" in "ftp://x", must be https');
    fails({ ...base, cpAddress: 'http://x:5678' }, {}, '.ControlPlane is not valid: .Url is not valid: unsupported URL scheme "http" in "http://x:5678": the DP server only serves TLS; use https://x:5678');
    fails({ ...base, cpAddress: ':333' }, {}, '.ControlPlane is not valid: .Url is not valid: ":333" is not an absolute URL; use e.g. https://kuma-control-plane:5678 (--cp-address, KUMA_CONTROL_PLANE_URL)');
    for (const t of ['gateway', 'ingress', 'egress']) {
      fails({ ...base, proxyType: t }, {}, `.Dataplane is not valid: .ProxyType "${t}" is not supported (invalid proxy type: only "dataplane" is supported)`);
    }
    fails({ ...base, drainTime: 'soon' }, {}, '--drain-time: time: invalid duration "soon"');
    fails({ ...base, drainTime: '-1s' }, {}, '.Dataplane is not valid: .DrainTime must not be negative, got -1s (--drain-time, KUMA_DATAPLANE_DRAIN_TIME)');
    fails(base, { KUMA_READINESS_PORT: 'x' }, '.Dataplane is not valid: .ReadinessPort has to be in [0, 65535] range, got "x" (KUMA_READINESS_PORT)');
    fails({ ...base, dataplaneToken: 'a', dataplaneTokenFile: 'b' }, {}, '--dataplane-token-file and --dataplane-token cannot both be set; pass the token one way');
    fails(base, { KUMA_CONTROL_PLANE_TLS_SKIP_VERIFY: 'maybe' }, 'KUMA_CONTROL_PLANE_TLS_SKIP_VERIFY must be true or false, got "maybe"');
  });

  it('reports every violation at once, in Kuma\'s sections (invalid-config.input.yaml)', () => {
    assert.throws(
      () =>
        resolveKumaDpRunSettings(
          { proxyType: 'not-a-proxy', drainTime: '-5s' },
          { KUMA_CONTROL_PLANE_RETRY_BACKOFF: '0s', KUMA_CONTROL_PLANE_RETRY_MAX_DURATION: '0s', KUMA_READINESS_PORT: '70000', KUMA_DATAPLANE_NAME: '$(POD_NAME).$(POD_NAMESPACE)' },
        ),
      {
        message:
          'configuration validation failed: ' +
          '.ControlPlane is not valid: .Retry is not valid: .Backoff must be a positive duration (KUMA_CONTROL_PLANE_RETRY_BACKOFF=0s); ' +
          '.MaxDuration must be a positive duration (KUMA_CONTROL_PLANE_RETRY_MAX_DURATION=0s); ' +
          '.Dataplane is not valid: .ProxyType "not-a-proxy" is not supported (invalid proxy type: only "dataplane" is supported); ' +
          '.Mesh must be non-empty (pass --mesh and --name for a Dataplane created with kumactl apply, or --dataplane-file with its definition); ' +
          '.Name "$(POD_NAME).$(POD_NAMESPACE)" contains invalid characters; ' +
          '.DrainTime must not be negative, got -5s (--drain-time, KUMA_DATAPLANE_DRAIN_TIME); ' +
          '.ReadinessPort has to be in [0, 65535] range, got "70000" (KUMA_READINESS_PORT)',
      },
    );
  });

  it('parses template variables', () => {
    assert.deepEqual(parseDataplaneVars(['name=web-1', 'addr=10.0.0.5', 'x=a=b']), { name: 'web-1', addr: '10.0.0.5', x: 'a=b' });
    assert.throws(() => parseDataplaneVars(['oops']), /expected key=value/);
  });
});
