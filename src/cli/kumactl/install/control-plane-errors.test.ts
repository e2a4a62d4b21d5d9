import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { withTempDir } from '../../../../test/support/openssl.js';
import { repoRoot } from '../../../../test/support/processes.js';
import { TESTDATA, installCp } from './testing.js';

const CA_PEM = readFileSync(join(repoRoot, TESTDATA, 'ca.crt'), 'utf8');
const b64 = (s: string): string => Buffer.from(s).toString('base64');
const bundle = (value: string): string[] => ['--tls-general-secret=general-tls-certs', `--tls-general-ca-bundle=${value}`];
const BUNDLE_PREFIX = 'controlPlane.tls.general.caBundle must be the base64 encoding of the PEM CA certificate(s) that signed the certificate in Secret "general-tls-certs": ';

/** Exit 1, `Error: <message>` on stderr, nothing on stdout. */
async function fails(argv: string[], message: string | RegExp): Promise<void> {
  const r = await installCp(argv);
  assert.equal(r.code, 1, `expected a failure for ${argv.join(' ')}`);
  assert.equal(r.stdout, '', 'nothing on stdout');
  if (typeof message === 'string') assert.equal(r.stderr, `Error: ${message}\n`);
  else assert.match(r.stderr, message);
}

describe('kumactl install control-plane: refused input (Kuma texts)', () => {
  it('mode', () => fails(['--mode=universal'], "controlPlane.mode invalid got:'universal' supported values: global,zone,standalone"));

  it('zone name rules', async () => {
    await fails([`--zone=${'a'.repeat(254)}`], 'controlPlane.zone must be no more than 253 characters');
    for (const bad of ['Zone-1', 'zone_1', '-zone', 'zone-', 'zone..1']) {
      await fails([`--zone=${bad}`], "controlPlane.zone must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character");
    }
  });

  it('kdsGlobalAddress scheme and form', async () => {
    await fails(['--kds-global-address=https://global:5685'], "controlPlane.kdsGlobalAddress must be a url with scheme grpcs:// or grpc:// got:'https://global:5685'");
    await fails(['--kds-global-address=global:5685'], "controlPlane.kdsGlobalAddress must be a url with scheme grpcs:// or grpc:// got:'global:5685'");
    await fails(['--kds-global-address=grpcs://'], /^Error: controlPlane\.kdsGlobalAddress 'grpcs:\/\/' has no host; write it as grpcs:\/\/<global-kds-address>:5685\n$/);
    await fails(['--kds-global-address=grpcs://bad host:5685'], /^Error: unable to parse url: /);
  });

  it('zone and kdsGlobalAddress only in mode zone', async () => {
    await fails(['--mode=global', '--zone=zone-1'], "Can't specify a controlPlane.zone when controlPlane.mode!='zone'");
    await fails(['--mode=standalone', '--kds-global-address=grpcs://global:5685'], "Can't specify a controlPlane.kdsGlobalAddress when controlPlane.mode!='zone'");
  });

  it('caBundle and secretName: both or neither', async () => {
    const msg = 'You need to send both or neither of controlPlane.tls.general.caBundle and controlPlane.tls.general.secretName';
    await fails(['--tls-general-secret=general-tls-certs'], msg);
    await fails([`--tls-general-ca-bundle=${b64(CA_PEM)}`], msg);
    await fails(['--set', 'controlPlane.tls.general.secretName=general-tls-certs'], msg);
  });

  it('a caBundle that is not base64 of PEM certificates, saying what to fix', async () => {
    const how = /pass the CA file base64-encoded on one line, e\.g\. --tls-general-ca-bundle="\$\(base64 < \/tmp\/ca\.crt \| tr -d '\\n'\)"/;
    // [bundle, problem, whether the message shows how to encode the file]
    const cases: [string, RegExp, boolean][] = [
      ['XYZ', /it is not valid base64 \(wrong length or padding/, true],
      ['not*base64', /it is not base64 \(character "\*" at position 4\)/, true],
      [CA_PEM.replace(/\n/g, ''), /it is PEM text, not base64 of it/, true],
      [b64(b64(CA_PEM)), /it is base64-encoded twice/, true],
      [b64('hello world!'), /it does not decode to PEM text/, true],
      [b64('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n'), /it contains a private key; the CA bundle must hold only the CA certificate\(s\) \(ca\.crt\), never tls\.key/, false],
      [b64('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n'), /it holds no "CERTIFICATE" PEM block \(found PUBLIC KEY\)/, false],
      [b64('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'), /not a valid X\.509 certificate/, false],
    ];
    for (const [value, problem, showsHow] of cases) {
      const r = await installCp(bundle(value));
      assert.equal(r.code, 1, value);
      assert.equal(r.stdout, '');
      assert.ok(r.stderr.startsWith(`Error: ${BUNDLE_PREFIX}`), r.stderr);
      assert.match(r.stderr, problem);
      if (showsHow) assert.match(r.stderr, how);
      assert.doesNotMatch(r.stderr, /AAAA/, 'never echoes the bundle');
    }
  });

  it('malformed --set; unknown --set paths are fine', async () => {
    await fails(['--set', 'controlPlane.mode'], /^Error: failed parsing --set data: key "mode" has no value \(in "controlPlane\.mode"; write key=value/);
    await fails(['--set', 'a=1,b'], /^Error: failed parsing --set data: key "b" has no value/);
    await fails(['--set', '=1'], /^Error: failed parsing --set data: key is empty before "="/);
    await fails(['--set', 'a[x]=1'], /^Error: failed parsing --set data: key "a" has a malformed list index/);
    await fails(['--set', '__proto__.polluted=1'], /^Error: failed parsing --set data: key "__proto__" is not allowed/);
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    const ok = await installCp(['--set', 'no.such.value=1,another={a,b}']);
    assert.equal(ok.code, 0, ok.stderr);
  });

  it('values files: unreadable, not YAML, not a mapping', async () => {
    await withTempDir(async (dir, write) => {
      await fails(['-f', join(dir, 'missing.yaml')], /^Error: could not read values file .*missing\.yaml: ENOENT/);
      const bad = await write('bad.yaml', 'controlPlane: [\n');
      await fails(['-f', bad], /^Error: failed to parse .*bad\.yaml: /);
      const list = await write('list.yaml', '- a\n- b\n');
      await fails(['-f', list], /^Error: failed to parse .*list\.yaml: a values file must be a YAML mapping of Helm values/);
      const proto = await write('proto.yaml', '__proto__:\n  polluted: 1\n');
      await fails(['-f', proto], /^Error: values key "__proto__" is not allowed; remove it\n$/);
    });
  });

  it('names Kubernetes would reject', async () => {
    await fails(['--namespace=Kuma_System'], /^Error: namespace "Kuma_System" is not a valid Kubernetes namespace/);
    await fails(['--tls-api-server-secret=API_TLS'], /^Error: controlPlane\.tls\.apiServer\.secretName "API_TLS" is not a valid Secret name/);
    await fails(['--control-plane-service-name=1cp'], /^Error: controlPlane\.service\.name "1cp" is not a valid Service name/);
  });

  it('values asking for what kuma-ts does not render are refused', async () => {
    await fails(['--set', 'cni.enabled=true'], "cni.enabled=true needs the Kuma CNI DaemonSet, which kuma-ts does not render; leave it false, or install with Kuma's Helm chart");
    await fails(['--set', 'ingress.enabled=true'], /ingress\.enabled=true needs the ZoneIngress Deployment/);
    await fails(['--set', 'controlPlane.environment=universal'], /controlPlane\.environment=universal is not rendered by kuma-ts/);
    await fails(['--set', 'namespaceAllowList={a}'], /namespaceAllowList needs per-namespace RoleBindings/);
    await fails(['--set', 'controlPlane.tls.general.certManager.enabled=true'], /certManager\.enabled=true needs cert-manager/);
    await fails([...bundle(b64(CA_PEM)), '--set', 'controlPlane.tls.general.certManager.enabled=true'], 'When controlPlane.tls.general.certManager.enabled is true, secretName and caBundle must be empty');
  });

  it('KDS secrets created from values need their content (Helm required texts)', async () => {
    await fails(['--mode=global', '--set', 'controlPlane.tls.kdsGlobalServer.create=true'], 'you must provide a kds tls cert');
    await fails(['--mode=global', '--set', 'controlPlane.tls.kdsGlobalServer.create=true,controlPlane.tls.kdsGlobalServer.cert=C'], 'you must provide a kds tls key');
    await fails(['--set', 'controlPlane.tls.kdsZoneClient.create=true'], 'you must provide a kds cert');
  });

  it('flag errors: stray arguments, bad --env-var', async () => {
    await fails(['extra'], /^Error: unexpected arguments: extra/);
    await fails(['--env-var', 'NOVALUE'], 'invalid argument "NOVALUE" for "--env-var" flag: NOVALUE must be formatted as key=value');
  });
});
