import { Command } from 'commander';
import { messageOf } from '../../../core/errors.js';
import { newSigningKeyPem } from '../../../tokens/index.js';
import type { CliIo } from '../../io.js';
import { configure, CliError } from '../../program.js';

/** `kumactl generate signing-key [--format pem|pem-base64]`: a new RSA-2048 key, PKCS#1 PEM. */
export function signingKeyCommand(io: CliIo): Command {
  return configure(new Command('signing-key'), io)
    .description('Generate a private key for signing tokens.')
    .option('--format <format>', 'format of signing key. Available values :pem-base64, pem', 'pem-base64')
    .addHelpText(
      'after',
      `
Examples:
  # Generate a new signing key to rotate tokens (for example user-token) on Universal.
  echo "
  type: GlobalSecret
  name: user-token-signing-key-2
  data: {{ key }}
  " | kumactl apply --var key=$(kumactl generate signing-key --format=pem-base64) -f -`,
    )
    .action(async (f: { format: string }) => {
      if (f.format !== 'pem' && f.format !== 'pem-base64') throw new CliError('invalid format');
      let key: Uint8Array;
      try {
        key = await newSigningKeyPem();
      } catch (err) {
        throw new CliError(`could not generate signing key: ${messageOf(err)}`);
      }
      io.out(f.format === 'pem' ? Buffer.from(key).toString('utf8') : Buffer.from(key).toString('base64'));
    });
}
