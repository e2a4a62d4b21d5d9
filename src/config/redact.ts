/**
 * The printable form of a config: a plain JSON-able copy with secrets as `*****` and durations in Go
 * syntax. This is what `kuma-cp run` logs and what GET /config returns. An empty secret stays `""`
 * (it tells the reader the secret is unset without revealing anything); Kuma masks even that.
 */

import { formatGoDuration } from '../core/duration.js';
import type { Field, Section } from './schema.js';

export const REDACTED = '*****';

function printable(field: Field, value: unknown): unknown {
  switch (field.kind) {
    case 'string':
      return field.secret && value !== '' ? REDACTED : value;
    case 'duration':
      return formatGoDuration(value as number);
    case 'list':
      return [...(value as string[])];
    case 'map':
      return { ...(value as Record<string, string>) };
    case 'publicKeys':
      return (value as object[]).map((k) => ({ ...k }));
    default:
      return value;
  }
}

export function redactConfig(schema: Section, cfg: unknown): Record<string, unknown> {
  const walk = (sec: Section, obj: Record<string, unknown>): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [key, node] of Object.entries(sec.fields)) {
      if (node.kind === 'section') out[key] = walk(node, obj[key] as Record<string, unknown>);
      else if (node.kind !== 'ignored') out[key] = printable(node, obj[key]);
    }
    return out;
  };
  return walk(schema, cfg as Record<string, unknown>);
}
