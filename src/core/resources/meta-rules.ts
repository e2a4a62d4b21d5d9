import type { ResourceScope } from './resource.js';
import { Violations } from './validation.js';

// Kuma pkg/core/resources/apis/mesh/meta_validator.go: names are RFC 1123 subdomains; meshes keep a
// legacy character set that allows '_' because old Mesh objects may still carry it.
const NAME_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const NAME_MSG =
  'invalid characters. A lowercase RFC 1123 subdomain must consist of lower case alphanumeric ' +
  "characters, '-' or '.', and must start and end with an alphanumeric character";
const LEGACY_MESH_RE = /^[0-9a-z-_.]*$/;
const LEGACY_MESH_MSG = "invalid characters. Valid characters are numbers, lowercase latin letters and '-', '_', '.' symbols.";

/** Go's len(): bytes of the UTF-8 encoding. */
export function utf8Length(s: string): number {
  let n = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    n += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return n;
}

function identifier(value: string, re: RegExp, msg: string): string | undefined {
  if (value === '') return 'cannot be empty';
  if (utf8Length(value) > 253) return 'value length must less or equal 253';
  if (!re.test(value)) return msg;
  return undefined;
}

/** The name/mesh rules every resource must pass (fields `name`, `mesh`). */
export function validateMeta(meta: { name: string; mesh: string }, scope: ResourceScope): Violations {
  const v = new Violations();
  const nameErr = identifier(meta.name, NAME_RE, NAME_MSG);
  if (nameErr) v.add('name', nameErr);
  v.addAt('', validateMeshField(meta.mesh, scope));
  return v;
}

/** The `mesh` field rule alone (mesh-scoped types only). */
export function validateMeshField(mesh: string, scope: ResourceScope): Violations {
  const v = new Violations();
  if (scope === 'mesh') {
    const err = identifier(mesh, LEGACY_MESH_RE, LEGACY_MESH_MSG);
    if (err) v.add('mesh', err);
  }
  return v;
}

/** Mesh manager rule on create: `name: cannot be longer than 63 characters`. */
export function validateMeshNameLength(name: string): Violations {
  const v = new Violations();
  if (utf8Length(name) > 63) v.add('name', 'cannot be longer than 63 characters');
  return v;
}

const DNS1035_RE = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_MSG =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic " +
  "character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for " +
  "validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

/** k8s IsDNS1035Label errors, in its order. */
export function dns1035LabelErrors(value: string): string[] {
  const errs: string[] = [];
  if (utf8Length(value) > 63) errs.push('must be no more than 63 characters');
  if (!DNS1035_RE.test(value)) errs.push(DNS1035_MSG);
  return errs;
}

/** 2.x warning (not an error) for names that are not DNS-1035 labels, e.g. Mesh `aa.a`. */
export function dnsNameDeprecation(typeName: string, name: string): string[] {
  const errs = dns1035LabelErrors(name);
  if (errs.length === 0) return [];
  return [
    `Invalid ${typeName} resource name: '${name}'. It does not conform to the DNS format (RFC 1035). This is deprecated. Errors: ${errs.join('; ')}`,
  ];
}
