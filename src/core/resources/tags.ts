import { sortedKeys } from './json.js';
import { FieldPath, Violations, goQuote } from './validation.js';

// Kuma pkg/core/resources/apis/mesh/validators.go: tag and selector rules with their exact texts.
const TAG_NAME_RE = /^[a-zA-Z0-9.\-_:/]*$/;
const TAG_VALUE_RE = /^[a-zA-Z0-9.\-_:]*$/;
const SELECTOR_VALUE_RE = /^([a-zA-Z0-9.\-_:/]*|\*)$/;

export const SERVICE_TAG = 'kuma.io/service';
export const PROTOCOL_TAG = 'kuma.io/protocol';

export interface TagRuleOptions {
  requireAtLeastOneTag?: boolean;
  requireService?: boolean;
  /** Extra whole-map checks, run before the per-key checks (Kuma's ExtraTagsValidators). */
  extra?: (path: FieldPath, tags: Record<string, string>) => Violations;
}

function tagKeyValues(
  path: FieldPath,
  tags: Record<string, string>,
  valueRule: (path: FieldPath, key: string, value: string) => Violations,
  opts: TagRuleOptions,
): Violations {
  const v = new Violations();
  if (opts.requireAtLeastOneTag && Object.keys(tags).length === 0) v.add(path, 'must have at least one tag');
  if (opts.extra) v.addAt('', opts.extra(path, tags));
  for (const key of sortedKeys(tags)) {
    if (key === '') v.add(path, 'tag name must be non-empty');
    if (!TAG_NAME_RE.test(key)) {
      v.add(path.key(key), 'tag name must consist of alphanumeric characters, dots, dashes, slashes and underscores');
    }
    const value = tags[key] ?? '';
    if (value === '') v.add(path.key(key), 'tag value must be non-empty');
    v.addAt('', valueRule(path, key, value));
  }
  if (opts.requireService && !(SERVICE_TAG in tags)) v.add(path, `mandatory tag ${goQuote(SERVICE_TAG)} is missing`);
  return v;
}

/** Tags of a proxy (inbound, gateway, outbound). */
export function validateTags(path: FieldPath, tags: Record<string, string>, opts: TagRuleOptions = {}): Violations {
  return tagKeyValues(
    path,
    tags,
    (p, key, value) => {
      const v = new Violations();
      if (!TAG_VALUE_RE.test(value)) v.add(p.key(key), 'tag value must consist of alphanumeric characters, dots, dashes and underscores');
      return v;
    },
    opts,
  );
}

/** Tag selectors (values may also be `*` or contain '/'). */
export function validateSelector(path: FieldPath, tags: Record<string, string>, opts: TagRuleOptions = {}): Violations {
  return tagKeyValues(
    path,
    tags,
    (p, key, value) => {
      const v = new Violations();
      if (!SELECTOR_VALUE_RE.test(value)) {
        v.add(p.key(key), 'tag value must consist of alphanumeric characters, dots, dashes, slashes and underscores or be "*"');
      }
      return v;
    },
    opts,
  );
}

/** Protocols users may name (Kuma SupportedProtocols, in its order). */
export const SUPPORTED_PROTOCOLS = ['grpc', 'http', 'http2', 'kafka', 'tcp'] as const;
const PARSEABLE_PROTOCOLS = new Set(['http', 'http2', 'tcp', 'tls', 'grpc', 'kafka', 'mysql']);

/** Kuma ParseProtocol: case-insensitive; undefined when unknown. */
export function parseProtocol(value: string): string | undefined {
  const p = value.toLowerCase();
  return PARSEABLE_PROTOCOLS.has(p) ? p : undefined;
}

export function allowedValuesHint(values: readonly string[]): string {
  return `Allowed values: ${values.length === 0 ? '(none)' : values.join(', ')}`;
}
