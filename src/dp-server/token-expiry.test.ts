import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tokenExpiryMs, whenExpired } from './token-expiry.js';

const jwt = (claims: object): string => `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;

test('reads exp from a JWT; undefined without one or for garbage', () => {
  assert.equal(tokenExpiryMs(jwt({ exp: 1_800_000_000 })), 1_800_000_000_000);
  assert.equal(tokenExpiryMs(jwt({ sub: 'x' })), undefined);
  assert.equal(tokenExpiryMs('not-a-jwt'), undefined);
  assert.equal(tokenExpiryMs('a.%%%.c'), undefined);
});

test('fires once the time passed; far-away expiries are chained, not overflowed', async () => {
  let fired = 0;
  whenExpired(Date.now() - 1, () => fired++);
  assert.equal(fired, 1);
  const cancel = whenExpired(Date.now() + 10 * 365 * 24 * 3600_000, () => fired++);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(fired, 1);
  cancel();
  // The expiry timer is unref'd (it must not keep kuma-cp alive): hold the loop open meanwhile.
  const keepAlive = setTimeout(() => {}, 5000);
  await new Promise<void>((resolve) => whenExpired(Date.now() + 30, resolve));
  clearTimeout(keepAlive);
});
