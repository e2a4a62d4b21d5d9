/**
 * Identity-certificate issuance rate on one core: a P-256 CA signing P-256 leaves (URI SANs,
 * serverAuth+clientAuth, CA=false, empty subject), keys pre-generated, full encode + sign + PEM.
 * Reference: `openssl speed -seconds 3 ecdsap256` sign/s (one process = one core), measured in the
 * same run. Target: ours >= 25% of it. @peculiar/x509 is measured for information.
 */
import 'reflect-metadata';
import { generateKeyPairSync, sign, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { createCaCertificate, generateKeyPair, issueLeafCertificate } from '../src/pki/index.js';
import { measureRate, measureRateAsync, printTable, runCommand, verdict } from './_util.js';

const TARGET_RATIO = 0.25;
const LEAF_KEYS = 256;
const URIS = ['spiffe://default/web', 'kuma://kuma.io/service/web', 'kuma://version/v1'];

function opensslSignRate(): number {
  const out = runCommand('openssl', ['speed', '-seconds', '3', 'ecdsap256']);
  const m = /256 bits ecdsa \(nistp256\)\s+[\d.]+s\s+[\d.]+s\s+([\d.]+)\s+([\d.]+)/.exec(out);
  if (!m) throw new Error(`could not find the nistp256 line in the output of openssl speed:\n${out}`);
  return Number(m[1]);
}

async function peculiarRate(durationMs: number): Promise<number> {
  x509.cryptoProvider.set(webcrypto as never);
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const caKeys = (await webcrypto.subtle.generateKey(alg, false, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const leafKeys: webcrypto.CryptoKey[] = [];
  for (let i = 0; i < 32; i++) leafKeys.push(((await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair).publicKey);
  const notBefore = new Date(Date.now() - 10_000);
  const notAfter = new Date(Date.now() + 86_400_000);
  return measureRateAsync(
    async (i) => {
      const cert = await x509.X509CertificateGenerator.create({
        issuer: 'O=Kuma, OU=Mesh, CN=default',
        notBefore,
        notAfter,
        signingAlgorithm: alg,
        publicKey: leafKeys[i % leafKeys.length] as webcrypto.CryptoKey,
        signingKey: caKeys.privateKey,
        extensions: [
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment | x509.KeyUsageFlags.keyAgreement, true),
          new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.SubjectAlternativeNameExtension(URIS.map((value) => ({ type: 'url' as const, value })), true),
        ],
      });
      return cert.toString('pem');
    },
    { durationMs },
  );
}

async function main(): Promise<void> {
  process.stdout.write('leaf-issuance: P-256 CA signing P-256 identity certificates, one core\n\n');
  process.stdout.write('measuring openssl speed -seconds 3 ecdsap256 ...\n');
  const openssl = opensslSignRate();

  const caKeys = await generateKeyPair('ecdsa');
  const ca = createCaCertificate({ subject: { organization: 'Kuma', organizationalUnit: 'Mesh', commonName: 'default' }, keyPair: caKeys, uriSans: ['spiffe://default'] });
  const authority = { certificate: ca.certificate, privateKey: caKeys.privateKey };
  const leafKeys = Array.from({ length: LEAF_KEYS }, () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey);
  const notBefore = new Date(Date.now() - 10_000);
  const notAfter = new Date(Date.now() + 86_400_000);

  // Sanity: what we time is a certificate that verifies against the CA.
  const sample = issueLeafCertificate({ ca: authority, publicKey: leafKeys[0] as (typeof leafKeys)[number], uriSans: URIS, ekus: ['serverAuth', 'clientAuth'], notBefore, notAfter });
  if (!sample.certificate.verify(ca.certificate.publicKey)) throw new Error('issued certificate does not verify against the CA');

  process.stdout.write('measuring issueLeafCertificate (3 s) ...\n');
  const ours = measureRate(
    (i) =>
      issueLeafCertificate({ ca: authority, publicKey: leafKeys[i % LEAF_KEYS] as (typeof leafKeys)[number], uriSans: URIS, ekus: ['serverAuth', 'clientAuth'], notBefore, notAfter }).certPem,
    { durationMs: 3000, warmupMs: 500 },
  );
  const tbsSized = Buffer.alloc(420, 7);
  process.stdout.write('measuring crypto.sign alone (1 s) ...\n');
  const nodeSign = measureRate(() => sign('sha256', tbsSized, caKeys.privateKey), { durationMs: 1000 });
  process.stdout.write('measuring @peculiar/x509 (2 s) ...\n\n');
  const peculiar = await peculiarRate(2000);

  const ratio = ours / openssl;
  printTable([
    ['figure', 'per second', 'reference', 'ratio'],
    ['openssl speed ecdsap256 sign (reference)', openssl, '-', '1.00'],
    ['issueLeafCertificate (kuma-ts)', ours, 'openssl sign/s', ratio.toFixed(2)],
    ['crypto.sign P-256 alone (info)', nodeSign, 'openssl sign/s', (nodeSign / openssl).toFixed(2)],
    ['@peculiar/x509 create+PEM (info)', peculiar, 'openssl sign/s', (peculiar / openssl).toFixed(2)],
  ]);
  process.stdout.write('\n');
  verdict(ratio >= TARGET_RATIO, `issueLeafCertificate ${Math.round(ours)}/s is ${(ratio * 100).toFixed(1)}% of openssl's ${Math.round(openssl)} sign/s (target >= ${TARGET_RATIO * 100}%)`);
}

await main();
