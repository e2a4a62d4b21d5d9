import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { connect as tcpConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { fromJsonString } from '@bufbuild/protobuf';
import { Registry } from 'prom-client';
import { BootstrapResponseSchema, ResourceKind } from '../gen/kuma/dp/v1/config_stream_pb.js';
import { makeCert } from '../tls/testing/openssl-certs.js';
import { NOT_CA_TEXT, TOKEN_REQUIRED_TEXT } from './certificate-checks.js';
import { assertGolden } from '../../test/support/golden.js';
import { dataplaneTemplate, opensslSelfSigned, startFixture, type Fixture } from './testing/dp-fixture.js';
import { curlBootstrap, http1, http2, type RequestSpec } from './testing/http-clients.js';

const run = promisify(execFile);

const body = (o: Record<string, unknown>) => JSON.stringify(o);
const withTemplate = (name: string, extra: Record<string, unknown> = {}) =>
  body({ mesh: 'default', name, proxyType: 'dataplane', dataplaneToken: 'a.b.c', dataplaneResource: JSON.stringify(dataplaneTemplate('default', name)), ...extra });

describe('/bootstrap', () => {
  let fx: Fixture;
  let spec: (s: Partial<RequestSpec>) => RequestSpec;
  before(async () => {
    fx = await startFixture();
    spec = (s) => ({ port: fx.port, ca: fx.cert.certPem, ...s });
  });
  after(() => fx.close());

  it('200 over HTTP/1.1 and HTTP/2: node id, stream address, CA, Dataplane, mesh', async () => {
    for (const send of [http1, http2]) {
      const res = await send(spec({ body: withTemplate('web-1', { version: { kumaDp: { version: '2.14.3' } } }) }));
      assert.equal(res.status, 200, res.body);
      assert.equal(res.headers['content-type'], 'application/json');
      const parsed = fromJsonString(BootstrapResponseSchema, res.body);
      assert.equal(parsed.nodeId, 'default.web-1');
      assert.equal(parsed.xdsHost, 'localhost');
      assert.equal(parsed.xdsPort, fx.port);
      assert.equal(parsed.caCertPem, fx.cert.certPem);
      assert.equal(parsed.dataplaneExists, false);
      assert.equal(parsed.meshInfo?.name, 'default');
      assert.equal(parsed.meshInfo?.mtlsEnabled, false);
      assert.deepEqual(parsed.supportedKinds, [ResourceKind.DATAPLANE, ResourceKind.IDENTITY, ResourceKind.ENDPOINTS, ResourceKind.PERMISSIONS]);
      assert.equal(parsed.authnType, 'dpToken');
      assert.equal((JSON.parse(parsed.dataplaneJson) as { name: string }).name, 'web-1');
      const raw = JSON.parse(res.body) as Record<string, unknown>;
      assert.deepEqual(raw['supportedKinds'], ['RESOURCE_KIND_DATAPLANE', 'RESOURCE_KIND_IDENTITY', 'RESOURCE_KIND_ENDPOINTS', 'RESOURCE_KIND_PERMISSIONS'], 'protobuf JSON form');
    }
    assert.equal(await fx.resources.get({ type: 'Dataplane', mesh: 'default', name: 'web-1' }).catch(() => undefined), undefined, 'bootstrap never registers');
  });

  it('a pre-created Dataplane (token path only; host by IP and without a port)', async () => {
    const t = dataplaneTemplate('default', 'applied');
    await fx.resources.create({ type: 'Dataplane', meta: { mesh: 'default', name: 'applied' }, spec: { networking: t['networking'] as any } });
    for (const host of ['127.0.0.1', `127.0.0.1:${fx.port}`, 'localhost', `[::1]:${fx.port}`]) {
      const res = await http1(spec({ host, body: body({ mesh: 'default', name: 'applied', dataplaneTokenPath: '/var/run/kuma/token' }) }));
      assert.equal(res.status, 200, `${host}: ${res.body}`);
      const parsed = fromJsonString(BootstrapResponseSchema, res.body);
      assert.equal(parsed.dataplaneExists, true);
      assert.equal(parsed.xdsHost, host.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1'));
    }
  });

  it('a Dataplane name with a dot (Kuma\'s "minimal data provided (k8s)": dp-1.default)', async () => {
    const t = dataplaneTemplate('default', 'dp-1.default');
    await fx.resources.create({ type: 'Dataplane', meta: { mesh: 'default', name: 'dp-1.default' }, spec: { networking: t['networking'] as any } });
    const res = await http1(spec({ body: body({ mesh: 'default', name: 'dp-1.default', dataplaneToken: 'token', workdir: '/tmp' }) }));
    assert.equal(res.status, 200, res.body);
    const parsed = fromJsonString(BootstrapResponseSchema, res.body);
    assert.equal(parsed.nodeId, 'default.dp-1.default');
    assert.equal(parsed.name, 'dp-1.default');
  });

  it('the response as a golden file (CA and port normalised)', async () => {
    const res = await http1(spec({ body: withTemplate('golden-1', { version: { kumaDp: { version: '0.0.1', gitTag: 'v0.0.1' } } }) }));
    assert.equal(res.status, 200, res.body);
    const raw = JSON.parse(res.body) as Record<string, unknown>;
    assert.equal(raw['caCertPem'], fx.cert.certPem);
    assert.equal(raw['xdsPort'], fx.port);
    const dp = JSON.parse(raw['dataplaneJson'] as string) as Record<string, unknown>;
    assert.match(String(dp['creationTime']), /^\d{4}-\d\d-\d\dT/);
    const dataplaneJson = JSON.stringify({ ...dp, creationTime: '2018-07-17T16:05:36.995Z', modificationTime: '2018-07-17T16:05:36.995Z' });
    const normalised = { ...raw, caCertPem: '<the DP server certificate>', xdsPort: 5678, dataplaneJson };
    await assertGolden('src/dp-server/testdata/bootstrap-response.golden.json', `${JSON.stringify(normalised, null, 2)}\n`);
  });

  it('404 with an empty body for an unknown Dataplane (kuma-dp retries)', async () => {
    for (const send of [http1, http2]) {
      const res = await send(spec({ body: body({ mesh: 'default', name: 'ghost', dataplaneToken: 'x' }) }));
      assert.equal(res.status, 404);
      assert.equal(res.body, '');
    }
    const res = await http1(spec({ body: body({ mesh: 'nope', name: 'ghost', dataplaneToken: 'x' }) }));
    assert.equal(res.status, 404);
    assert.equal(res.body, '');
  });

  it('422: token missing (Kuma\'s text), invalid Dataplane, unknown mesh, template of another mesh, other proxy types', async () => {
    let res = await http1(spec({ body: body({ mesh: 'default', name: 'web-1', dataplaneResource: JSON.stringify(dataplaneTemplate('default', 'web-1')) }) }));
    assert.equal(res.status, 422);
    assert.equal(res.body, TOKEN_REQUIRED_TEXT);
    assert.equal(
      res.body,
      "Dataplane Token is required. Generate token using 'kumactl generate dataplane-token > /path/file' and provide it via --dataplane-token-file=/path/file argument to Kuma DP",
    );

    res = await http1(spec({ body: withTemplate('bad', { dataplaneResource: JSON.stringify(dataplaneTemplate('default', 'bad', 'web', { networking: { address: '', inbound: [{ port: 0 }] } })) }) }));
    assert.equal(res.status, 422);
    assert.match(res.body, /^networking\.address: address can't be empty; networking\.inbound\[0\]\.port: port must be in the range \[1, 65535\]/);

    res = await http1(spec({ body: withTemplate('x', { mesh: 'nomesh', dataplaneResource: JSON.stringify(dataplaneTemplate('nomesh', 'x')) }) }));
    assert.equal(res.status, 422);
    assert.equal(res.body, 'mesh: mesh "nomesh" does not exist');

    res = await http1(spec({ body: withTemplate('x', { mesh: 'default', dataplaneResource: JSON.stringify(dataplaneTemplate('other', 'x')) }) }));
    assert.equal(res.status, 422);
    assert.equal(res.body, 'dataplaneResource: the Dataplane is "other.x" but the request is for "default.x"; mesh and name must be the template\'s');

    res = await http1(spec({ body: withTemplate('x', { dataplaneResource: '{"type":"Mesh","name":"x"}' }) }));
    assert.equal(res.status, 422);
    assert.match(res.body, /^invalid proxy resource type "Mesh"/);

    res = await http1(spec({ body: withTemplate('x', { proxyType: 'ingress' }) }));
    assert.equal(res.status, 422);
    assert.equal(res.body, 'proxyType: unsupported proxy type "ingress", only "dataplane" is supported');
  });

  it('400: SAN mismatch with Kuma\'s remediation text (IPs before DNS names)', async () => {
    for (const send of [http1, http2]) {
      const res = await send(spec({ host: `kuma.internal:${fx.port}`, body: withTemplate('web-1') }));
      assert.equal(res.status, 400);
      assert.equal(
        res.body,
        'A data plane proxy is trying to connect to the control plane using "kuma.internal" address, but the certificate in the control plane has the following SANs ["127.0.0.1" "::1" "localhost"]. Either change the --cp-address in kuma-dp to one of those or execute the following steps:\n' +
          "1) Generate a new certificate with the address you are trying to use. It is recommended to use trusted Certificate Authority, but you can also generate self-signed certificates using 'kumactl generate tls-certificate --type=server --hostname=kuma.internal'\n" +
          '2) Set KUMA_GENERAL_TLS_CERT_FILE and KUMA_GENERAL_TLS_KEY_FILE or the equivalent in Kuma CP config file to the new certificate.\n' +
          '3) Start kuma-dp, the control plane picks up the new certificate on its own.',
      );
    }
  });

  it('400: a caCert that is not a CA (Kuma\'s text), or not a certificate', async () => {
    const leaf = await makeCert(fx.dir, 'not-ca', { cn: 'leaf', sans: ['DNS:leaf.example'] });
    let res = await http1(spec({ body: withTemplate('web-1', { caCert: await readFile(leaf.certFile, 'utf8') }) }));
    assert.equal(res.status, 400);
    assert.equal(res.body, NOT_CA_TEXT);
    assert.equal(
      res.body,
      "A data plane proxy is trying to verify the control plane using the certificate which is not a certificate authority (basic constraint 'CA' is set to 'false').\nProvide CA that was used to sign a certificate used in the control plane by using 'kuma-dp run --ca-cert-file=file' or via KUMA_CONTROL_PLANE_CA_CERT_FILE",
    );
    // Kuma's generator case sends the PEM with blank lines around it.
    res = await http1(spec({ body: withTemplate('web-1', { caCert: `\n${await readFile(leaf.certFile, 'utf8')}\n` }) }));
    assert.equal(res.status, 400);
    assert.equal(res.body, NOT_CA_TEXT);
    res = await http1(spec({ body: withTemplate('web-1', { caCert: 'not a pem' }) }));
    assert.equal(res.status, 400);
    assert.equal(res.body, 'could not parse certificate from request .CaCert: could not parse certificate');
  });

  it('400 for bodies that are not JSON or have wrong types, 413 above 1 MiB, 405 for other methods', async () => {
    for (const [raw, text] of [
      ['{not json', /^request body is not valid JSON: /],
      ['[1,2]', /^json: cannot unmarshal array into Go value of type types\.BootstrapRequest$/],
      ['{"mesh": 5}', /^json: cannot unmarshal number into Go struct field BootstrapRequest\.mesh of type string$/],
      ['{"version": {"kumaDp": "x"}}', /^json: cannot unmarshal string into Go struct field Version\.kumaDp of type types\.KumaDpVersion$/],
    ] as const) {
      const res = await http1(spec({ body: raw }));
      assert.equal(res.status, 400, raw);
      assert.match(res.body, text);
    }
    const huge = Buffer.alloc(1024 * 1024 + 10, 0x20);
    for (const send of [http1, http2]) {
      const res = await send(spec({ body: huge }));
      assert.equal(res.status, 413);
      assert.equal(res.body, 'request body too large: /bootstrap accepts at most 1048576 bytes');
    }
    const res = await http1(spec({ method: 'GET' }));
    assert.equal(res.status, 405);
    assert.equal(res.headers['allow'], 'POST');
  });

  it('curl as an independent client: 200 and 422', async () => {
    let res = await curlBootstrap(fx.port, fx.cert.certFile, withTemplate('curl-1'));
    assert.equal(res.status, 200, res.body);
    assert.equal(fromJsonString(BootstrapResponseSchema, res.body).nodeId, 'default.curl-1');
    res = await curlBootstrap(fx.port, fx.cert.certFile, body({ mesh: 'default', name: 'curl-1' }));
    assert.equal(res.status, 422);
    assert.equal(res.body, TOKEN_REQUIRED_TEXT);
    res = await curlBootstrap(fx.port, fx.cert.certFile, withTemplate('curl-2'), ['--http2']);
    assert.equal(res.status, 200, res.body);
  });

  it('other paths: 404 with a hint (API paths), the gRPC path over HTTP/1.1 (505) or without gRPC content type (415)', async () => {
    const res = await http1(spec({ method: 'GET', path: '/meshes' }));
    assert.equal(res.status, 404);
    assert.match(res.body, /^404 page not found: "\/meshes" is not served here\. This is the DP server .* The REST API \(\/meshes, \/tokens, \.\.\.\) and kumactl talk to the API server \(port 5681/);
    const grpcOverH1 = await http1(spec({ path: '/kuma.dp.v1.ConfigService/Stream', headers: { 'content-type': 'application/grpc' }, body: '' }));
    assert.equal(grpcOverH1.status, 505);
    assert.match(grpcOverH1.body, /^The config stream \(\/kuma\.dp\.v1\.ConfigService\/Stream\) is gRPC: it needs HTTP\/2 .* this request came over HTTP\/1\.1/);
    const plainH2 = await http2(spec({ path: '/kuma.dp.v1.ConfigService/Stream', body: '{}' }));
    assert.equal(plainH2.status, 415);
    assert.match(plainH2.body, /speaks gRPC only: content-type must be application\/grpc/);
  });

  it('TLS only: a plaintext client and TLS 1.1 are refused in the handshake', async () => {
    const plain = await new Promise<string>((resolve) => {
      const sock = tcpConnect(fx.port, '127.0.0.1', () => sock.write('POST /bootstrap HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n\r\n{}'));
      let data = '';
      sock.on('data', (d) => (data += d.toString('latin1')));
      sock.on('error', () => resolve(data));
      sock.on('close', () => resolve(data));
    });
    assert.doesNotMatch(plain, /HTTP\/1\.1 \d{3}/, 'no HTTP answer to plaintext');
    const tls11 = await new Promise<string>((resolve) => {
      const sock = tlsConnect({ host: '127.0.0.1', port: fx.port, servername: 'localhost', ca: fx.cert.certPem, minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' });
      sock.on('secureConnect', () => resolve('connected'));
      sock.on('error', (err) => resolve(err.message));
    });
    assert.match(tls11, /alert protocol version|unsupported protocol|wrong version number/i);
    const { stderr } = await run('openssl', ['s_client', '-connect', `127.0.0.1:${fx.port}`, '-tls1_1', '-cipher', 'DEFAULT@SECLEVEL=0'], { timeout: 5000 }).catch((e: { stderr: string }) => e);
    assert.match(stderr, /alert protocol version|no protocols available|unsupported protocol/i);
  });
});

describe('/bootstrap with other settings', () => {
  it('authn none: no token needed; xdsHost set: no SAN check and the configured host is handed out', async () => {
    const fx = await startFixture({
      configure: (c) => {
        c.dpServer.authn.dpProxy.type = 'none';
        c.bootstrapServer.params.xdsHost = 'localhost';
        c.bootstrapServer.params.xdsPort = 15678;
      },
    });
    try {
      const res = await http1({ port: fx.port, ca: fx.cert.certPem, host: 'anything.example', body: body({ mesh: 'default', name: 'n', dataplaneResource: JSON.stringify(dataplaneTemplate('default', 'n')) }) });
      assert.equal(res.status, 200, res.body);
      const parsed = fromJsonString(BootstrapResponseSchema, res.body);
      assert.equal(parsed.xdsHost, 'localhost');
      assert.equal(parsed.xdsPort, 15678);
      assert.equal(parsed.authnType, 'none');
    } finally {
      await fx.close();
    }
  });

  it('SAN mismatch is checked before the Dataplane lookup, also without a token (Kuma\'s generator case: IPv6 SAN listed first)', async () => {
    const fx = await startFixture({
      configure: (c) => (c.dpServer.authn.dpProxy.type = 'none'),
      cert: (d) => opensslSelfSigned(d, 'v6', ['localhost', 'fd00:a123::1']),
    });
    try {
      const res = await http1({ port: fx.port, ca: fx.cert.certPem, host: 'kuma.internal', body: body({ mesh: 'mesh', name: 'name-3.namespace' }) });
      assert.equal(res.status, 400);
      assert.equal(
        res.body,
        'A data plane proxy is trying to connect to the control plane using "kuma.internal" address, but the certificate in the control plane has the following SANs ["fd00:a123::1" "localhost"]. Either change the --cp-address in kuma-dp to one of those or execute the following steps:\n' +
          "1) Generate a new certificate with the address you are trying to use. It is recommended to use trusted Certificate Authority, but you can also generate self-signed certificates using 'kumactl generate tls-certificate --type=server --hostname=kuma.internal'\n" +
          '2) Set KUMA_GENERAL_TLS_CERT_FILE and KUMA_GENERAL_TLS_KEY_FILE or the equivalent in Kuma CP config file to the new certificate.\n' +
          '3) Start kuma-dp, the control plane picks up the new certificate on its own.',
      );
      // With the right host the same request reaches the lookup: 404, empty body.
      const found = await http1({ port: fx.port, ca: fx.cert.certPem, host: '[fd00:a123::1]', body: body({ mesh: 'mesh', name: 'name-3.namespace' }) });
      assert.equal(found.status, 404);
      assert.equal(found.body, '');
    } finally {
      await fx.close();
    }
  });

  it('publishes Kuma\'s dp_server_http_* metrics for /bootstrap (server_test "should publish metrics")', async () => {
    const registry = new Registry();
    const fx = await startFixture({ metricsRegistry: registry });
    try {
      await http1({ port: fx.port, ca: fx.cert.certPem, body: body({ mesh: 'default', name: 'dp-1' }) });
      await http2({ port: fx.port, ca: fx.cert.certPem, method: 'GET', path: '/meshes?x=1' });
      const text = await registry.metrics();
      assert.match(text, /^dp_server_http_request_duration_seconds_count\{handler="\/bootstrap",method="POST",code="422"\} 1$/m);
      assert.match(text, /^dp_server_http_response_size_bytes_sum\{handler="\/bootstrap",method="POST",code="422"\} \d+$/m);
      assert.match(text, /^dp_server_http_requests_inflight\{handler="\/bootstrap"\} 0$/m);
      assert.match(text, /^dp_server_http_request_duration_seconds_count\{handler="other",method="GET",code="404"\} 1$/m, 'other paths share one label');
    } finally {
      await fx.close();
    }
  });

  it('an xdsHost that is not in the certificate stops the start with Kuma\'s text', async () => {
    await assert.rejects(
      startFixture({ configure: (c) => (c.bootstrapServer.params.xdsHost = 'cp.example') }),
      (err: Error) => {
        assert.equal(
          err.message,
          'hostname: cp.example set by KUMA_BOOTSTRAP_SERVER_PARAMS_XDS_HOST is not available in the DP Server certificate. Available hostnames: ["localhost"]. Change the hostname or generate certificate with proper hostname.',
        );
        return true;
      },
    );
  });

  it('a served leaf (CA=false) needs the request\'s caCert: NotCA without it, the CA handed back with it', async () => {
    let ca: { certFile: string; keyFile: string } | undefined;
    const fx = await startFixture({
      cert: async (dir) => {
        ca = await makeCert(dir, 'ca', { cn: 'test-ca', isCa: true });
        const leaf = await makeCert(dir, 'leaf', { cn: 'cp', sans: ['DNS:localhost', 'IP:127.0.0.1'], ca });
        return { ...leaf, certPem: await readFile(ca.certFile, 'utf8') };
      },
    });
    try {
      const caPem = await readFile(ca!.certFile, 'utf8');
      let res = await http1({ port: fx.port, ca: caPem, body: withTemplate('w') });
      assert.equal(res.status, 400);
      assert.equal(res.body, NOT_CA_TEXT);
      res = await http1({ port: fx.port, ca: caPem, body: withTemplate('w', { caCert: caPem }) });
      assert.equal(res.status, 200, res.body);
      assert.equal(fromJsonString(BootstrapResponseSchema, res.body).caCertPem, caPem);
    } finally {
      await fx.close();
    }
  });
});
