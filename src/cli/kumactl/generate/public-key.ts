import { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { messageOf } from '../../../core/errors.js';
import { publicKeyPemOf } from '../../../tokens/index.js';
import type { CliIo } from '../../io.js';
import { configure, CliError, requireFlags } from '../../program.js';

/** Kuma's IsPrivateKeyPEMBytes: the first PEM block is an `RSA PRIVATE KEY`. */
function isRsaPrivateKeyPem(text: string): boolean {
  const m = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(text);
  return m?.[1] === 'RSA PRIVATE KEY';
}

/** `kumactl generate public-key --signing-key-path F`: the `RSA PUBLIC KEY` PEM of a signing key. */
export function publicKeyCommand(io: CliIo): Command {
  return configure(new Command('public-key'), io)
    .description('Generate a public key for validating tokens.')
    .option('--signing-key-path <path>', 'path to a file with PEM-encoded private signing key')
    .addHelpText(
      'after',
      `
Examples:
  # Extract a public key out of signing key used to issue tokens.
  kumactl generate signing-key --format=pem > /tmp/key.pem
  kumactl generate public-key --signing-key-path=/tmp/key.pem`,
    )
    .action(async (f: { signingKeyPath?: string }, command: Command) => {
      requireFlags(command, ['signing-key-path']);
      let bytes: Buffer;
      try {
        bytes = await readFile(f.signingKeyPath ?? '');
      } catch (err) {
        throw new CliError(`could not read a signing key file: ${messageOf(err)}`);
      }
      if (!isRsaPrivateKeyPem(bytes.toString('latin1'))) throw new CliError('provided file is not a PEM-encoded signing key');
      let pem: Uint8Array;
      try {
        pem = publicKeyPemOf(bytes, 'the signing key file');
      } catch (err) {
        throw new CliError(`could not extract public key: ${messageOf(err)}`);
      }
      io.out(Buffer.from(pem).toString('utf8'));
    });
}
