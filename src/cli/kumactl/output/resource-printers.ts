import type { ResourceTypeDescriptor } from '../../../core/resources/descriptor.js';
import type { JsonObject, JsonValue } from '../../../core/resources/json.js';
import { arrAt, boolAt, isObject, objAt, strAt } from '../../../core/resources/json.js';
import { CliError } from '../../program.js';
import { timeSince } from './age.js';
import { renderTable } from './table.js';
import { toGoYaml } from './yaml.js';

export type OutputFormat = 'table' | 'yaml' | 'json';

export function parseOutputFormat(text: string): OutputFormat {
  if (text === 'table' || text === 'yaml' || text === 'json') return text;
  throw new CliError(`unknown output format ${JSON.stringify(text)}`);
}

/** Go's json.MarshalIndent(v, "", "  "): HTML-sensitive characters escaped as Go does. */
export function toGoJson(value: unknown): string {
  const escapes: Record<string, string> = { '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', '\u2028': '\\u2028', '\u2029': '\\u2029' };
  return `${JSON.stringify(value, null, 2).replace(/[<>&\u2028\u2029]/g, (c) => escapes[c] ?? c)}\n`;
}

const META_KEYS = new Set(['type', 'mesh', 'name', 'creationTime', 'modificationTime', 'labels', 'kri']);

function pick(o: JsonObject, keep: (k: string) => boolean): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(o)) if (keep(k)) out[k] = v;
  return out;
}

/**
 * One resource as YAML. Legacy (inline) types print the meta block first, then the spec, as Kuma
 * does for readability; new-style types print as one sorted object.
 */
export function resourceYaml(desc: ResourceTypeDescriptor, envelope: JsonObject): string {
  if (desc.isPluginOriginated) return toGoYaml(envelope);
  const spec = pick(envelope, (k) => !META_KEYS.has(k));
  const meta = toGoYaml(pick(envelope, (k) => META_KEYS.has(k)));
  return Object.keys(spec).length === 0 ? meta : meta + toGoYaml(spec);
}

/** Kuma's MultiValueTagSet.String(): `key=v1,v2` per tag (values sorted), entries sorted, space separated. */
export function dataplaneTags(envelope: JsonObject): string {
  const networking = objAt(envelope, 'networking');
  const sets = new Map<string, Set<string>>();
  const addAll = (tags: JsonValue | undefined): void => {
    if (!isObject(tags)) return;
    for (const [k, v] of Object.entries(tags)) {
      if (typeof v !== 'string') continue;
      let s = sets.get(k);
      if (!s) sets.set(k, (s = new Set()));
      s.add(v);
    }
  };
  for (const inbound of arrAt(networking, 'inbound')) if (isObject(inbound)) addAll(inbound['tags']);
  addAll(objAt(networking, 'gateway')?.['tags']);
  return [...sets.entries()]
    .map(([k, vs]) => `${k}=${[...vs].sort().join(',')}`)
    .sort()
    .join(' ');
}

function meshMtls(envelope: JsonObject): string {
  const mtls = objAt(envelope, 'mtls');
  const enabled = strAt(mtls, 'enabledBackend');
  if (enabled === '') return 'off';
  const backend = arrAt(mtls, 'backends').find((b) => strAt(b, 'name') === enabled);
  // Kuma dereferences a missing backend and crashes; say what is wrong instead.
  return backend ? `${strAt(backend, 'type')}/${enabled}` : `?/${enabled}`;
}

const onOff = (b: boolean): string => (b ? 'on' : 'off');

interface RowPrinter {
  headers: string[];
  row: (item: JsonObject, now: Date) => string[];
}

const age = (item: JsonObject, now: Date): string => timeSince(item['modificationTime'], now);

/** Table columns per type (app/kumactl/cmd/get/table_printer.go). */
export function rowPrinterFor(desc: ResourceTypeDescriptor): RowPrinter {
  switch (desc.name) {
    case 'Mesh':
      return {
        headers: ['NAME', 'mTLS', 'LOCALITY', 'ZONEEGRESS', 'AGE'],
        row: (m, now) => {
          const routing = objAt(m, 'routing');
          return [strAt(m, 'name'), meshMtls(m), onOff(boolAt(routing, 'localityAwareLoadBalancing')), onOff(boolAt(routing, 'zoneEgress')), age(m, now)];
        },
      };
    case 'Dataplane':
      return {
        headers: ['MESH', 'NAME', 'TAGS', 'ADDRESS', 'AGE'],
        row: (dp, now) => {
          const networking = objAt(dp, 'networking');
          const address = strAt(networking, 'advertisedAddress') || strAt(networking, 'address');
          return [strAt(dp, 'mesh'), strAt(dp, 'name'), dataplaneTags(dp), address, age(dp, now)];
        },
      };
  }
  if (desc.scope === 'mesh') return { headers: ['MESH', 'NAME', 'AGE'], row: (r, now) => [strAt(r, 'mesh'), strAt(r, 'name'), age(r, now)] };
  return { headers: ['NAME', 'AGE'], row: (r, now) => [strAt(r, 'name'), age(r, now)] };
}

export function printResource(format: OutputFormat, desc: ResourceTypeDescriptor, envelope: JsonObject, now: Date): string {
  switch (format) {
    case 'json':
      return toGoJson(envelope);
    case 'yaml':
      return resourceYaml(desc, envelope);
    case 'table': {
      const p = rowPrinterFor(desc);
      return renderTable({ headers: p.headers, rows: [p.row(envelope, now)] });
    }
  }
}

export function printList(
  format: OutputFormat,
  desc: ResourceTypeDescriptor,
  list: { body: JsonObject; items: JsonObject[]; nextOffset: string },
  now: Date,
): string {
  switch (format) {
    case 'json':
      return toGoJson(list.body);
    case 'yaml':
      return toGoYaml(list.body);
    case 'table': {
      const p = rowPrinterFor(desc);
      const footer = list.nextOffset === '' ? undefined : `Rerun command with --offset=${list.nextOffset} argument to retrieve more resources`;
      return renderTable({ headers: p.headers, rows: list.items.map((i) => p.row(i, now)), footer });
    }
  }
}
