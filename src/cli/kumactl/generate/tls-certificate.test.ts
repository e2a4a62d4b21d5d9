import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { copyFile, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { connect, createServer } from 'node:tls';
import { describe, it } from 'node:test';
import { assertGolden } from '../../../../test/support/golden.js';
import { opensslOk, withTempDir } from '../../../../test/support/openssl.js';
import { bufferIo } from '../../io.js';
import { main } from '../main.js';

async function kumactl(...argv: string[]) {
  const io = bufferIo();
  const code = await main(argv, io);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

describe('kumactl generate tls-certificate', () => {
  it("runs the seed page's command verbatim; cp tls.crt ca.crt gives a CA openssl and Node accept", async () => {
    await withTempDir(async (dir) => {
      const cert = join(dir, 'tls.crt');
      const key = join(dir, 'tls.key');
      const r = await kumactl('generate', 'tls-certificate', '--type=server', '--hostname=localhost', `--cert-file=${cert}`, `--key-file=${key}`);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `Private key saved in ${key}\nCertificate saved in ${cert}\n`);
      assert.equal((await stat(key)).mode & 0o777, 0o400);
      assert.equal((await stat(cert)).mode & 0o777, 0o600);
      const ca = join(dir, 'ca.crt');
      await copyFile(cert, ca);
      assert.match(opensslOk(['verify', '-CAfile', ca, cert]), /OK/);

      const server = createServer({ cert: await readFile(cert), key: await readFile(key), minVersion: 'TLSv1.2' }, (s) => s.end('hello'));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const got = await new Promise<string>((resolve, reject) => {
          const s = connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, servername: 'localhost', ca: [readFileSync(ca, 'utf8')] }, () => {
            let data = '';
            s.on('data', (d: Buffer) => (data += d.toString()));
            s.on('end', () => resolve(data));
          });
          s.on('error', reject);
        });
        assert.equal(got, 'hello');
      } finally {
        server.close();
      }
    });
  });

  it('takes repeated and comma-separated --hostname; IPs become IP SANs; ecdsa keys', async () => {
    await withTempDir(async (dir) => {
      const cert = join(dir, 'c.pem');
      const key = join(dir, 'k.pem');
      const r = await kumactl('generate', 'tls-certificate', '--type', 'client', '--hostname', 'a.example,10.1.2.3', '--hostname=::1', '--key-type=ecdsa', '--cert-file', cert, '--key-file', key);
      assert.equal(r.code, 0, r.stderr);
      const x = new X509Certificate(await readFile(cert));
      assert.match(x.subjectAltName ?? '', /DNS:a\.example/);
      assert.match(x.subjectAltName ?? '', /IP Address:10\.1\.2\.3/);
      assert.match(x.subjectAltName ?? '', /IP Address:(0:0:0:0:0:0:0:1|::1)/);
      assert.match(await readFile(key, 'utf8'), /BEGIN EC PRIVATE KEY/);
      assert.match(opensslOk(['x509', '-in', cert, '-noout', '-ext', 'extendedKeyUsage']), /TLS Web Client Authentication/);
    });
  });

  it("prints key then certificate for '-' and no 'saved' lines", async () => {
    const r = await kumactl('generate', 'tls-certificate', '--type=server', '--hostname=x', '--key-file=-', '--cert-file=-');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^-{5}BEGIN RSA PRIVATE KEY-{5}[\s\S]+-{5}END RSA PRIVATE KEY-{5}\n-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----\n$/);
  });

  const errors: [string[], string][] = [
    [['--type=server'], 'Error: required flag(s) "hostname" not set\n'],
    [[], 'Error: required flag(s) "hostname", "type" not set\n'],
    [['--type=foo', '--hostname=a'], 'Error: invalid certificate type "foo"\n'],
    [['--type=client', '--hostname=a', '--key-type=phoney'], 'Error: invalid key type "phoney"\n'],
    [['--type=client', '--hostname='], 'Error: at least one hostname must be given\n'],
    [['--type=client', '--hostname=,,'], 'Error: at least one hostname must be given\n'],
    [['--typ=client'], 'Error: unknown flag: --typ\n'],
    [['--type=server', '--hostname=a', 'extra'], ''],
  ];
  for (const [args, want] of errors) {
    it(`rejects ${JSON.stringify(args)}`, async () => {
      const r = await kumactl('generate', 'tls-certificate', ...args);
      assert.equal(r.code, 1);
      if (want !== '') assert.equal(r.stderr, want);
      assert.equal(r.stdout, '');
    });
  }

  it('prints its help (golden)', async () => {
    const r = await kumactl('generate', 'tls-certificate', '--help');
    assert.equal(r.code, 0);
    await assertGolden('src/cli/kumactl/generate/testdata/tls-certificate-help.golden.txt', r.stdout);
  });

  it('names the bad host', async () => {
    const r = await kumactl('generate', 'tls-certificate', '--type=server', '--hostname=bad host', '--key-file=-', '--cert-file=-');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^Error: could not generate certificate: invalid host name "bad host"/);
  });

  it('reports an unwritable path without a stack trace', async () => {
    const r = await kumactl('generate', 'tls-certificate', '--type=server', '--hostname=a', '--key-file=/proc/nope/k.pem', '--cert-file=-');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^Error: could not write the key file: could not write \/proc\/nope\/k\.pem/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });
});
