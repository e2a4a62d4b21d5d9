import { Command } from 'commander';
import { configure } from '../../program.js';
import type { ApiClient } from '../api/api-client.js';
import { warnIfIncompatible } from '../api/index-client.js';
import { wrapError } from '../api/wrap-error.js';
import { stringToStringFlag } from '../flags.js';
import type { KumactlContext } from '../kumactl-context.js';
import { parseOutputFormat, toGoJson, type OutputFormat } from '../output/resource-printers.js';
import { toGoYaml } from '../output/yaml.js';
import { dataplaneOverviewsTable } from './dataplanes-table.js';
import { listMeshInsights, meshInsightsTable } from './mesh-insights.js';
import { listAllPages, listDataplaneOverviews } from './overview-client.js';
import { zoneOverviewsTable } from './zones-table.js';

async function connect(ctx: KumactlContext): Promise<ApiClient> {
  const client = await ctx.apiClient();
  await warnIfIncompatible(client, ctx.io);
  return client;
}

function print(format: OutputFormat, body: unknown, table: () => string): string {
  if (format === 'json') return toGoJson(body);
  if (format === 'yaml') return toGoYaml(body);
  return table();
}

interface DataplanesFlags {
  mesh: string;
  tag?: Record<string, string>;
  gateway?: boolean;
  ingress?: boolean;
}

function dataplanesCommand(ctx: KumactlContext, format: () => OutputFormat): Command {
  return configure(new Command('dataplanes'), ctx.io)
    .description('Inspect Dataplanes')
    .option('--tag <key=value>', 'filter by tag in format of key=value. You can provide many tags', stringToStringFlag('--tag'))
    .option('-m, --mesh <mesh>', 'mesh to use', 'default')
    .option('--gateway', 'filter gateway dataplanes')
    .option('--ingress', 'filter ingress dataplanes')
    .action(async (f: DataplanesFlags) => {
      const out = format();
      const client = await connect(ctx);
      let list;
      try {
        list = await listDataplaneOverviews(client, f.mesh, { tags: f.tag ?? {}, gateway: f.gateway === true, ingress: f.ingress === true });
      } catch (err) {
        throw wrapError('failed to list Dataplane overviews', err);
      }
      ctx.io.out(print(out, list.body, () => dataplaneOverviewsTable(list.items, ctx.now())));
    });
}

function meshesCommand(ctx: KumactlContext, format: () => OutputFormat): Command {
  return configure(new Command('meshes'), ctx.io)
    .description('Inspect Meshes')
    .action(async () => {
      const out = format();
      const client = await connect(ctx);
      let list;
      try {
        list = await listMeshInsights(client);
      } catch (err) {
        throw wrapError('failed to list Mesh insights', err);
      }
      ctx.io.out(print(out, list.body, () => meshInsightsTable(list.items)));
    });
}

function zonesCommand(ctx: KumactlContext, format: () => OutputFormat): Command {
  return configure(new Command('zones'), ctx.io)
    .description('Inspect Zones')
    .action(async () => {
      const out = format();
      const client = await connect(ctx);
      let list;
      try {
        list = await listAllPages(client, '/zones/_overview', {});
      } catch (err) {
        throw wrapError('failed to list Zone overviews', err);
      }
      ctx.io.out(print(out, list.body, () => zoneOverviewsTable(list.items, ctx.now())));
    });
}

/** `kumactl inspect dataplanes|meshes|zones [-o table|yaml|json]`. */
export function inspectCommand(ctx: KumactlContext): Command {
  const inspect = configure(new Command('inspect'), ctx.io)
    .description('Inspect Kuma resources')
    .option('-o, --output <format>', 'output format: one of table|yaml|json', 'table');
  const format = (): OutputFormat => parseOutputFormat(inspect.opts<{ output: string }>().output);
  return inspect.addCommand(dataplanesCommand(ctx, format)).addCommand(meshesCommand(ctx, format)).addCommand(zonesCommand(ctx, format));
}
