import { Command } from 'commander';
import { configure, collectList, requireFlags } from '../../program.js';
import { durationFlag } from '../flags.js';
import type { KumactlContext } from '../kumactl-context.js';
import { issueUserTokenOffline } from './offline-issuer.js';
import { generateToken } from './token-client.js';
import { checkValidFor } from './valid-for.js';

interface Flags {
  name?: string;
  group?: string[];
  validFor?: number;
  signingKeyPath: string;
  kid: string;
}

/** `kumactl generate user-token`: online (POST /tokens/user) or offline with a signing key file. */
export function userTokenCommand(ctx: KumactlContext): Command {
  return configure(new Command('user-token'), ctx.io)
    .description('Generate User Token that is used to prove User identity.')
    .option('--name <name>', 'name of the user')
    .option('--group <group>', 'group of the user (repeatable, comma separated)', collectList)
    .option('--valid-for <duration>', 'how long the token will be valid (for example "24h")', durationFlag('--valid-for'))
    .option('--signing-key-path <path>', "path to a file that contains private signing key. When specified, control plane won't be used to issue the token.", '')
    .option('--kid <kid>', 'ID of the key that is used to issue a token. Required when --signing-key-path is used.', '')
    .addHelpText(
      'after',
      `
Examples:
  # Generate token using a control plane
  kumactl generate user-token --name john.doe@example.com --group users --valid-for 24h

  # Generate token using offline signing key
  kumactl generate user-token --name john.doe@example.com --group users --valid-for 24h --signing-key-path /keys/key.pem --kid 1`,
    )
    .action(async (f: Flags, command: Command) => {
      requireFlags(command, ['name', 'valid-for']);
      const user = { name: f.name ?? '', groups: f.group ?? [] };
      const validForMs = checkValidFor(f.validFor);
      const token = await generateToken(ctx, {
        entity: 'user',
        signingKeyPath: f.signingKeyPath,
        kid: f.kid,
        validForMs,
        offline: (keyPath, kid) => issueUserTokenOffline(keyPath, kid, user, validForMs),
        body: { name: user.name, groups: user.groups },
      });
      ctx.io.out(token);
    });
}
