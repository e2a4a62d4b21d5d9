import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDataplaneVars, resolveKumaDpRunSettings } from './kuma-dp-run.js';

describe('kuma-dp run settings', () => {
  const base = { name: 'dp-1', mesh: 'default' };

  it('has Kuma defaults', () => {
    const s = resolveKumaDpRunSettings(base, {});
    assert.equal(s.cpAddress.href, 'https://localhost:5678/');
    assert.equal(s.drainTimeMs, 30_000);
    assert.equal(s.readinessPort, 9902);
    assert.equal(s.skipVerify, false);
    assert.equal(s.retryBackoffMs, 3000);
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
    assert.throws(() => resolveKumaDpRunSettings({ name: 'a$(b)', mesh: 'm' }, {}), /must not contain/);
  });

  it('rejects bad values with what to change', () => {
    assert.throws(() => resolveKumaDpRunSettings({ ...base, cpAddress: 'ftp://x' }, {}), /unsupported URL scheme ftp/);
    assert.throws(() => resolveKumaDpRunSettings({ ...base, cpAddress: 'http://x:5678' }, {}), /only serves TLS; use https:\/\/x:5678/);
    assert.throws(() => resolveKumaDpRunSettings({ ...base, proxyType: 'ingress' }, {}), /invalid proxy type/);
    assert.throws(() => resolveKumaDpRunSettings({ ...base, drainTime: 'soon' }, {}), /--drain-time/);
    assert.throws(() => resolveKumaDpRunSettings(base, { KUMA_READINESS_PORT: 'x' }), /KUMA_READINESS_PORT/);
    assert.throws(() => resolveKumaDpRunSettings({ ...base, dataplaneToken: 'a', dataplaneTokenFile: 'b' }, {}), /cannot both be set/);
  });

  it('parses template variables', () => {
    assert.deepEqual(parseDataplaneVars(['name=web-1', 'addr=10.0.0.5', 'x=a=b']), { name: 'web-1', addr: '10.0.0.5', x: 'a=b' });
    assert.throws(() => parseDataplaneVars(['oops']), /expected key=value/);
  });
});
