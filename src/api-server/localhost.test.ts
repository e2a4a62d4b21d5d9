import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDirectLoopbackRequest, isLoopbackHost } from './localhost.js';

// Kuma pkg/api-server/authn/localhost_test.go (spec security §8 item 20), row for row.
const host = (remote: string, hostHeader: string, origin: string, extra: Record<string, string> = {}) => {
  const headers: Record<string, string> = { host: hostHeader, ...extra };
  if (origin !== '') headers['origin'] = origin;
  return isDirectLoopbackRequest({ remoteAddress: remote.replace(/^\[?([^\]]*)\]?:\d+$/, '$1'), headers });
};

describe('localhostIsAdmin', () => {
  const admin: [string, string, string, string, Record<string, string>?][] = [
    ['direct loopback IPv4, no Origin', '127.0.0.1:54321', 'localhost:5681', ''],
    ['direct loopback IPv6, no Origin', '[::1]:54321', 'localhost:5681', ''],
    ['IPv6 Host without explicit port', '[::1]:54321', '[::1]', ''],
    ['same-origin http://localhost', '127.0.0.1:54321', 'localhost:5681', 'http://localhost:5681'],
    ['same-origin http://127.0.0.1', '127.0.0.1:54321', '127.0.0.1:5681', 'http://127.0.0.1:5681'],
    ['same-origin Host case', '127.0.0.1:54321', 'LOCALHOST:5681', 'http://localhost:5681'],
    ['implicit HTTP default port', '127.0.0.1:54321', 'localhost:80', 'http://localhost'],
    ['implicit HTTPS default port', '127.0.0.1:54321', 'localhost:443', 'https://localhost'],
    ['explicit origin HTTP default port', '127.0.0.1:54321', 'localhost', 'http://localhost:80'],
    ['bracketed IPv6 default port', '[::1]:54321', '[::1]:80', 'http://[::1]'],
    ['bracketed IPv6 explicit origin default port', '[::1]:54321', '[::1]', 'http://[::1]:80'],
    ['same-origin fetch metadata', '127.0.0.1:54321', 'localhost:5681', '', { 'sec-fetch-site': 'same-origin' }],
    ['user-initiated fetch metadata', '127.0.0.1:54321', 'localhost:5681', '', { 'sec-fetch-site': 'none' }],
    ['IPv4-mapped IPv6 peer (dual-stack listener)', '[::ffff:127.0.0.1]:54321', 'localhost:5681', ''],
  ];
  const notAdmin: [string, string, string, string, Record<string, string>?][] = [
    ['cross-origin evil.com', '127.0.0.1:54321', 'localhost:5681', 'https://evil.com'],
    ['cross-site browser request without Origin', '127.0.0.1:54321', 'localhost:5681', '', { 'sec-fetch-site': 'cross-site' }],
    ['same-site browser request without Origin', '127.0.0.1:54321', 'localhost:5681', '', { 'sec-fetch-site': 'same-site' }],
    ['local app on a different port', '127.0.0.1:54321', 'localhost:5681', 'http://127.0.0.1:3000'],
    ['implicit HTTP default port to non-default request port', '127.0.0.1:54321', 'localhost:5681', 'http://localhost'],
    ['implicit HTTPS default port to non-default request port', '127.0.0.1:54321', 'localhost:5682', 'https://localhost'],
    ['explicit non-default origin port to implicit request port', '127.0.0.1:54321', 'localhost', 'http://localhost:5681'],
    ['X-Forwarded-For', '127.0.0.1:54321', 'localhost:5681', '', { 'x-forwarded-for': '1.2.3.4' }],
    ['Forwarded', '127.0.0.1:54321', 'localhost:5681', '', { forwarded: 'for=1.2.3.4' }],
    ['X-Real-IP', '127.0.0.1:54321', 'localhost:5681', '', { 'x-real-ip': '1.2.3.4' }],
    ['empty X-Forwarded-For still counts', '127.0.0.1:54321', 'localhost:5681', '', { 'x-forwarded-for': '' }],
    ['non-loopback Host', '127.0.0.1:54321', 'api.example.com', ''],
    ['malformed bracketed IPv6 Host', '[::1]:54321', '[::1', ''],
    ['malformed Host port', '127.0.0.1:54321', 'localhost:bad', ''],
    ['empty Host port', '127.0.0.1:54321', 'localhost:', ''],
    ['no Host', '127.0.0.1:54321', '', ''],
    ['Origin: null', '127.0.0.1:54321', 'localhost:5681', 'null'],
    ['malformed Origin', '127.0.0.1:54321', 'localhost:5681', 'not-a-url'],
    ['malformed Origin port', '127.0.0.1:54321', 'localhost:5681', 'http://localhost:bad'],
    ['Origin with path', '127.0.0.1:54321', 'localhost:5681', 'http://localhost:5681/path'],
    ['Origin with query', '127.0.0.1:54321', 'localhost:5681', 'http://localhost:5681?x=1'],
    ['Origin with userinfo', '127.0.0.1:54321', 'localhost:5681', 'http://user@localhost:5681'],
    ['Origin with another scheme', '127.0.0.1:54321', 'localhost:5681', 'ftp://localhost:5681'],
    ['remote RemoteAddr', '203.0.113.1:54321', 'localhost:5681', ''],
    ['Host with userinfo', '127.0.0.1:54321', 'user@localhost:5681', ''],
    ['Host port out of range', '127.0.0.1:54321', 'localhost:70000', ''],
  ];
  for (const [name, remote, h, origin, extra] of admin) it(`admin: ${name}`, () => assert.equal(host(remote, h, origin, extra), true));
  for (const [name, remote, h, origin, extra] of notAdmin) it(`not admin: ${name}`, () => assert.equal(host(remote, h, origin, extra), false));

  it('loopback hosts', () => {
    for (const h of ['localhost', 'LOCALHOST.', '127.0.0.1', '127.9.8.7', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1']) assert.equal(isLoopbackHost(h), true, h);
    for (const h of ['10.0.0.1', '::2', 'localhost.evil.com', '127.1', '', '::ffff:10.0.0.1']) assert.equal(isLoopbackHost(h), false, h);
  });
});
