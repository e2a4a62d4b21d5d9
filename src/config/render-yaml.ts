/**
 * Renders a schema's defaults as a documented YAML file: every setting with its doc comment, its
 * default and a `# ENV: KUMA_...` comment naming the variable that overrides it.
 */

import { formatGoDuration } from '../core/duration.js';
import type { Field, Section } from './schema.js';

function scalar(field: Field): string {
  switch (field.kind) {
    case 'string':
      return JSON.stringify(field.default);
    case 'int':
    case 'bool':
      return String(field.default);
    case 'duration':
      return JSON.stringify(formatGoDuration(field.default));
    case 'list':
      return `[${field.default.map((s) => JSON.stringify(s)).join(', ')}]`;
    case 'map': {
      const entries = Object.entries(field.default);
      return entries.length === 0 ? '{}' : `{ ${entries.map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(', ')} }`;
    }
    case 'publicKeys':
      return '[]';
  }
}

const comment = (indent: string, text: string): string[] => text.split('\n').map((l) => `${indent}# ${l}`);

export function renderDefaultsYaml(schema: Section, header: readonly string[]): string {
  const lines: string[] = header.map((l) => (l === '' ? '#' : `# ${l}`));
  const walk = (sec: Section, depth: number): void => {
    const indent = '  '.repeat(depth);
    for (const [key, node] of Object.entries(sec.fields)) {
      if (node.kind === 'ignored') {
        lines.push(`${indent}# ${key}: accepted and ignored — ${node.doc.replace(/\.$/, '')}`);
      } else if (node.kind === 'section') {
        lines.push(...comment(indent, node.doc), `${indent}${key}:`);
        walk(node, depth + 1);
      } else {
        const env = node.env === undefined ? 'YAML only (no environment variable)' : `ENV: ${node.env}`;
        lines.push(...comment(indent, node.doc), `${indent}${key}: ${scalar(node)} # ${env}`);
      }
    }
  };
  walk(schema, 0);
  return `${lines.join('\n')}\n`;
}
