import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderTemplate } from '../../../core/template/mustache.js';
import { splitYamlDocuments } from './split-yaml.js';

describe('apply --var templates (mustache as hoisie/mustache renders it)', () => {
  const cases: [string, Record<string, string>, string][] = [
    ['address: "{{ address }}"', { address: '1.2.3.4' }, 'address: "1.2.3.4"'],
    ['name: {{name}}\ntype: {{type}}', { name: 'm', type: 'Mesh' }, 'name: m\ntype: Mesh'],
    ['a: {{ var.with.dots }}', { 'var.with.dots': 'x' }, 'a: x'],
    ['a: {{ missing }}', { other: 'x' }, 'a: '],
    ['a: {{ v }} b: {{{ v }}} c: {{& v }}', { v: 'x&<y>"' }, 'a: x&amp;&lt;y&gt;&#34; b: x&<y>" c: x&<y>"'],
    ['{{! comment }}\nkeep: 1\n{{#on}}\nshown: {{ on }}\n{{/on}}\n{{^off}}\ninverted: yes\n{{/off}}\n', { on: 'y' }, 'keep: 1\nshown: y\ninverted: yes\n'],
    ['{{=<% %>=}}\na: <% v %> {{ v }}', { v: '1' }, 'a: 1 {{ v }}'],
  ];
  for (const [tpl, vars, want] of cases) {
    it(JSON.stringify(tpl), () => assert.equal(renderTemplate(tpl, vars), want));
  }
  it('reports malformed templates with the line, and refuses partials', () => {
    assert.throws(() => renderTemplate('a: 1\nb: {{ x', { x: '1' }), /^Error: line 2: unmatched open tag$|line 2: unmatched open tag/);
    assert.throws(() => renderTemplate('{{#a}}\nx', { a: '1' }), /Section a has no closing tag/);
    assert.throws(() => renderTemplate('{{> /etc/passwd }}', { a: '1' }), /partials .* are not supported/);
  });
});

describe('splitting YAML documents as Kuma does', () => {
  it('drops empty and lone-comment documents, keeps "# ---" inside a document', () => {
    const text = '# Just a starting comment\n---\nname: a\n# --- not a separator\ntype: Mesh\n---\n\n---\ntype: Mesh\nname: b\n';
    // Go's regexp and ours agree: the blank line is eaten by the first separator, so the second `---`
    // stays at the start of the last document, where YAML reads it as a document start marker.
    assert.deepEqual(splitYamlDocuments(text), ['name: a\n# --- not a separator\ntype: Mesh', '---\ntype: Mesh\nname: b']);
  });
});
