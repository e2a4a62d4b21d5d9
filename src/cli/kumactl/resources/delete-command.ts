import { Command } from 'commander';
import { configure, CliError } from '../../program.js';
import { warnIfIncompatible } from '../api/index-client.js';
import { ResourceClient } from '../api/resource-client.js';
import { wrapError } from '../api/wrap-error.js';
import type { KumactlContext } from '../kumactl-context.js';
import { kumactlTypes, singularArgs } from './kumactl-types.js';

/** `kumactl delete TYPE NAME [--mesh m]` with Kuma's messages. */
export function deleteCommand(ctx: KumactlContext): Command {
  const types = kumactlTypes();
  return configure(new Command('delete'), ctx.io)
    .description('Delete Kuma resources')
    .argument('<TYPE>')
    .argument('<NAME>')
    .option('-m, --mesh <mesh>', 'mesh to use', 'default')
    .action(async (typeArg: string, name: string, f: { mesh: string }) => {
      const desc = types.find((d) => d.kumactlArg === typeArg || d.kumactlArgAlias === typeArg);
      if (!desc) throw new CliError(`unknown TYPE: ${typeArg}. Allowed values: ${singularArgs(types).join(', ')}`);
      if (desc.readOnly) throw new CliError(`TYPE: ${typeArg} is readOnly, can't use it for write action`);
      const client = await ctx.apiClient();
      await warnIfIncompatible(client, ctx.io);
      const mesh = desc.scope === 'mesh' ? f.mesh : '';
      let deleted;
      try {
        deleted = await new ResourceClient(client).delete(desc, mesh, name);
      } catch (err) {
        throw wrapError(`failed to delete ${desc.name} with the name ${JSON.stringify(name)}`, err);
      }
      if (!deleted) throw new CliError(`there is no ${desc.name} with name ${JSON.stringify(name)}`);
      ctx.io.out(`deleted ${desc.name} ${JSON.stringify(name)}\n`);
    });
}
