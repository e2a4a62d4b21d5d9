import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { fnv64aHex, hashedName, safeEncodeString, splitWireName, wireName } from './naming.js';

// A deliberately naive reference, written from Kuma pkg/kds/hash/hash.go and k8s
// rand.SafeEncodeString: FNV-1a 64 with BigInt, hex, then alphabet[codePoint % 27].
function referenceHashedName(mesh: string, name: string, ...values: string[]): string {
  let h = 0xcbf29ce484222325n;
  for (const b of new TextEncoder().encode([mesh, name, ...values].join(''))) {
    h ^= BigInt(b);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  const hex = h.toString(16).padStart(16, '0');
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  const encoded = [...hex].map((c) => alphabet[c.charCodeAt(0) % alphabet.length]).join('');
  return `${name.length <= 236 ? name : name.slice(0, 236)}-${encoded}`;
}

describe('hashedName (Kuma hash.HashedName)', () => {
  it('matches names in Kuma 2.14 KDS goldens', () => {
    // pkg/kds/context/testdata/full_sync/policy-simple: a global policy on zone-1, a zone-1 policy on global.
    assert.equal(hashedName('default-timeout-global', 'default', ''), 'default-timeout-global-54dbd4c66zwbcf9c');
    assert.equal(hashedName('default-timeout-zone-1', 'default', 'zone-1'), 'default-timeout-zone-1-c58w24w4vw27f454');
    // pkg/kds/context/testdata/full_sync/mesh-service
    assert.equal(hashedName('redis-zone-1', 'default', 'zone-1'), 'redis-zone-1-2v6wfvvcvbc9f55d');
  });

  it('agrees with the naive reference, namespaces included', () => {
    assert.equal(hashedName('web', 'default', 'zone-1', 'kuma-demo'), referenceHashedName('default', 'web', 'zone-1', 'kuma-demo'));
    for (let i = 0; i < 200; i++) {
      const name = randomBytes(1 + (i % 40)).toString('hex');
      const mesh = i % 3 === 0 ? '' : `mesh-${i}`;
      const zone = i % 2 === 0 ? '' : `zone-${i}`;
      assert.equal(hashedName(name, mesh, zone), referenceHashedName(mesh, name, zone), name);
    }
  });

  it('cuts long display names to 236 characters so the result is exactly 253', () => {
    const long = 'a'.repeat(300);
    const n = hashedName(long, 'default', 'zone-1');
    assert.equal(n.length, 253);
    assert.equal(n, referenceHashedName('default', long, 'zone-1'));
    assert.ok(n.startsWith(`${'a'.repeat(236)}-`));
  });

  it('fnv64aHex and safeEncodeString', () => {
    assert.equal(fnv64aHex(new Uint8Array()), 'cbf29ce484222325');
    assert.equal(fnv64aHex(new TextEncoder().encode('a')), 'af63dc4c8601ec8c');
    assert.equal(safeEncodeString('0123456789abcdef'), '456789bcdfvwxz24');
  });
});

describe('wire names', () => {
  it('are <name>.<mesh> and split at the last dot', () => {
    assert.equal(wireName('a.b', 'default'), 'a.b.default');
    assert.deepEqual(splitWireName('a.b.default'), { name: 'a.b', mesh: 'default' });
    assert.equal(wireName('mesh-1', ''), 'mesh-1.');
    assert.deepEqual(splitWireName('mesh-1.'), { name: 'mesh-1', mesh: '' });
    assert.deepEqual(splitWireName('no-dot'), { name: 'no-dot', mesh: '' });
  });
});
