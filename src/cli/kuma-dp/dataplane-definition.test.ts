import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadKumaDpDefinition } from './dataplane-definition.js';

const TEMPLATE = `type: Dataplane
mesh: default
name: {{ name }}
labels:
  team: "{{ team }}"
  raw: "{{{ team }}}"
networking:
  address: {{ net.address }}
  inbound:
{{#ports}}
    - port: 11011
      servicePort: 11012
      tags:
        kuma.io/service: backend
{{/ports}}
`;

describe('kuma-dp dataplane templates (Kuma renders them with mustache)', () => {
  it('escapes {{ v }} like mustache, keeps {{{ v }}} raw, fills dotted names and sections', async () => {
    const d = await loadKumaDpDefinition('', TEMPLATE, { name: 'example', team: 'a&b', 'net.address': '127.0.0.1', ports: 'yes' });
    assert.ok(d);
    const parsed = JSON.parse(d.json) as { name: string; labels: Record<string, string>; networking: { address: string; inbound: unknown[] } };
    assert.equal(parsed.name, 'example');
    assert.deepEqual(parsed.labels, { team: 'a&amp;b', raw: 'a&b' });
    assert.equal(parsed.networking.address, '127.0.0.1');
    assert.equal(parsed.networking.inbound.length, 1);
  });

  it('a missing variable renders empty; a malformed template names its source and line', async () => {
    await assert.rejects(loadKumaDpDefinition('', TEMPLATE, { 'net.address': '127.0.0.1' }), /has no name \(is a --dataplane-var missing\?\)/);
    await assert.rejects(loadKumaDpDefinition('', 'name: {{#open}}\n', {}), { code: 'ERR_DP_TEMPLATE', message: /^could not render the dataplane definition from --dataplane: line 1: Section open has no closing tag/ });
    await assert.rejects(loadKumaDpDefinition('', '{{> /etc/passwd}}', {}), /partials .* are not supported/);
  });
});
