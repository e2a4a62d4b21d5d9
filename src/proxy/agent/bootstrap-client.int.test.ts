/**
 * Kuma's remote_bootstrap_test.go ported: the exact request kuma-dp sends (goldens), the accept
 * header, the retry on an empty 404 and the final Dataplane-not-found text; plus what we do
 * differently on purpose (no retry for the API port's 404).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { create, toJsonString } from '@bufbuild/protobuf';
import { assertGolden } from '../../../test/support/golden.js';
import { silentLogger } from '../../core/log.js';
import { opensslSelfSigned, type CertPaths } from '../../dp-server/testing/dp-fixture.js';
import { BootstrapResponseSchema } from '../../gen/kuma/dp/v1/config_stream_pb.js';
import { tempDir } from '../../tls/testing/openssl-certs.js';
import { DP_NOT_FOUND_TEXT, fetchBootstrap, NO_BOOTSTRAP_ENDPOINT_TEXT, type BootstrapParams } from './bootstrap-client.js';
import type { BootstrapRequestInput } from './bootstrap-request.js';

interface Seen {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

type Answer = { status: number; body: string };

const OK: Answer = { status: 200, body: toJsonString(BootstrapResponseSchema, create(BootstrapResponseSchema, { nodeId: 'demo.sample', mesh: 'demo', name: 'sample' })) };

/** Kuma's fixture values (newOptsBuilder + BuildInfo in remote_bootstrap_test.go). */
const kumaRequest = (extra: Partial<BootstrapRequestInput> = {}): BootstrapRequestInput => ({
  mesh: 'demo',
  name: 'sample',
  token: 'token',
  tokenPath: '',
  dataplaneJson: '',
  caCertPem: '',
  dynamicMetadata: {},
  readinessPort: 9902,
  workDir: '/tmp',
  ipv6Enabled: true,
  operatingSystem: 'linux',
  build: { version: '0.0.1', gitTag: 'v0.0.1', gitCommit: '91ce236824a9d875601679aa80c63783fb0e8725', buildDate: '2019-08-07T11:26:06Z' },
  ...extra,
});

