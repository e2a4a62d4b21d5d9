import { Command } from 'commander';
import { configure, CliError, collectList, requireFlags } from '../../program.js';
import { durationFlag } from '../flags.js';
import type { KumactlContext } from '../kumactl-context.js';
import { issueZoneTokenOffline } from './offline-issuer.js';
import { generateToken } from './token-client.js';
import { checkValidFor } from './valid-for.js';

/**
 * Scopes a zone token can carry. Kuma 2.x has `ingress` and `egress` (zone proxies); kuma-ts adds
 * `cp`, which the global demands from a zone control plane when KDS zone-token auth is on. The
 * default, as in Kuma, is every scope.
 */
export const ZONE_TOKEN_SCOPES: readonly string[] = ['cp', 'ingress', 'egress'];

interface Flags {
  zone?: string;
  scope?: string[];
  validFor?: number;
  signingKeyPath: string;
  kid: string;
}

/** Go's `%+v` of a []string: `[a b]`. */
const goList = (items: readonly string[]): string => `[${items.join(' ')}]`;

/** `kumactl generate zone-token`: online via POST /tokens/zone, or offline with a signing key file. */
export function zoneTokenCommand(ctx: KumactlContext): Command {
  return configure(new Command('zone-token'), ctx.io)
    .description('Generate Zone Token that is used to prove identity of zone components (Zone control plane, Zone Ingress, Zone Egress).')
    .option('--zone <zone>', 'name of the zone where resides')
    .option('--scope <scope>', `scope of resources which the token will be able to identify (can be: ${goList(ZONE_TOKEN_SCOPES)}) (default ${goList(ZONE_TOKEN_SCOPES)})`, collectList)
    .option('--valid-for <duration>', 'how long the token will be valid (for example "24h")', durationFlag('--valid-for'))
    .option('--signing-key-path <path>', "path to a file that contains private signing key. When specified, control plane won't be used to issue the token.", '')
    .option('--kid <kid>', 'ID of the key that is used to issue a token. Required when --signing-key-path is used.', '')
    .addHelpText(
      'after',
      `
Examples:
  # Generate token using a control plane
  kumactl generate zone-token --zone zone-1 --valid-for 24h
  kumactl generate zone-token --zone zone-1 --valid-for 24h --scope cp
  kumactl generate zone-token --zone zone-1 --valid-for 24h --scope ingress --scope egress

  # Generate token using offline signing key
  kumactl generate zone-token --zone zone-1 --valid-for 24h --signing-key-path /keys/key.pem --kid 1`,
    )
    .action(async (f: Flags, command: Command) => {
      requireFlags(command, ['valid-for', 'zone']);
      const scope = f.scope ?? [...ZONE_TOKEN_SCOPES];
      const unsupported = scope.filter((s) => !ZONE_TOKEN_SCOPES.includes(s));
      if (unsupported.length > 0) throw new CliError(`invalid --scope values: ${goList(unsupported)} (supported scopes: ${goList(ZONE_TOKEN_SCOPES)})`);
      const validForMs = checkValidFor(f.validFor);
      const identity = { zone: f.zone ?? '', scope };
      const token = await generateToken(ctx, {
        entity: 'zone',
        signingKeyPath: f.signingKeyPath,
        kid: f.kid,
        validForMs,
        offline: (keyPath, kid) => issueZoneTokenOffline(keyPath, kid, identity, validForMs),
        body: { zone: identity.zone, scope },
      });
      ctx.io.out(token);
    });
}
