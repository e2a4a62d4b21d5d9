/**
 * Test fixtures: certificates minted by the real `openssl` binary into temp dirs, so the TLS layer is
 * checked against an independent implementation (not against our own pki/). Test support only.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export async function openssl(args: string[], cwd?: string): Promise<string> {
  const { stdout } = await run('openssl', args, cwd === undefined ? {} : { cwd });
  return stdout;
}

export async function tempDir(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'kuma-ts-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export interface CertFiles {
  certFile: string;
  keyFile: string;
}

export interface CertSpec {
  cn: string;
  /** e.g. ['DNS:localhost', 'IP:127.0.0.1']; none for a cert without SANs. */
  sans?: string[];
  /** Sign with this CA; self-signed otherwise. */
  ca?: CertFiles;
  isCa?: boolean;
  days?: number;
  clientAuth?: boolean;
}

/** Writes `<name>.key` (P-256, PKCS#8) and `<name>.crt` into `dir`. */
export async function makeCert(dir: string, name: string, spec: CertSpec): Promise<CertFiles> {
  const keyFile = join(dir, `${name}.key`);
  const certFile = join(dir, `${name}.crt`);
  await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', keyFile]);
  const ext = join(dir, `${name}.ext`);
  const lines = spec.isCa
    ? ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature']
    : [
        'basicConstraints=critical,CA:FALSE',
        'keyUsage=critical,digitalSignature,keyEncipherment',
        `extendedKeyUsage=${spec.clientAuth ? 'clientAuth' : 'serverAuth'}`,
      ];
  if (spec.sans !== undefined && spec.sans.length > 0) lines.push(`subjectAltName=${spec.sans.join(',')}`);
  await writeFile(ext, `${lines.join('\n')}\n`);
  const days = String(spec.days ?? 2);
  if (spec.ca === undefined) {
    await openssl(['x509', '-new', '-key', keyFile, '-out', certFile, '-subj', `/CN=${spec.cn}`, '-days', days, '-extfile', ext]);
  } else {
    const csr = join(dir, `${name}.csr`);
    await openssl(['req', '-new', '-key', keyFile, '-out', csr, '-subj', `/CN=${spec.cn}`]);
    // A random serial per certificate: -CAcreateserial shares ca.srl, which races when tests issue
    // certificates from one CA concurrently.
    const serial = `0x${randomBytes(16).toString('hex')}`;
    await openssl(['x509', '-req', '-in', csr, '-CA', spec.ca.certFile, '-CAkey', spec.ca.keyFile, '-set_serial', serial, '-out', certFile, '-days', days, '-extfile', ext]);
  }
  return { certFile, keyFile };
}
