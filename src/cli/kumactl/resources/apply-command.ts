import { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { messageOf } from '../../../core/errors.js';
import type { JsonObject } from '../../../core/resources/json.js';
import type { ParsedEnvelope } from '../../../core/resources/envelope.js';
import { fromEnvelope, toEnvelope } from '../../../core/resources/envelope.js';
import { validateMeta } from '../../../core/resources/meta-rules.js';
import { builtinRegistry, UnknownResourceTypeError } from '../../../core/resources/registry.js';
import { zeroTime } from '../../../core/resources/resource.js';
import { formatViolations } from '../../../core/resources/validation.js';
import { configure, CliError, requireFlags } from '../../program.js';
import { ApiError } from '../api/api-errors.js';
import { warnIfIncompatible } from '../api/index-client.js';
import { ResourceClient } from '../api/resource-client.js';
import { stringToStringFlag } from '../flags.js';
import type { KumactlContext } from '../kumactl-context.js';
import { resourceYaml } from '../output/resource-printers.js';
import { renderTemplate } from '../../../core/template/mustache.js';
import { readApplyInput } from './read-input.js';
import { splitYamlDocuments } from './split-yaml.js';

interface ApplyFlags {
  file?: string;
  var?: Record<string, string>;
  dryRun: boolean;
}

/** One YAML document into a typed resource; the error text is what follows `failed to parse resource: `. */
export function parseResourceDocument(doc: string): ParsedEnvelope {
  let value: unknown;
  try {
    value = parseYaml(doc);
  } catch (err) {
    const first = messageOf(err).split('\n')[0] ?? '';
    throw new Error(`invalid meta type: ${JSON.stringify(`error converting YAML to JSON: yaml: ${first}`)}`);
  }
  const type = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>)['type'] : undefined;
  if (type === undefined || type === null || type === '') throw new Error('invalid resource type "": the document has no "type" field (e.g. type: Mesh)');
  try {
    return fromEnvelope(builtinRegistry, value);
  } catch (err) {
    if (err instanceof UnknownResourceTypeError) throw new Error(`invalid resource type ${JSON.stringify(String(type))}`);
    throw err;
  }
}

/** The PUT body: meta and spec as the REST envelope carries them (times and kri are the server's). */
function requestBody(r: ParsedEnvelope): JsonObject {
  const d = r.descriptor;
  const body: JsonObject = { type: d.name };
  if (d.scope === 'mesh') body['mesh'] = r.mesh;
  body['name'] = r.name;
  if (Object.keys(r.labels).length > 0) body['labels'] = { ...r.labels };
  if (d.isPluginOriginated) body['spec'] = r.spec;
  else Object.assign(body, r.spec);
  return body;
}

/** What --dry-run prints: the envelope as the API would show it, with zero times. */
function dryRunYaml(r: ParsedEnvelope): string {
  const meta = { name: r.name, mesh: r.descriptor.scope === 'mesh' ? r.mesh : '', version: '', creationTime: zeroTime(), modificationTime: zeroTime(), labels: r.labels };
  return resourceYaml(r.descriptor, toEnvelope(r.descriptor, { type: r.descriptor.name, meta, spec: r.spec }));
}

const describe = (r: ParsedEnvelope): string => `resource type=${JSON.stringify(r.descriptor.name)} mesh=${JSON.stringify(r.mesh)} name=${JSON.stringify(r.name)}`;

/** `kumactl apply -f FILE|DIR|URL|- [--var k=v] [--dry-run]`: create or update each document's resource. */
export function applyCommand(ctx: KumactlContext): Command {
  return configure(new Command('apply'), ctx.io)
    .description('Create or modify Kuma resources')
    .option('-f, --file <path>', 'Path to file or directory to apply. When a directory is provided, all .yaml, .yml, and .json files are applied. Pass `-` to read from stdin')
    .option('-v, --var <key=value>', 'Variable to replace in configuration', stringToStringFlag('-v, --var'))
    .option('--dry-run', 'Resolve variable and prints result out without actual applying', false)
    .addHelpText(
      'after',
      `
Examples:
  # Apply a resource from file
  kumactl apply -f resource.yaml

  # Apply a resource from stdin
  echo "
  type: Mesh
  name: demo
  " | kumactl apply -f -

  # Apply a resource from external URL
  kumactl apply -f https://example.com/resource.yaml

  # Apply all resources from a directory
  kumactl apply -f resources/`,
    )
    .action(async (f: ApplyFlags, command: Command) => {
      requireFlags(command, ['file']);
      const text = await readApplyInput(f.file ?? '', () => ctx.readStdin());
      if (text.length === 0) throw new CliError('no resource(s) passed to apply');
      const vars = f.var ?? {};
      const resources: ParsedEnvelope[] = [];
      let failed = false;
      splitYamlDocuments(text).forEach((doc, i) => {
        let source = doc;
        if (Object.keys(vars).length > 0) {
          try {
            source = renderTemplate(doc, vars);
          } catch (err) {
            ctx.io.err(`resource[${i}]: failed to render the template: ${messageOf(err)}\n`);
            failed = true;
            return;
          }
        }
        let r: ParsedEnvelope;
        try {
          r = parseResourceDocument(source);
        } catch (err) {
          ctx.io.err(`resource[${i}]: failed to parse resource: ${messageOf(err)}\n`);
          failed = true;
          return;
        }
        const violations = validateMeta(r, r.descriptor.scope).list;
        if (violations.length > 0) {
          ctx.io.err(`resource[${i}]: failed to read meta: ${formatViolations(violations)}\n`);
          failed = true;
          return;
        }
        resources.push(r);
      });
      if (failed) throw new CliError('failed to validate some resources');
      if (resources.length === 0) throw new CliError('no resource(s) passed to apply');

      if (f.dryRun) {
        ctx.io.out(resources.map(dryRunYaml).join('---\n'));
        return;
      }
      const client = await ctx.apiClient();
      await warnIfIncompatible(client, ctx.io);
      const rc = new ResourceClient(client);
      for (const r of resources) {
        const mesh = r.descriptor.scope === 'mesh' ? r.mesh : '';
        let warnings: string[];
        let updated: boolean;
        try {
          updated = (await rc.get(r.descriptor, mesh, r.name)) !== undefined;
          warnings = await rc.put(r.descriptor, mesh, r.name, requestBody(r));
        } catch (err) {
          throw new CliError(`${describe(r)}: failed server side: ${err instanceof ApiError ? err.inline : messageOf(err)}`);
        }
        ctx.io.out(`${describe(r)} ${updated ? 'Updated' : 'Created'}\n`);
        for (const w of warnings) ctx.io.err(`Warning: ${w}\n`);
      }
    });
}
