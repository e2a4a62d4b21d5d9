import { Command } from 'commander';
import type { ResourceTypeDescriptor } from '../../../core/resources/descriptor.js';
import { configure, CliError } from '../../program.js';
import { warnIfIncompatible } from '../api/index-client.js';
import { ResourceClient } from '../api/resource-client.js';
import { wrapError } from '../api/wrap-error.js';
import type { KumactlContext } from '../kumactl-context.js';
import { parseOutputFormat, printList, printResource } from '../output/resource-printers.js';
import { kumactlTypes } from './kumactl-types.js';

function intFlag(flag: string): (v: string) => number {
  return (v) => {
    if (!/^[+-]?\d+$/.test(v)) throw new CliError(`invalid argument ${JSON.stringify(v)} for ${JSON.stringify(flag)} flag: strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
    return Number(v);
  };
}

async function connect(ctx: KumactlContext): Promise<ResourceClient> {
  const client = await ctx.apiClient();
  await warnIfIncompatible(client, ctx.io);
  return new ResourceClient(client);
}

function listCommand(ctx: KumactlContext, desc: ResourceTypeDescriptor, format: () => string): Command {
  const cmd = configure(new Command(desc.kumactlListArg), ctx.io)
    .description(`Show ${desc.name} entities`)
    .option('-m, --mesh <mesh>', 'mesh to use', 'default')
    .option('--size <n>', 'maximum number of elements to return', intFlag('--size'), 0)
    .option('--offset <offset>', 'the offset that indicates starting element of the resources list to retrieve', '')
    .action(async (f: { mesh: string; size: number; offset: string }) => {
      const out = parseOutputFormat(format());
      const rc = await connect(ctx);
      const mesh = desc.scope === 'global' ? '' : f.mesh;
      let list;
      try {
        list = await rc.list(desc, mesh, { size: f.size, offset: f.offset });
      } catch (err) {
        throw wrapError(`failed to list ${desc.name}`, err);
      }
      ctx.io.out(printList(out, desc, list, ctx.now()));
    });
  if (desc.kumactlListArgAlias) cmd.alias(desc.kumactlListArgAlias);
  return cmd;
}

function itemCommand(ctx: KumactlContext, desc: ResourceTypeDescriptor, format: () => string): Command {
  const cmd = configure(new Command(desc.kumactlArg), ctx.io)
    .description(`Show a single ${desc.name} resource`)
    .argument('<NAME>')
    .option('-m, --mesh <mesh>', 'mesh to use', 'default')
    .action(async (name: string, f: { mesh: string }) => {
      const out = parseOutputFormat(format());
      const rc = await connect(ctx);
      const mesh = desc.scope === 'global' ? '' : f.mesh;
      let item;
      try {
        item = await rc.get(desc, mesh, name);
      } catch (err) {
        throw wrapError(desc.scope === 'global' ? `failed to get ${name}` : `failed to get ${name} in mesh ${mesh}`, err);
      }
      if (!item) throw new CliError(desc.scope === 'global' ? 'No resources found' : `No resources found in ${mesh} mesh`);
      ctx.io.out(printResource(out, desc, item, ctx.now()));
    });
  if (desc.kumactlArgAlias) cmd.alias(desc.kumactlArgAlias);
  return cmd;
}

/** `kumactl get <plural>` and `kumactl get <singular> NAME` for every type kumactl can address. */
export function getCommand(ctx: KumactlContext): Command {
  const get = configure(new Command('get'), ctx.io)
    .description('Show Kuma resources')
    .option('-o, --output <format>', 'output format: one of table|yaml|json', 'table');
  const format = (): string => get.opts<{ output: string }>().output;
  for (const desc of kumactlTypes()) {
    get.addCommand(listCommand(ctx, desc, format));
    get.addCommand(itemCommand(ctx, desc, format));
  }
  return get;
}
