import { Command } from 'commander';
import { configure, CliError, requireFlags } from '../../program.js';
import { durationFlag, stringToStringFlag } from '../flags.js';
import type { KumactlContext } from '../kumactl-context.js';
import { issueDataplaneTokenOffline } from './offline-issuer.js';
import { generateToken } from './token-client.js';
import { checkValidFor } from './valid-for.js';

interface Flags {
  name: string;
  mesh: string;
  proxyType: string;
  tag?: Record<string, string>;
  workload: string;
  validFor?: number;
  signingKeyPath: string;
  kid: string;
}

/** `kumactl generate dataplane-token` (Kuma 2.x HEAD flags): online via POST /tokens/dataplane, or offline. */
export function dataplaneTokenCommand(ctx: KumactlContext): Command {
  return configure(new Command('dataplane-token'), ctx.io)
    .description('Generate Dataplane Token that is used to prove Dataplane identity.')
    .option('--name <name>', 'name of the Dataplane', '')
    .option('-m, --mesh <mesh>', 'mesh to use', 'default')
    .option('--proxy-type <type>', 'type of the Dataplane ("dataplane")', '')
    .option('--tag <key=values>', 'required tag values for dataplane (split values by comma to provide multiple values)', stringToStringFlag('--tag'))
    .option('--workload <workload>', 'required workload label value for dataplane', '')
    .option('--valid-for <duration>', 'how long the token will be valid (for example "24h")', durationFlag('--valid-for'))
    .option('--signing-key-path <path>', "path to a file that contains private signing key. When specified, control plane won't be used to issue the token.", '')
    .option('--kid <kid>', 'ID of the key that is used to issue a token. Required when --signing-key-path is used.', '')
    .addHelpText(
      'after',
      `
Examples:
  # Generate token bound by name and mesh
  kumactl generate dataplane-token --mesh demo --name demo-01 --valid-for 24h

  # Generate token bound by mesh
  kumactl generate dataplane-token --mesh demo --valid-for 24h

  # Generate token bound by tag
  kumactl generate dataplane-token --mesh demo --tag kuma.io/service=web,web-api --valid-for 24h

  # Generate token bound by workload
  kumactl generate dataplane-token --mesh demo --workload backend --valid-for 24h`,
    )
    .action(async (f: Flags, command: Command) => {
      requireFlags(command, ['valid-for']);
      if (f.proxyType !== '' && f.proxyType !== 'dataplane') throw new CliError(`${f.proxyType} is not a valid proxy type`);
      const validForMs = checkValidFor(f.validFor);
      const tags: Record<string, string[]> = {};
      for (const [k, v] of Object.entries(f.tag ?? {})) tags[k] = v.split(',');
      const identity = { name: f.name, mesh: f.mesh, tags, type: f.proxyType, workload: f.workload };
      const token = await generateToken(ctx, {
        entity: 'dataplane',
        signingKeyPath: f.signingKeyPath,
        kid: f.kid,
        validForMs,
        offline: (keyPath, kid) => issueDataplaneTokenOffline(keyPath, kid, identity, validForMs),
        body: { ...identity },
      });
      ctx.io.out(token);
    });
}
