import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyHosts, dnsNameProblem, formatIp, parseIp } from './hosts.js';

describe('hosts', () => {
  it('parseIp accepts what Go\'s net.ParseIP accepts', () => {
    const ok: [string, string][] = [
      ['127.0.0.1', '7f000001'],
      ['0.0.0.0', '00000000'],
      ['255.255.255.255', 'ffffffff'],
      ['::1', `${'00'.repeat(15)}01`],
      ['::', '00'.repeat(16)],
      ['fd00:a123::1', `fd00a123${'00'.repeat(11)}01`],
      ['2001:db8:0:0:0:0:2:1', '20010db8000000000000000000020001'],
      ['::ffff:10.0.0.1', '00000000000000000000ffff0a000001'],
      ['1:2:3:4:5:6:7::', '00010002000300040005000600070000'],
      ['FE80::1', `fe80${'00'.repeat(13)}01`],
    ];
    for (const [text, hex] of ok) assert.equal(parseIp(text)?.toString('hex'), hex, text);
    for (const bad of ['1.2.3', '1.2.3.4.5', '256.0.0.1', '01.2.3.4', '1.2.3.04', 'fe80::1%eth0', '1::2::3', ':::', 'localhost', '', '1:2:3:4:5:6:7:8:9', 'g::1', '::1.2.3']) {
      assert.equal(parseIp(bad), undefined, bad);
    }
  });

  it('formatIp compresses the longest zero run (RFC 5952)', () => {
    const f = (t: string): string => formatIp(parseIp(t) as Buffer);
    assert.equal(f('10.1.2.3'), '10.1.2.3');
    assert.equal(f('::1'), '::1');
    assert.equal(f('::'), '::');
    assert.equal(f('2001:db8:0:0:1:0:0:1'), '2001:db8::1:0:0:1');
    assert.equal(f('2001:db8:0:1:1:1:1:1'), '2001:db8:0:1:1:1:1:1');
    assert.equal(f('fd00:0:0:0:0:0:0:0'), 'fd00::');
  });

  it('dnsNameProblem', () => {
    for (const ok of ['localhost', 'a', 'cp.example.com', '*.example.com', 'x_y.example', 'a-b.c', `${'a'.repeat(63)}.b`, '123.example']) {
      assert.equal(dnsNameProblem(ok), undefined, ok);
    }
    assert.match(dnsNameProblem(`${'a.'.repeat(127)}ab`) ?? '', /at most 253/);
    assert.match(dnsNameProblem('a-.b') ?? '', /must not start or end/);
    assert.match(dnsNameProblem('*.*.b') ?? '', /wildcard/);
    assert.match(dnsNameProblem('.a') ?? '', /empty label/);
  });

  it('classifyHosts splits IPs from names, keeping order', () => {
    const { dnsNames, ipAddresses } = classifyHosts(['b', '10.0.0.1', 'a', '::1']);
    assert.deepEqual(dnsNames, ['b', 'a']);
    assert.deepEqual(ipAddresses.map(formatIp), ['10.0.0.1', '::1']);
  });
});