describe('kuma-dp bootstrap client (Kuma remote_bootstrap_test)', () => {
  let dir: { dir: string; remove: () => Promise<void> };
  let cert: CertPaths;
  let server: Server;
  let port: number;
  let seen: Seen[] = [];
  let answers: Answer[] = [];

  before(async () => {
    dir = await tempDir();
    cert = await opensslSelfSigned(dir.dir, 'cp', ['localhost']);
    server = createServer({ cert: cert.certPem, key: await readFile(cert.keyFile) }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        const a = answers.length > 1 ? (answers.shift() as Answer) : (answers[0] ?? OK);
        res.writeHead(a.status, a.body === '' ? {} : { 'content-type': 'application/json' }).end(a.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    await dir.remove();
  });

  const fetch = (request: BootstrapRequestInput, extra: Partial<BootstrapParams> = {}, replies: Answer[] = [OK]) => {
    seen = [];
    answers = [...replies];
    return fetchBootstrap(
      {
        cpAddress: new URL(`https://localhost:${port}`),
        tls: { ca: cert.certPem, minVersion: 'TLSv1.2' },
        tlsSettings: { caPem: cert.certPem },
        request,
        retryBackoffMs: 10,
        retryMaxDurationMs: 5000,
        ...extra,
      },
      silentLogger,
      new AbortController().signal,
    );
  };

  describe('sends the request kuma-dp sends (goldens as in Kuma testdata/bootstrap-request-*.golden.json)', () => {
    const cases: [string, BootstrapRequestInput][] = [
      // Kuma: "reads token from file and sets file path in request" (the file holds `token1234`).
      ['token-path', kumaRequest({ token: 'token1234', tokenPath: 'testdata/token' })],
      // Kuma: "includes ... custom metadata" (metrics cert paths are Envoy's: ours stay empty).
      ['dynamic-metadata', kumaRequest({ dynamicMetadata: { HOST_IP: '10.0.0.1' } })],
      // A template: the rendered Dataplane as a JSON string; the CA given to kuma-dp is forwarded.
      [
        'template',
        kumaRequest({
          dataplaneJson: JSON.stringify({ type: 'Dataplane', mesh: 'demo', name: 'sample', networking: { address: '10.0.0.5', inbound: [{ port: 15001, servicePort: 8080, tags: { 'kuma.io/service': 'web' } }] } }),
          caCertPem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
          ipv6Enabled: false,
        }),
      ],
      // A pre-created Dataplane without a token (authentication off): both omitted, as Go's omitempty does.
      ['no-token', kumaRequest({ token: undefined, readinessPort: 0 })],
    ];
    for (const [name, request] of cases) {
      it(name, async () => {
        const res = await fetch(request);
        assert.equal(res.nodeId, 'demo.sample');
        assert.equal(seen.length, 1);
        const [req] = seen as [Seen];
        assert.equal(req.method, 'POST');
        assert.equal(req.url, '/bootstrap');
        assert.equal(req.headers['accept'], 'application/json');
        assert.equal(req.headers['content-type'], 'application/json');
        await assertGolden(`src/proxy/agent/testdata/bootstrap-request-${name}.golden.json`, `${req.body}\n`);
      });
    }
  });

  it('retries while the Dataplane is not found (404, empty body), then succeeds', async () => {
    const res = await fetch(kumaRequest(), {}, [{ status: 404, body: '' }, { status: 404, body: '' }, OK]);
    assert.equal(res.nodeId, 'demo.sample');
    assert.equal(seen.length, 3);
  });

  it('gives up after the max duration with Kuma\'s Dataplane-not-found text', async () => {
    await assert.rejects(fetch(kumaRequest({ mesh: 'default', name: 'dp-1' }), { retryBackoffMs: 10, retryMaxDurationMs: 100 }, [{ status: 404, body: '' }]), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'ERR_DP_BOOTSTRAP_GAVE_UP');
      assert.ok(err.message.startsWith(`Failed to fetch Envoy bootstrap config. ${DP_NOT_FOUND_TEXT} (looked for mesh/name "default"/"dp-1") (gave up after `), err.message);
      return true;
    });
    assert.ok(seen.length >= 2, `retried (${seen.length} attempts)`);
    assert.equal(
      DP_NOT_FOUND_TEXT,
      'Dataplane entity not found. If you are running on Universal please create a Dataplane entity on kuma-cp before starting kuma-dp or pass it to kuma-dp run --dataplane-file=/file. If you are running on Kubernetes, please check the kuma-cp logs to determine why the Dataplane entity could not be created by the automatic sidecar injection.',
    );
  });

  it('5xx is retried; the last status is reported', async () => {
    await assert.rejects(fetch(kumaRequest(), { retryMaxDurationMs: 60 }, [{ status: 500, body: '' }]), {
      message: /^Failed to fetch Envoy bootstrap config\. unexpected status code: 500 \(gave up after \d+ attempt\(s\)\)$/,
    });
    assert.ok(seen.length >= 2);
  });

  it('400/422: "Invalid request: <body>", not retried', async () => {
    for (const status of [400, 422]) {
      await assert.rejects(fetch(kumaRequest(), {}, [{ status, body: 'mesh: mesh "demo" does not exist' }]), {
        code: 'ERR_DP_BOOTSTRAP_REJECTED',
        message: `Failed to fetch Envoy bootstrap config. Invalid request: mesh: mesh "demo" does not exist (HTTP ${status} from /bootstrap)`,
      });
      assert.equal(seen.length, 1);
    }
  });

  it('the API server\'s 404 ("404: Page Not Found"): Kuma\'s text, and no retry (deliberately better: Kuma retries)', async () => {
    await assert.rejects(fetch(kumaRequest(), {}, [{ status: 404, body: '404: Page Not Found' }]), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'ERR_DP_BOOTSTRAP_API_PORT');
      assert.ok(err.message.startsWith(`Failed to fetch Envoy bootstrap config. ${NO_BOOTSTRAP_ENDPOINT_TEXT} (HTTP 404 from https://localhost:${port}: 404: Page Not Found)`), err.message);
      return true;
    });
    assert.equal(seen.length, 1);
  });
});
