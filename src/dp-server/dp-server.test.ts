import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSelfSignedCertificate, generateKeyPair } from '../pki/index.js';
import { hostOfAuthority } from './bootstrap.js';
import { BootstrapRequestError, parseBootstrapRequest } from './bootstrap-request.js';
import { certificateMatchesHost, goQuoteList, sanMismatchText } from './certificate-checks.js';
import { DataplaneTemplateError, parseDataplaneTemplate } from './dataplane-template.js';
import { merge } from './insight-sink.js';
import { parseNodeId } from './node-id.js';

describe('certificate checks', () => {
  it('the SAN-mismatch text of Kuma\'s generator_test (IPs before DNS names)', async () => {
    const cert = createSelfSignedCertificate({ type: 'server', keyPair: await generateKeyPair('ecdsa'), hosts: ['localhost', 'fd00:a123::1'] }).certificate;
    assert.equal(
      sanMismatchText('kuma.internal', cert),
      `A data plane proxy is trying to connect to the control plane using "kuma.internal" address, but the certificate in the control plane has the following SANs ["fd00:a123::1" "localhost"]. Either change the --cp-address in kuma-dp to one of those or execute the following steps:
1) Generate a new certificate with the address you are trying to use. It is recommended to use trusted Certificate Authority, but you can also generate self-signed certificates using 'kumactl generate tls-certificate --type=server --hostname=kuma.internal'
2) Set KUMA_GENERAL_TLS_CERT_FILE and KUMA_GENERAL_TLS_KEY_FILE or the equivalent in Kuma CP config file to the new certificate.
3) Start kuma-dp, the control plane picks up the new certificate on its own.`,
    );
  });

  it('host matching as Go\'s VerifyHostname: IP SANs for IPs, DNS SANs (one-label wildcards) otherwise, never the CN', async () => {
    const cert = createSelfSignedCertificate({ type: 'server', keyPair: await generateKeyPair('ecdsa'), hosts: ['cp.example', '*.mesh.example', '10.0.0.1', 'fd00::1'] }).certificate;
    for (const ok of ['cp.example', 'CP.Example', 'cp.example.', 'a.mesh.example', '10.0.0.1', 'fd00::1', '[fd00::1]', 'fd00:0:0::1']) assert.equal(certificateMatchesHost(cert, ok), true, ok);
    for (const bad of ['other.example', 'a.b.mesh.example', 'mesh.example', '10.0.0.2', '', 'localhost']) assert.equal(certificateMatchesHost(cert, bad), false, bad);
  });

  it('Go %q of a list', () => {
    assert.equal(goQuoteList([]), '[]');
    assert.equal(goQuoteList(['a', 'b"c']), '["a" "b\\"c"]');
  });
});

describe('bootstrap request', () => {
  it('reads the fields like encoding/json: null is unset, unknown fields are ignored', () => {
    const r = parseBootstrapRequest('{"mesh":"m","name":null,"dnsPort":15053,"version":{"kumaDp":{"version":"2.14.3"},"envoy":{"version":"1"}}}');
    assert.equal(r.mesh, 'm');
    assert.equal(r.name, '');
    assert.equal(r.version.kumaDp.version, '2.14.3');
  });

  it('names the field of the wrong type', () => {
    assert.throws(() => parseBootstrapRequest('{"dataplaneToken": true}'), new BootstrapRequestError('json: cannot unmarshal bool into Go struct field BootstrapRequest.dataplaneToken of type string'));
    assert.throws(() => parseBootstrapRequest('null'), /cannot unmarshal null into Go value/);
  });

  it('the host of Host / :authority, as Go\'s SplitHostPort', () => {
    assert.equal(hostOfAuthority('cp:5678'), 'cp');
    assert.equal(hostOfAuthority('cp'), 'cp');
    assert.equal(hostOfAuthority('[::1]:5678'), '::1');
    assert.equal(hostOfAuthority('[::1]'), '[::1]');
    assert.equal(hostOfAuthority('fd00::1'), 'fd00::1');
  });
});

describe('node ids and templates', () => {
  it('split at the first dot', () => {
    assert.deepEqual(parseNodeId('default.web-1.ns'), { mesh: 'default', name: 'web-1.ns' });
    assert.deepEqual(parseNodeId('default.'), { problem: 'name must not be empty' });
    assert.deepEqual(parseNodeId('x'), { problem: 'the name should be provided after the dot' });
    assert.deepEqual(parseNodeId(''), { problem: 'Envoy ID must not be nil' });
  });

  it('templates in YAML or JSON, validated like kumactl apply', () => {
    const t = parseDataplaneTemplate('type: Dataplane\nmesh: default\nname: web-1\nlabels: {team: a}\nnetworking:\n  address: 10.0.0.5\n  inbound:\n  - port: 15001\n    servicePort: 8080\n    tags: {kuma.io/service: web}\n');
    assert.equal(t.name, 'web-1');
    assert.deepEqual(t.labels, { team: 'a' });
    assert.throws(() => parseDataplaneTemplate('type: Dataplane\nmesh: default\nname: web-1\nnetworking: {address: ""}\n'), DataplaneTemplateError);
    assert.throws(() => parseDataplaneTemplate('a: [1'), /^Error: could not parse the Dataplane: /);
  });
});

describe('insight subscriptions', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  it('a new subscription closes older open ones and the list keeps the newest `limit`', () => {
    const existing = [{ id: 'a', disconnectTime: '2025-12-31T00:00:00Z' }, { id: 'b' }];
    const out = merge(existing, { id: 'c' }, false, now, 2) as Record<string, unknown>[];
    assert.deepEqual(out, [{ id: 'b', disconnectTime: '2026-01-01T00:00:00Z' }, { id: 'c' }]);
    assert.deepEqual(merge(out, { id: 'c', x: 1 }, false, now, 2), [{ id: 'b', disconnectTime: '2026-01-01T00:00:00Z' }, { id: 'c', x: 1 }]);
  });

  it('a final write of a trimmed subscription changes nothing', () => {
    assert.equal(merge([{ id: 'b' }], { id: 'gone', disconnectTime: 'x' }, true, now, 2), undefined);
  });
});
