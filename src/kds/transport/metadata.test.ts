import assert from 'node:assert/strict';
import { test } from 'node:test';
import { printableId, readKdsMetadata, tokenOf } from './metadata.js';

test('readKdsMetadata keeps every client-id and authorization value, case-insensitively', () => {
  const md = readKdsMetadata(['Client-Id', 'zone-1', 'authorization', 'a', 'AUTHORIZATION', 'b', 'version', '0.1.0', 'kds-version', 'v3', 'client-id', 'zone-2']);
  assert.deepEqual(md, { clientIds: ['zone-1', 'zone-2'], authorizations: ['a', 'b'], version: '0.1.0', kdsVersion: 'v3' });
  assert.deepEqual(readKdsMetadata([]), { clientIds: [], authorizations: [], version: '', kdsVersion: '' });
});

test('tokenOf accepts a raw JWT or a Bearer one', () => {
  assert.equal(tokenOf('a.b.c'), 'a.b.c');
  assert.equal(tokenOf('Bearer a.b.c'), 'a.b.c');
  assert.equal(tokenOf('  bearer   a.b.c '), 'a.b.c');
});

test('printableId quotes and cuts what could forge log lines', () => {
  assert.equal(printableId('zone-1'), 'zone-1');
  assert.equal(printableId('a\nb'), '"a\\nb"');
  assert.equal(printableId('x'.repeat(100)), `${JSON.stringify('x'.repeat(80))}...`);
});
