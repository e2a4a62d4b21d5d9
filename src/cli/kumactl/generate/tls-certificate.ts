import { Command } from 'commander';
import { messageOf } from '../../../core/errors.js';
import {
  createSelfSignedCertificate,
  generateKeyPair,
  parseCertType,
  parseKeyType,
  writeCertificateFile,
  writePrivateKeyFile,
  type KeyType,
} from '../../../pki/index.js';
import type { CliIo } from '../../io.js';
import { CliError, collectList, configure, requireFlags } from '../../program.js';

interface Flags {
  type?: string;
  hostname?: string[];
  keyType: string;
  keyFile: string;
  certFile: string;
}

/**
 * `kumactl generate tls-certificate`: a self-signed server or client certificate (also its own CA),
 * as Kuma's. Files are written atomically: the key 0400, then the certificate 0600.
 */
export function tlsCertificateCommand(io: CliIo): Command {
  const cmd = configure(new Command('tls-certificate'), io)
    .usage('--type=server|client --hostname=HOST1[,HOST2...]')
    .description('Generate self signed key and certificate pair that can be used for example in Dataplane Token Server setup.')
    .option('--type <type>', 'type of the certificate: one of client|server')
    .option('--hostname <hosts>', 'DNS hostname(s) to issue the certificate for (repeatable, comma separated; IPs become IP SANs)', collectList)
    .option('--key-type <type>', 'type of the private key: one of rsa|ecdsa', '')
    .option('--key-file <path>', "path to a file with a generated private key ('-' for stdout)", 'key.pem')
    .option('--cert-file <path>', "path to a file with a generated TLS certificate ('-' for stdout)", 'cert.pem')
    .addHelpText(
      'after',
      `
Examples:
  # Generate a TLS certificate for use by an HTTPS server
  kumactl generate tls-certificate --type=server --hostname=localhost

  # Generate a TLS certificate for use by a client of an HTTPS server
  kumactl generate tls-certificate --type=client --hostname=dataplane-1`,
    )
    .action(async (flags: Flags, command: Command) => {
      requireFlags(command, ['hostname', 'type']);
      const certType = (() => {
        try {
          return parseCertType(flags.type ?? '');
        } catch {
          throw new CliError(`invalid certificate type "${flags.type ?? ''}"`);
        }
      })();
      const hosts = flags.hostname ?? [];
      if (hosts.length === 0) throw new CliError('at least one hostname must be given');
      let keyType: KeyType = 'rsa';
      if (flags.keyType !== '') {
        try {
          keyType = parseKeyType(flags.keyType);
        } catch {
          throw new CliError(`invalid key type "${flags.keyType}"`);
        }
      }

      let pair;
      try {
        pair = createSelfSignedCertificate({ type: certType, keyPair: await generateKeyPair(keyType), hosts });
      } catch (err) {
        throw new CliError(`could not generate certificate: ${messageOf(err)}`);
      }
      await output(io, flags.keyFile, pair.keyPem, (p, pem) => writePrivateKeyFile(p, pem, 0o400), 'could not write the key file');
      await output(io, flags.certFile, pair.certPem, (p, pem) => writeCertificateFile(p, pem, 0o600), 'could not write the cert file');
      if (flags.keyFile !== '-' && flags.certFile !== '-') {
        io.out(`Private key saved in ${flags.keyFile}\nCertificate saved in ${flags.certFile}\n`);
      }
    });
  return cmd;
}

async function output(io: CliIo, path: string, pem: string, write: (p: string, pem: string) => Promise<void>, what: string): Promise<void> {
  if (path === '-') {
    io.out(pem);
    return;
  }
  try {
    await write(path, pem);
  } catch (err) {
    throw new CliError(`${what}: ${messageOf(err)}`);
  }
}
