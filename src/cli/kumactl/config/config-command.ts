import { Command } from 'commander';
import { configure, CliError, requireFlags } from '../../program.js';
import { TOKEN_AUTH_KEY, TOKEN_AUTH_TYPE } from '../api/api-client.js';
import { stringToStringFlag } from '../flags.js';
import type { KumactlContext } from '../kumactl-context.js';
import { renderTable } from '../output/table.js';
import { checkControlPlane } from './check-control-plane.js';
import { serializeConfig } from './config-codec.js';
import type { ControlPlane } from './config-model.js';
import { addContext, addControlPlane, currentContextOf, emptyCoordinates, removeControlPlane, switchContext } from './config-model.js';

/** `kumactl config`: view the configuration and manage known control planes. */
export function configCommand(ctx: KumactlContext): Command {
  const io = ctx.io;
  const cmd = configure(new Command('config'), io)
    .description('Modify kumactl config files')
    .addHelpText(
      'after',
      `
This set of commands enable you to manage connection to different control-planes.
It manipulates the configuration file stored at the value of '--config-file' ('~/.kumactl/config' by default).

These commands do not interact with a running control-plane except to verify the connection when adding a control-plane

For example to add a control-plane to the configuration file:
  kumactl config control-planes add --name=example --address=https://kuma-control-plane:5681`,
    );
  cmd.addCommand(
    configure(new Command('view'), io)
      .description('Show kumactl config')
      .action(async () => {
        io.out(`${serializeConfig(await ctx.config())}\n`);
      }),
  );
  const cps = configure(new Command('control-planes'), io).description('Manage known Control Planes');
  cps.addCommand(listCommand(ctx));
  cps.addCommand(addCommand(ctx));
  cps.addCommand(removeCommand(ctx));
  cps.addCommand(switchCommand(ctx));
  cmd.addCommand(cps);
  return cmd;
}

function listCommand(ctx: KumactlContext): Command {
  return configure(new Command('list'), ctx.io)
    .description('List Control Planes')
    .action(async () => {
      const cfg = await ctx.config();
      const active = currentContextOf(cfg);
      const rows = cfg.controlPlanes.map((cp) => [active?.controlPlane === cp.name ? '*' : '', cp.name, cp.coordinates.apiServer.url]);
      ctx.io.out(renderTable({ headers: ['ACTIVE', 'NAME', 'ADDRESS'], rows }));
    });
}

interface AddFlags {
  name?: string;
  address?: string;
  overwrite: boolean;
  caCertFile: string;
  clientCertFile: string;
  clientKeyFile: string;
  skipVerify: boolean;
  headers?: Record<string, string>;
  authType: string;
  authConf?: Record<string, string>;
  skipCheck: boolean;
}

/** Go's url.ParseRequestURI (an absolute URL or path), then: only http and https make sense here. */
function requestUriProblem(raw: string): string | undefined {
  if (raw === '') return 'parse "": empty url';
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):(.*)$/s.exec(raw);
  if (!scheme) return raw.startsWith('/') ? 'use an http:// or https:// address' : `parse ${JSON.stringify(raw)}: invalid URI for request`;
  if (!(scheme[2] ?? '').startsWith('/')) return `parse ${JSON.stringify(raw)}: invalid URI for request`;
  try {
    new URL(raw);
  } catch {
    return `parse ${JSON.stringify(raw)}: invalid URL`;
  }
  const s = (scheme[1] ?? '').toLowerCase();
  if (s !== 'http' && s !== 'https') return `unsupported protocol scheme ${JSON.stringify(s)}: use an http:// or https:// address`;
  return undefined;
}

function validateAddFlags(f: AddFlags): void {
  const problem = requestUriProblem(f.address ?? '');
  if (problem !== undefined) throw new CliError(`API Server URL is invalid: ${problem}`);
  if ((f.clientCertFile === '') !== (f.clientKeyFile === '')) throw new CliError('Both --client-cert-file and --client-key-file needs to be specified');
  if (f.authType !== '') {
    if (f.authType !== TOKEN_AUTH_TYPE) throw new CliError(`authentication plugin of type ${JSON.stringify(f.authType)} is not found`);
    if ((f.authConf?.[TOKEN_AUTH_KEY] ?? '') === '') throw new CliError('--auth-conf is not valid: provide token=YOUR_TOKEN');
  }
}

