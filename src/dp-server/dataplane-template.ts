/**
 * The Dataplane a proxy brings along (`kuma-dp run --dataplane-file`): the bootstrap request's
 * `dataplaneResource` and the stream's `node.dataplane_json`. Parsed as Kuma parses it (REST form,
 * YAML or JSON text), then validated with the resource rules, so a bad template is refused with the
 * same violations `kumactl apply` would print.
 */
import { parse as parseYaml } from 'yaml';
import { messageOf } from '../core/errors.js';
import { builtinRegistry, DataplaneType, fromEnvelope, formatViolations, validateResource, type JsonObject } from '../core/resources/index.js';
import type { NodeId } from './node-id.js';
import { streamErrors } from './stream-errors.js';

export interface DataplaneTemplate {
  mesh: string;
  name: string;
  labels: Record<string, string>;
  spec: JsonObject;
}

/** The template cannot be used; `message` is what the proxy's operator must fix. */
export class DataplaneTemplateError extends Error {}

/** Parses and validates; throws DataplaneTemplateError. */
export function parseDataplaneTemplate(text: string): DataplaneTemplate {
  let body: unknown = undefined;
  // kuma-dp sends JSON: JSON.parse is ~10x cheaper than the YAML parser, which matters when thousands
  // of proxies connect at once. Anything else (YAML, or JSON it rejects) goes to the YAML parser.
  if (text.trimStart().startsWith('{')) {
    try {
      body = JSON.parse(text) as unknown;
    } catch {
      body = undefined;
    }
  }
  if (body === undefined) {
    try {
      // YAML 1.2 is a superset of JSON; keep alias expansion bounded against hostile input.
      body = parseYaml(text, { maxAliasCount: 100, uniqueKeys: true });
    } catch (err) {
      throw new DataplaneTemplateError(`could not parse the Dataplane: ${messageOf(err)}`);
    }
  }
  let parsed;
  try {
    parsed = fromEnvelope(builtinRegistry, body, DataplaneType.name);
  } catch (err) {
    throw new DataplaneTemplateError(messageOf(err));
  }
  if (parsed.descriptor.name !== DataplaneType.name) {
    throw new DataplaneTemplateError(`invalid proxy resource type ${JSON.stringify(parsed.descriptor.name)}: only Dataplane can be run by kuma-dp`);
  }
  const violations = validateResource(DataplaneType, { name: parsed.name, mesh: parsed.mesh, spec: parsed.spec });
  if (violations.length > 0) throw new DataplaneTemplateError(formatViolations(violations));
  return { mesh: parsed.mesh, name: parsed.name, labels: parsed.labels, spec: parsed.spec };
}

/**
 * The template a config stream's first request carries in `node.dataplane_json` (undefined when it
 * carries none), checked against the stream's node id. Throws the StreamError the proxy sees.
 */
export function templateOfNode(text: string, nodeId: NodeId, nodeIdText: string): DataplaneTemplate | undefined {
  if (text === '') return undefined;
  let t: DataplaneTemplate;
  try {
    t = parseDataplaneTemplate(text);
  } catch (err) {
    if (err instanceof DataplaneTemplateError) throw streamErrors.invalidTemplate(err.message);
    throw err;
  }
  if (t.mesh !== nodeId.mesh || t.name !== nodeId.name) throw streamErrors.templateMismatch(nodeIdText, t.mesh, t.name);
  return t;
}
