import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import { assertGolden } from '../../../../test/support/golden.js';
import { certText, opensslOk, withTempDir } from '../../../../test/support/openssl.js';
import { repoRoot } from '../../../../test/support/processes.js';
import { VERSION } from '../../../core/version.js';
import { TESTDATA, controlPlanePod, documents, find, generatedSecret, installCp, normalise } from './testing.js';

const CA_PEM = readFileSync(join(repoRoot, TESTDATA, 'ca.crt'), 'utf8');
const CA_BUNDLE = Buffer.from(CA_PEM).toString('base64');

/** The four Kubernetes (kumactl) commands of the seed page, verbatim but for the CA bundle. */
const SEED: Record<string, string[]> = {
  'general-tls': ['--tls-general-secret=general-tls-certs', `--tls-general-ca-bundle=${CA_BUNDLE}`],
  'api-server-tls': ['--tls-api-server-secret=api-server-tls'],
  'global-kds-server-tls': ['--mode=global', '--tls-kds-global-server-secret=general-tls-certs'],
  'zone-kds-client-tls': ['--mode=zone', '--zone=zone-1', '--kds-global-address=grpcs://global-kds.example.com:5685', '--tls-kds-zone-client-secret=kds-ca-certs'],
};

describe('kumactl install control-plane', () => {
  for (const [name, argv] of Object.entries(SEED)) {
    it(`renders the seed page's "${name}" command (golden)`, async () => {
      const r = await installCp(argv);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, '');
      await assertGolden(`${TESTDATA}/${name}.golden.yaml`, normalise(r.stdout));
    });
  }

  it('prints documents that all parse and have apiVersion, kind and metadata.name, in install order', async () => {
    for (const argv of Object.values(SEED)) {
      const r = await installCp(argv);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(r.stdout.startsWith('---\n'));
      assert.doesNotMatch(r.stdout, /: &a\d|\*a\d/, 'no YAML anchors or aliases');
      const docs = documents(r.stdout);
      for (const d of docs) {
        assert.equal(typeof d.apiVersion, 'string');
        assert.equal(typeof d.kind, 'string');
        assert.match(d.metadata.name, /^[a-z0-9][-a-z0-9.]*$/);
      }
      const kinds = docs.map((d) => d.kind);
      assert.equal(kinds[0], 'Namespace');
      assert.deepEqual(kinds.slice(-3), ['Deployment', 'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']);
    }
  });

  it('the Helm-values form (--values with controlPlane.tls.general.*) renders exactly what the flags render', async () => {
    await withTempDir(async (_dir, write) => {
      const file = await write('values.yaml', stringify({ controlPlane: { tls: { general: { secretName: 'general-tls-certs', caBundle: CA_BUNDLE } } } }));
      const byValues = await installCp(['--values', file]);
      const byFlags = await installCp(SEED['general-tls'] as string[]);
      assert.equal(byValues.code, 0, byValues.stderr);
      assert.equal(byValues.stdout, byFlags.stdout);
      // and the same through --set, for the other seed values
      const bySet = await installCp(['--set', 'controlPlane.mode=global,controlPlane.tls.kdsGlobalServer.secretName=general-tls-certs']);
      const globalFlags = await installCp(SEED['global-kds-server-tls'] as string[]);
      assert.equal(normalise(bySet.stdout), normalise(globalFlags.stdout));
      const apiBySet = await installCp(['-f', '-'], 'controlPlane:\n  tls:\n    apiServer:\n      secretName: api-server-tls\n');
      assert.equal(apiBySet.code, 0, apiBySet.stderr);
      assert.equal(normalise(apiBySet.stdout), normalise((await installCp(SEED['api-server-tls'] as string[])).stdout));
    });
  });

  it('generates <name>-tls-cert: a CA and a server certificate for the Service that openssl verifies', async () => {
    const r = await installCp(['--namespace=mesh-system', '--control-plane-service-name=cp']);
    assert.equal(r.code, 0, r.stderr);
    const docs = documents(r.stdout);
    const secret = find(docs, 'Secret', 'kuma-tls-cert');
    assert.equal(secret['type'], 'kubernetes.io/tls');
    assert.equal(secret.metadata.namespace, 'mesh-system');
    const gen = generatedSecret(docs);
    assert.ok(gen);
    const pem = (b64: string): string => Buffer.from(b64, 'base64').toString('utf8');
    await withTempDir(async (_dir, write) => {
      const ca = await write('ca.crt', pem(gen.caCrt));
      const crt = await write('tls.crt', pem(gen.tlsCrt));
      assert.match(opensslOk(['verify', '-CAfile', ca, crt]), /: OK/);
      const key = await write('tls.key', pem(gen.tlsKey));
      // the key belongs to the certificate
      assert.equal(opensslOk(['pkey', '-in', key, '-pubout']), opensslOk(['x509', '-in', crt, '-noout', '-pubkey']));
    });
    const leaf = certText(pem(gen.tlsCrt));
    assert.match(leaf, /Subject: CN ?= ?cp\n/);
    assert.match(leaf, /DNS:cp\.mesh-system, DNS:cp\.mesh-system\.svc/);
    assert.match(leaf, /TLS Web Server Authentication/);
    const caText = certText(pem(gen.caCrt));
    assert.match(caText, /Subject: CN ?= ?kuma-ca\n/);
    assert.match(caText, /CA:TRUE/);
    const years = (Date.parse(/Not After : (.*)/.exec(leaf)?.[1] ?? '') - Date.now()) / (365 * 24 * 3600e3);
    assert.ok(years > 9.9 && years < 10.1, `validity ${years} years`);
    // every webhook trusts the generated CA; the key appears only in the Secret
    const webhooks = [find(docs, 'MutatingWebhookConfiguration'), find(docs, 'ValidatingWebhookConfiguration')].flatMap((d) => d['webhooks'] as { clientConfig: { caBundle: string } }[]);
    assert.ok(webhooks.length >= 2);
    for (const w of webhooks) assert.equal(w.clientConfig.caBundle, gen.caCrt);
    assert.equal(r.stdout.split(gen.tlsKey).length, 2);
    // a new certificate every run (nothing is looked up in a cluster)
    const again = generatedSecret(documents((await installCp([])).stdout));
    assert.notEqual(again?.tlsKey, gen.tlsKey);
  });

  it("joins a CA bundle the shell split at base64's 76-column wraps (--tls-general-ca-bundle=$(cat ca.crt | base64))", async () => {
    const wrapped = CA_BUNDLE.match(/.{1,76}/g) as string[];
    assert.ok(wrapped.length > 2);
    const r = await installCp(['--tls-general-secret=general-tls-certs', `--tls-general-ca-bundle=${wrapped[0]}`, ...wrapped.slice(1)]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, (await installCp(SEED['general-tls'] as string[])).stdout);
    // a quoted, still wrapped bundle works too
    const quoted = await installCp(['--tls-general-secret=general-tls-certs', `--tls-general-ca-bundle=${wrapped.join('\n')}`]);
    assert.equal(quoted.stdout, r.stdout);
  });

  it('--version sets every image tag; component versions and registries override it', async () => {
    const r = await installCp(['--version', '2.9.1', '--dataplane-version=2.9.0', '--registry=gcr.io/octo', '--dataplane-registry=gcr.io/octo-dataplane', '--control-plane-repository=my-cp', '--image-pull-policy=Always']);
    assert.equal(r.code, 0, r.stderr);
    const { container, env } = controlPlanePod(documents(r.stdout));
    assert.equal(container['image'], 'gcr.io/octo/my-cp:2.9.1');
    assert.equal(container['imagePullPolicy'], 'Always');
    assert.equal(env.get('KUMA_RUNTIME_KUBERNETES_INJECTOR_SIDECAR_CONTAINER_IMAGE'), 'gcr.io/octo-dataplane/kuma-dp:2.9.0');
    assert.equal(env.get('KUMA_INJECTOR_INIT_CONTAINER_IMAGE'), 'gcr.io/octo/kuma-init:2.9.1');
    const defaults = controlPlanePod(documents((await installCp([])).stdout));
    assert.equal(defaults.container['image'], `docker.io/kumahq/kuma-cp:${VERSION}`);
  });

  it('--env-var adds and overrides control plane env vars; --set and --values files apply in order', async () => {
    await withTempDir(async (_dir, write) => {
      const f1 = await write('a.yaml', 'controlPlane:\n  envVars:\n    KUMA_A: from-file\n    KUMA_B: from-file\n');
      const r = await installCp(['--env-var', 'KUMA_DEFAULTS_SKIP_MESH_CREATION=true,KUMA_A=flag', '--env-var=KUMA_C=flag', '-f', f1, '--set', 'controlPlane.envVars.KUMA_B=set']);
      assert.equal(r.code, 0, r.stderr);
      const { env, container } = controlPlanePod(documents(r.stdout));
      assert.equal(env.get('KUMA_DEFAULTS_SKIP_MESH_CREATION'), 'true');
      assert.equal(env.get('KUMA_A'), 'from-file');
      assert.equal(env.get('KUMA_B'), 'set');
      assert.equal(env.get('KUMA_C'), 'flag');
      const names = container.env.filter((e) => e.value !== undefined).map((e) => e.name);
      assert.deepEqual(names, [...names].sort(), 'env is sorted by name');
    });
  });

  it('--dump-values prints the merged values tree with Helm names', async () => {
    const r = await installCp(['--dump-values', '--tls-api-server-secret=api-server-tls', '--set', 'controlPlane.tls.kdsZoneClient.skipVerify=true']);
    assert.equal(r.code, 0, r.stderr);
    const tree = documents(r.stdout)[0] as unknown as { controlPlane: { mode: string; tls: { apiServer: { secretName: string }; kdsZoneClient: { skipVerify: boolean } } } };
    assert.equal(tree.controlPlane.mode, 'zone');
    assert.equal(tree.controlPlane.tls.apiServer.secretName, 'api-server-tls');
    assert.equal(tree.controlPlane.tls.kdsZoneClient.skipVerify, true);
    assert.doesNotMatch(r.stdout, /PRIVATE KEY|LS0tLS1CRUdJTi/);
  });

  it('warns on stderr about a KDS secret the mode ignores, and still renders', async () => {
    const r = await installCp(['--mode=zone', '--tls-kds-global-server-secret=kds-server-tls']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^WARNING: controlPlane\.tls\.kdsGlobalServer\.secretName \(--tls-kds-global-server-secret\) is used only with controlPlane\.mode=global; it is ignored in mode zone\n$/);
    assert.ok(!controlPlanePod(documents(r.stdout)).secretVolumes.has('kds-server-tls-cert'));
  });

  it('--help says what is and is not rendered (golden)', async () => {
    const r = await installCp(['--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /does not render CRDs,\s+CNI, zone ingress\/egress, cert-manager/);
    await assertGolden(`${TESTDATA}/help.golden.txt`, r.stdout);
  });
});
