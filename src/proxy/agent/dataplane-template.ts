/**
 * `--dataplane-file` / `--dataplane` templates (spec mtls-dp §1.4): mustache-style `{{ a.b }}`
 * placeholders filled from `-v a.b=value` (a missing variable renders empty, as in Kuma), then parsed
 * as a REST resource in YAML or JSON. The renderer is pluggable: the default here only interpolates;
 * the kuma-dp command passes the mustache renderer kumactl apply uses (Kuma renders both alike).
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { AgentError } from './errors.js';

export interface DataplaneDefinition {
  mesh: string;
  name: string;
  /** The rendered resource as JSON text: what /bootstrap and the stream carry. */
  json: string;
}

export function renderTemplate(text: string, vars: Readonly<Record<string, string>>): string {
  return text.replace(/\{\{\{?\s*&?\s*([A-Za-z0-9_.-]+)\s*\}?\}\}/g, (_, key: string) => vars[key] ?? '');
}

const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

export function parseDataplaneDefinition(rendered: string, source: string): DataplaneDefinition {
  let doc: unknown;
  try {
    doc = parse(rendered);
  } catch (err) {
    throw new AgentError('ERR_DP_TEMPLATE', `could not parse the dataplane definition from ${source}: ${(err as Error).message.split('\n')[0] ?? ''}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new AgentError('ERR_DP_TEMPLATE', `the dataplane definition from ${source} must be a YAML or JSON object with type, mesh, name and networking`);
  }
  const res = doc as Record<string, unknown>;
  if (res['type'] !== 'Dataplane') {
    throw new AgentError('ERR_DP_TEMPLATE', `invalid proxy resource type "${String(res['type'] ?? '')}" in ${source}: expected type: Dataplane`);
  }
  const mesh = typeof res['mesh'] === 'string' ? res['mesh'] : '';
  const name = typeof res['name'] === 'string' ? res['name'] : '';
  for (const [field, value] of [['mesh', mesh], ['name', name]] as const) {
    if (value === '') throw new AgentError('ERR_DP_TEMPLATE', `the dataplane definition from ${source} has no ${field} (is a --dataplane-var missing?)`);
    if (!NAME.test(value) || value.length > 253) {
      throw new AgentError('ERR_DP_TEMPLATE', `the dataplane definition from ${source} has an invalid ${field} "${value}": use lowercase letters, digits, '-' and '.'`);
    }
  }
  return { mesh, name, json: JSON.stringify(res) };
}

/** Fills a template with `-v` variables; throws with a message that names the problem. */
export type TemplateRenderer = (text: string, vars: Readonly<Record<string, string>>) => string;

/**
 * Reads (file wins over inline, `-` = stdin), renders and parses the definition; undefined if none.
 * `render` defaults to plain `{{ var }}` substitution; kuma-dp passes its full mustache renderer.
 */
export async function loadDataplaneDefinition(
  file: string,
  inline: string,
  vars: Readonly<Record<string, string>>,
  render: TemplateRenderer = renderTemplate,
): Promise<DataplaneDefinition | undefined> {
  let text: string;
  let source: string;
  if (file !== '') {
    source = file === '-' ? 'stdin' : file;
    try {
      text = file === '-' ? readFileSync(0, 'utf8') : await readFile(file, 'utf8');
    } catch (err) {
      throw new AgentError('ERR_DP_TEMPLATE', `could not read the dataplane file ${source}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  } else if (inline !== '') {
    source = '--dataplane';
    text = inline;
  } else {
    return undefined;
  }
  let rendered: string;
  try {
    rendered = render(text, vars);
  } catch (err) {
    throw new AgentError('ERR_DP_TEMPLATE', `could not render the dataplane definition from ${source}: ${(err as Error).message}`);
  }
  return parseDataplaneDefinition(rendered, source);
}
