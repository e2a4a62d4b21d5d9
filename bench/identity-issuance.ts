/**
 * Identity issuance for 1,000 Dataplanes: each proxy's P-256 CSR (made beforehand, as kuma-dp does)
 * parsed, its self-signature verified, checked against the stored Dataplane's identity, and signed
 * by the mesh's builtin CA (RSA 2048, Kuma's default; CA read from the store on every call), one
 * after the other on one core. Target: under 2 s. References measured in the same run:
 * `openssl speed rsa2048` signatures/s (the bare cost of the CA signature, one core) and
 * `openssl x509 -req` run per certificate (what a script around the openssl CLI achieves).
 * A P-256 provided CA is measured for information.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { JsonObject, Resource } from '../src/core/resources/index.js';
import { MeshCaManagers } from '../src/managers/mesh-ca/index.js';
import { createCaCertificate, createCsr, generateKeyPair, parseCsr } from '../src/pki/index.js';
import { MemoryResourceStore } from '../src/store/memory/memory-store.js';
import { StrictResourceStore } from '../src/store/strict-store.js';
import { IdentityIssuer } from '../src/xds/identity/index.js';
import { printTable, runCommand, verdict } from './_util.js';

const DATAPLANES = 1000;
const TARGET_MS = 2000;
const OPENSSL_X509_RUNS = 50;

function resource(type: string, name: string, mesh: string, spec: JsonObject): Resource {
  const t = new Date();
  return { type, meta: { name, mesh, version: '1', labels: {}, creationTime: t, modificationTime: t }, spec };
}

interface Proxy {
  dataplane: Resource;
  csrPem: string;
}

function makeProxies(n: number): Proxy[] {
  const out: Proxy[] = [];
  for (let i = 0; i < n; i++) {
    const service = `svc-${i % 100}`;
    const dataplane = resource('Dataplane', `dp-${i}`, 'default', {
      networking: { address: `10.0.${i >> 8}.${i & 255}`, inbound: [{ port: 8080, tags: { 'kuma.io/service': service, version: `v${i % 3}`, zone: 'zone-1' } }] },
    });
    const keyPair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const uris = [`spiffe://default/${service}`, `kuma://kuma.io/service/${service}`, `kuma://version/v${i % 3}`, 'kuma://zone/zone-1'];
    out.push({ dataplane, csrPem: createCsr({ keyPair, uriSans: uris }).csrPem });
  }
  return out;
}

async function issueAll(mesh: Resource, ca: MeshCaManagers, proxies: readonly Proxy[]): Promise<number> {
  const issuer = new IdentityIssuer({ ca });
  await issuer.issue({ mesh, dataplane: (proxies[0] as Proxy).dataplane, csr: (proxies[0] as Proxy).csrPem }); // warm-up: loads and parses the CA once
  const start = performance.now();
  for (const p of proxies) await issuer.issue({ mesh, dataplane: p.dataplane, csr: p.csrPem });
  return performance.now() - start;
}

function opensslRsaSignRate(): number {
  const out = runCommand('openssl', ['speed', '-seconds', '2', 'rsa2048']);
  const m = /rsa\s+2048 bits\s+[\d.]+s\s+[\d.]+s\s+([\d.]+)\s+([\d.]+)/.exec(out);
  if (!m) throw new Error(`could not find the rsa 2048 line in the output of openssl speed:\n${out}`);
  return Number(m[1]);
}

async function opensslX509Rate(caCertPem: string, caKeyPem: string, proxies: readonly Proxy[]): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'kuma-ts-'));
  try {
    await writeFile(join(dir, 'ca.pem'), caCertPem);
    await writeFile(join(dir, 'ca.key'), caKeyPem, { mode: 0o600 });
    await writeFile(join(dir, 'ext.cnf'), '[v3]\nbasicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature, keyEncipherment, keyAgreement\nextendedKeyUsage = serverAuth, clientAuth\n');
    for (let i = 0; i < OPENSSL_X509_RUNS; i++) await writeFile(join(dir, `${i}.csr`), (proxies[i] as Proxy).csrPem);
    const start = performance.now();
    for (let i = 0; i < OPENSSL_X509_RUNS; i++) {
      runCommand('openssl', ['x509', '-req', '-in', join(dir, `${i}.csr`), '-CA', join(dir, 'ca.pem'), '-CAkey', join(dir, 'ca.key'), '-set_serial', String(i + 1), '-days', '1', '-copy_extensions', 'copyall', '-extfile', join(dir, 'ext.cnf'), '-extensions', 'v3', '-out', join(dir, `${i}.pem`)]);
    }
    return (OPENSSL_X509_RUNS / (performance.now() - start)) * 1000;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  process.stdout.write(`identity-issuance: ${DATAPLANES} Dataplanes, CSR verification + identity checks + signing, one core\n\n`);
  process.stdout.write(`making ${DATAPLANES} proxy keys and CSRs (the proxies' work, not timed) ...\n`);
  const proxies = makeProxies(DATAPLANES);

  const store = new StrictResourceStore(new MemoryResourceStore());
  const builtinMesh = resource('Mesh', 'default', '', { mtls: { enabledBackend: 'ca-1', backends: [{ name: 'ca-1', type: 'builtin' }] } });
  await store.create({ type: 'Mesh', meta: { name: 'default', mesh: '' }, spec: builtinMesh.spec });
  const ca = new MeshCaManagers({ store });
  await ca.ensureMeshCas(builtinMesh);

  process.stdout.write('issuing with the builtin RSA 2048 CA ...\n');
  const builtinMs = await issueAll(builtinMesh, ca, proxies);

  const ecKeys = await generateKeyPair('ecdsa');
  const ecCa = createCaCertificate({ subject: { organization: 'Kuma', organizationalUnit: 'Mesh', commonName: 'default' }, keyPair: ecKeys, uriSans: ['spiffe://default'] });
  const ecMesh = resource('Mesh', 'default', '', {
    mtls: { enabledBackend: 'ec', backends: [{ name: 'ec', type: 'provided', conf: { cert: { inlineString: ecCa.certPem }, key: { inlineString: ecCa.keyPem } } }] },
  });
  process.stdout.write('issuing with a provided P-256 CA (info) ...\n');
  const ecMs = await issueAll(ecMesh, ca, proxies);

  process.stdout.write('measuring CSR parsing + signature check alone (info) ...\n');
  const t0 = performance.now();
  for (const p of proxies) parseCsr(p.csrPem);
  const parseMs = performance.now() - t0;

  process.stdout.write('measuring openssl speed -seconds 2 rsa2048 ...\n');
  const rsaSign = opensslRsaSignRate();
  process.stdout.write(`measuring openssl x509 -req, one process per certificate (${OPENSSL_X509_RUNS} runs) ...\n\n`);
  const signer = await ca.getSigner(builtinMesh, 'ca-1');
  const caKeyPem = signer.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;
  const x509Rate = await opensslX509Rate(signer.certificate.toString(), caKeyPem, proxies);

  const rate = (ms: number): number => (DATAPLANES / ms) * 1000;
  printTable([
    ['figure', 'total ms', 'per second', 'vs openssl speed rsa2048'],
    ['kuma-ts issue(), builtin RSA 2048 CA', builtinMs, rate(builtinMs), (rate(builtinMs) / rsaSign).toFixed(2)],
    ['kuma-ts issue(), provided P-256 CA (info)', ecMs, rate(ecMs), '-'],
    ['parseCsr + signature check alone (info)', parseMs, rate(parseMs), '-'],
    ['openssl speed rsa2048 sign (reference)', (DATAPLANES / rsaSign) * 1000, rsaSign, '1.00'],
    ['openssl x509 -req per certificate (reference)', (DATAPLANES / x509Rate) * 1000, x509Rate, (x509Rate / rsaSign).toFixed(2)],
  ]);
  process.stdout.write('\n');
  verdict(builtinMs < TARGET_MS, `${DATAPLANES} identity certificates in ${Math.round(builtinMs)} ms with the builtin RSA 2048 CA (target < ${TARGET_MS} ms); ${(rate(builtinMs) / x509Rate).toFixed(0)}x openssl x509 -req per process`);
}

await main();
