/**
 * The subset of mustache that `kumactl apply --var` and kuma-dp's `--dataplane-var` render with (Kuma
 * uses hoisie/mustache for both):
 * `{{ name }}` (HTML-escaped, as mustache does), `{{{ name }}}` and `{{& name }}` (raw), dotted
 * names (`--var a.b=x` fills `{{ a.b }}`), sections `{{#n}}…{{/n}}` and inverted sections
 * `{{^n}}…{{/n}}`, comments `{{! … }}` and delimiter changes `{{=<% %>=}}`. Unknown names render
 * as nothing. Partials (`{{> file }}`) are refused: in hoisie/mustache they read arbitrary files.
 * Tags alone on their line (sections, comments, delimiters) remove that line, as the spec says.
 */
import { KumaError } from '../errors.js';

export class TemplateError extends KumaError {
  constructor(line: number, message: string) {
    super('ERR_TEMPLATE', `line ${line}: ${message}`);
  }
}

type Value = string | Context;
interface Context {
  [key: string]: Value;
}

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'var'; name: string; raw: boolean }
  | { kind: 'section'; name: string; inverted: boolean; children: Node[] };

/** `--var a.b=x` becomes {a: {b: "x"}} (later keys win). */
export function contextFromVars(vars: Readonly<Record<string, string>>): Context {
  const ctx: Context = {};
  for (const [key, value] of Object.entries(vars)) {
    const parts = key.split('.');
    let at: Context = ctx;
    for (const p of parts.slice(0, -1)) {
      const next = at[p];
      if (typeof next === 'object') at = next;
      else at = at[p] = {};
    }
    at[parts[parts.length - 1] ?? ''] = value;
  }
  return ctx;
}

// Go's html/template.HTMLEscape
const ESCAPES: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&#39;', '"': '&#34;', '\0': '\uFFFD' };
const htmlEscape = (s: string): string => s.replace(/[<>&'"\0]/g, (c) => ESCAPES[c] ?? c);

function parse(template: string): Node[] {
  let open = '{{';
  let close = '}}';
  let pos = 0;
  const root: Node[] = [];
  const stack: { name: string; children: Node[]; line: number }[] = [];
  const lineAt = (i: number): number => template.slice(0, i).split('\n').length;
  const current = (): Node[] => stack[stack.length - 1]?.children ?? root;

  while (pos < template.length) {
    const start = template.indexOf(open, pos);
    if (start < 0) {
      current().push({ kind: 'text', text: template.slice(pos) });
      break;
    }
    let text = template.slice(pos, start);
    const triple = open === '{{' && template[start + open.length] === '{';
    const closer = triple ? `}${close}` : close;
    const end = template.indexOf(closer, start + open.length);
    if (end < 0) throw new TemplateError(lineAt(start), 'unmatched open tag');
    const inner = template.slice(start + open.length + (triple ? 1 : 0), end).trim();
    let after = end + closer.length;
    if (inner === '') throw new TemplateError(lineAt(start), 'empty tag');
    const sigil = triple ? '{' : inner[0];
    // A section/comment/delimiter tag alone on its line takes the line with it.
    const standaloneKinds = '#^/!=';
    if (!triple && standaloneKinds.includes(sigil ?? '')) {
      const lineStart = template.lastIndexOf('\n', start - 1) + 1;
      const restEnd = template.indexOf('\n', after);
      const rest = template.slice(after, restEnd < 0 ? template.length : restEnd);
      if (lineStart >= pos && /^[ \t]*$/.test(template.slice(lineStart, start)) && /^[ \t\r]*$/.test(rest)) {
        text = template.slice(pos, lineStart);
        after = restEnd < 0 ? template.length : restEnd + 1;
      }
    }
    if (text !== '') current().push({ kind: 'text', text });
    pos = after;
    switch (sigil) {
      case '!':
        break;
      case '#':
      case '^': {
        const node: Node = { kind: 'section', name: inner.slice(1).trim(), inverted: sigil === '^', children: [] };
        current().push(node);
        stack.push({ name: node.name, children: node.children, line: lineAt(start) });
        break;
      }
      case '/': {
        const name = inner.slice(1).trim();
        const top = stack.pop();
        if (!top) throw new TemplateError(lineAt(start), 'unmatched close tag');
        if (top.name !== name) throw new TemplateError(lineAt(start), `interleaved closing tag: ${name}`);
        break;
      }
      case '>':
        throw new TemplateError(lineAt(start), `partials ({{> ${inner.slice(1).trim()}}}) are not supported`);
      case '=': {
        if (!inner.endsWith('=')) throw new TemplateError(lineAt(start), 'Invalid meta tag');
        const tags = inner.slice(1, -1).trim().split(/\s+/);
        if (tags.length === 2 && tags[0] && tags[1]) [open, close] = [tags[0], tags[1]];
        break;
      }
      case '{':
        current().push({ kind: 'var', name: inner.trim(), raw: true });
        break;
      case '&':
        current().push({ kind: 'var', name: inner.slice(1).trim(), raw: true });
        break;
      default:
        current().push({ kind: 'var', name: inner, raw: false });
    }
  }
  const unclosed = stack.pop();
  if (unclosed) throw new TemplateError(unclosed.line, `Section ${unclosed.name} has no closing tag`);
  return root;
}

function lookup(chain: readonly Context[], name: string): Value | undefined {
  if (name !== '.' && name.includes('.')) {
    const [head, rest] = [name.slice(0, name.indexOf('.')), name.slice(name.indexOf('.') + 1)];
    const v = lookup(chain, head);
    return typeof v === 'object' ? lookup([v], rest) : undefined;
  }
  for (const ctx of chain) if (Object.hasOwn(ctx, name)) return ctx[name];
  return undefined;
}

function render(nodes: readonly Node[], chain: readonly Context[]): string {
  let out = '';
  for (const n of nodes) {
    if (n.kind === 'text') out += n.text;
    else if (n.kind === 'var') {
      const v = lookup(chain, n.name);
      if (typeof v === 'string') out += n.raw ? v : htmlEscape(v);
      else if (v !== undefined) out += '[object]';
    } else {
      const v = lookup(chain, n.name);
      const present = v !== undefined; // mustache: any defined string is truthy, even ""
      if (present === n.inverted) continue;
      out += render(n.children, typeof v === 'object' && !n.inverted ? [v, ...chain] : chain);
    }
  }
  return out;
}

/** Renders `template` with `vars`; TemplateError (with the line) on a malformed template. */
export function renderTemplate(template: string, vars: Readonly<Record<string, string>>): string {
  return render(parse(template), [contextFromVars(vars)]);
}
