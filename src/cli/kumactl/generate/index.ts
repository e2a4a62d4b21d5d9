import { Command } from 'commander';
import type { CliIo } from '../../io.js';
import { configure } from '../../program.js';
import type { KumactlContext } from '../kumactl-context.js';
import { dataplaneTokenCommand } from './dataplane-token.js';
import { publicKeyCommand } from './public-key.js';
import { signingKeyCommand } from './signing-key.js';
import { tlsCertificateCommand } from './tls-certificate.js';
import { userTokenCommand } from './user-token.js';
import { zoneTokenCommand } from './zone-token.js';

/** `kumactl generate ...`: certificates, signing keys and tokens (user, dataplane, zone). */
export function generateCommand(io: CliIo, ctx: KumactlContext): Command {
  return configure(new Command('generate'), io)
    .description('Generate resources, tokens, etc')
    .addCommand(dataplaneTokenCommand(ctx))
    .addCommand(publicKeyCommand(io))
    .addCommand(signingKeyCommand(io))
    .addCommand(tlsCertificateCommand(io))
    .addCommand(userTokenCommand(ctx))
    .addCommand(zoneTokenCommand(ctx));
}