function addCommand(ctx: KumactlContext): Command {
  return configure(new Command('add'), ctx.io)
    .description('Add a Control Plane')
    .option('--name <name>', 'reference name for the Control Plane (required)')
    .option('--address <url>', 'URL of the Control Plane API Server (required). Example: http://localhost:5681 or https://localhost:5682)')
    .option('--overwrite', 'overwrite existing Control Plane with the same reference name', false)
    .option('--client-cert-file <path>', 'path to the certificate of a client that is authorized to use the Admin operations of the Control Plane (kumactl stores only a reference to this file)', '')
    .option('--client-key-file <path>', 'path to the certificate key of a client that is authorized to use the Admin operations of the Control Plane (kumactl stores only a reference to this file)', '')
    .option('--ca-cert-file <path>', 'path to the certificate authority which will be used to verify the Control Plane certificate (kumactl stores only a reference to this file)', '')
    .option('--skip-verify', 'skip CA verification', false)
    .option('--headers <key=value>', 'add these headers while communicating to control plane, format key=value', stringToStringFlag('--headers'))
    .option('--auth-type <type>', 'authentication type (for example: "tokens")', '')
    .option('--auth-conf <key=value>', 'authentication configuration for defined authentication type format key=value', stringToStringFlag('--auth-conf'))
    .option('--skip-check', 'skip checking if we can connect to the CP (and, unlike Kuma, that the credentials are accepted)', false)
    .action(async (f: AddFlags, command: Command) => {
      requireFlags(command, ['address', 'name']);
      validateAddFlags(f);
      const headers = f.headers ?? {};
      const cp: ControlPlane = {
        name: f.name ?? '',
        coordinates: {
          apiServer: {
            ...emptyCoordinates(f.address ?? ''),
            caCertFile: f.caCertFile,
            clientCertFile: f.clientCertFile,
            clientKeyFile: f.clientKeyFile,
            authType: f.authType,
            authConf: { ...(f.authConf ?? {}) },
            skipVerify: f.skipVerify,
            // sorted by key, as Kuma stores them
            headers: Object.keys(headers)
              .sort()
              .map((key) => ({ key, value: headers[key] ?? '' })),
          },
        },
      };
      const cfg = await ctx.config();
      ctx.assertWritable(); // before any network call
      const identity = f.skipCheck ? undefined : await checkControlPlane(ctx, cp.coordinates.apiServer);
      if (!addControlPlane(cfg, cp, f.overwrite)) {
        throw new CliError(`Control Plane with name ${JSON.stringify(cp.name)} already exists. Use --overwrite to replace an existing one.`);
      }
      if (!addContext(cfg, { name: cp.name, controlPlane: cp.name }, f.overwrite)) {
        throw new CliError(`Context with name ${JSON.stringify(cp.name)} already exists`);
      }
      cfg.currentContext = cp.name;
      await ctx.saveConfig();
      if (identity !== undefined) ctx.io.out(`${identity}\n`);
      ctx.io.out(`added Control Plane ${JSON.stringify(cp.name)}\nswitched active Control Plane to ${JSON.stringify(cp.name)}\n`);
    });
}

function removeCommand(ctx: KumactlContext): Command {
  return configure(new Command('remove'), ctx.io)
    .description('Remove a Control Plane')
    .option('--name <name>', 'reference name for the Control Plane (required)')
    .action(async (f: { name?: string }, command: Command) => {
      requireFlags(command, ['name']);
      const cfg = await ctx.config();
      const name = f.name ?? '';
      if (!removeControlPlane(cfg, name)) throw new CliError(`there is no Control Plane with name ${JSON.stringify(name)}`);
      await ctx.saveConfig();
      ctx.io.out(`removed Control Plane ${JSON.stringify(name)}\n`);
      const current = currentContextOf(cfg);
      if (current) ctx.io.out(`switched active Control Plane to ${JSON.stringify(current.controlPlane)}\n`);
      else ctx.io.out('there is no active Control Plane left. Use `kumactl config control-planes add` to add a Control Plane and make it active\n');
    });
}

function switchCommand(ctx: KumactlContext): Command {
  return configure(new Command('switch'), ctx.io)
    .description('Switch active Control Plane')
    .option('--name <name>', 'reference name for the Control Plane (required)')
    .action(async (f: { name?: string }, command: Command) => {
      requireFlags(command, ['name']);
      const cfg = await ctx.config();
      const name = f.name ?? '';
      if (!switchContext(cfg, name)) throw new CliError(`there is no Control Plane with name ${JSON.stringify(name)}`);
      await ctx.saveConfig();
      ctx.io.out(`switched active Control Plane to ${JSON.stringify(name)}\n`);
    });
}
