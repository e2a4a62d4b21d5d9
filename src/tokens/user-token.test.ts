import assert from 'node:assert/strict';
import { createHmac, createPrivateKey, generateKeyPairSync, sign as cryptoSign } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { secretData } from '../core/resources/system-types.js';
import { MemoryResourceStore } from '../store/memory/memory-store.js';
import { newSigningKeyPem, publicKeyPemOf } from './signing-keys.js';
import { SecretCache } from './secret-cache.js';
import { loadStaticPublicKeys } from './static-keys.js';
import { createUserTokenIssuer, createUserTokenValidator } from './user-token.js';

const enc = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
const MEMORY_PREFIX = "could not parse token. kuma-cp runs with an in-memory database and its state isn't preserved between restarts. Keep in mind that an in-memory database cannot be used with multiple instances of the control plane: ";

let key1: Uint8Array;
let key2: Uint8Array;

before(async () => {
  [key1, key2] = await Promise.all([newSigningKeyPem(), newSigningKeyPem()]);
});

async function setup(opts: { inMemoryStore?: boolean; now?: () => number } = {}) {
  const store = new MemoryResourceStore();
  const put = (name: string, data: Uint8Array | string) =>
    store.create({ type: 'GlobalSecret', meta: { name, mesh: '' }, spec: { data: secretData(typeof data === 'string' ? new TextEncoder().encode(data) : data) } });
  const cache = new SecretCache(store);
  const issuer = createUserTokenIssuer(store, opts.now ? { now: opts.now } : {});
  const validator = createUserTokenValidator(cache, { inMemoryStore: opts.inMemoryStore ?? true, ...(opts.now ? { now: opts.now } : {}) });
  after(() => cache.close());
  return { store, put, cache, issuer, validator };
}

/** A token with arbitrary header/payload signed RS256 by `pem` (or unsigned with `sig`). */
function craft(header: object, payload: object, pem?: Uint8Array, sig?: string): string {
  const input = `${enc(header)}.${enc(payload)}`;
  const s = sig ?? (pem ? cryptoSign('sha256', Buffer.from(input), createPrivateKey(Buffer.from(pem))).toString('base64url') : '');
  return `${input}.${s}`;
}

const DAY = 24 * 3600 * 1000;

describe('user tokens: format', () => {
  it('has Kuma header and claims, jti uuid v4, iat=nbf=now-5s, exp=now+validFor', async () => {
    const now = 1_700_000_000_000;
    const { put, issuer, validator } = await setup({ now: () => now });
    await put('user-token-signing-key-1', key1);
    const token = await issuer.issue({ name: 'john', groups: ['team-a'] }, 60_000);
    const [h = '', p = ''] = token.split('.');
    assert.equal(Buffer.from(h, 'base64url').toString(), '{"alg":"RS256","kid":"1","typ":"JWT"}');
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    assert.deepEqual(Object.keys(payload), ['Name', 'Groups', 'exp', 'nbf', 'iat', 'jti']);
    assert.equal(payload.iat, now / 1000 - 5);
    assert.equal(payload.nbf, now / 1000 - 5);
    assert.equal(payload.exp, now / 1000 + 60);
    assert.match(payload.jti, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.deepEqual(await validator.validate(token), { name: 'john', groups: ['team-a'] });
  });

  it('fails to issue without a signing key, with Kuma text', async () => {
    const { issuer } = await setup();
    await assert.rejects(issuer.issue({ name: 'a', groups: [] }, DAY), {
      code: 'ERR_TOKEN_SIGNING_KEY_NOT_FOUND',
      message: 'there is no signing key with KID 1. GlobalSecret of name "user-token-signing-key-1" is not found. If signing key was rotated, regenerate the token',
    });
  });

  it('refuses to issue when the issuer is disabled', async () => {
    const store = new MemoryResourceStore();
    await assert.rejects(createUserTokenIssuer(store, { enabled: false }).issue({ name: 'a', groups: [] }, DAY), {
      code: 'ERR_TOKEN_ISSUER_DISABLED',
      message: 'issuing tokens using the control plane is disabled.',
    });
  });
});

describe('user tokens: rotation and key cache (§8.12)', () => {
  it('signs with the highest serial; old tokens valid until their key is deleted', async () => {
    const { store, put, issuer, validator } = await setup();
    await put('user-token-signing-key-1', key1);
    const token1 = await issuer.issue({ name: 'a', groups: [] }, DAY);
    await validator.validate(token1);
    await put('user-token-signing-key-2', key2);
    await tick();
    const token2 = await issuer.issue({ name: 'b', groups: [] }, DAY);
    assert.equal(JSON.parse(Buffer.from(token2.split('.')[0] ?? '', 'base64url').toString()).kid, '2');
    await validator.validate(token1);
    await validator.validate(token2);
    await store.delete({ type: 'GlobalSecret', mesh: '', name: 'user-token-signing-key-1' });
    await tick();
    await assert.rejects(validator.validate(token1), {
      code: 'ERR_TOKEN_SIGNING_KEY_NOT_FOUND',
      message: 'there is no signing key with KID 1. GlobalSecret of name "user-token-signing-key-1" is not found. If signing key was rotated, regenerate the token',
    });
    await validator.validate(token2);
  });

  it('a key added after a failed lookup is found (negative entry invalidated)', async () => {
    const { store, put, validator } = await setup();
    const token = craft({ alg: 'RS256', kid: '7', typ: 'JWT' }, { Name: 'x', exp: Date.now() / 1000 + 60 }, key1);
    await assert.rejects(validator.validate(token), { code: 'ERR_TOKEN_SIGNING_KEY_NOT_FOUND' });
    await put('user-token-signing-key-7', key1);
    await tick();
    assert.equal((await validator.validate(token)).name, 'x');
    // Replaced by a different key: the cached verification must not survive.
    await store.delete({ type: 'GlobalSecret', mesh: '', name: 'user-token-signing-key-7' });
    await put('user-token-signing-key-7', key2);
    await tick();
    await assert.rejects(validator.validate(token), { message: `${MEMORY_PREFIX}token signature is invalid: crypto/rsa: verification error` });
  });

  it('kid 0 is the legacy bare-prefix key', async () => {
    const { put, validator } = await setup();
    await put('user-token-signing-key', key1);
    const token = craft({ alg: 'RS256', kid: '0', typ: 'JWT' }, { Name: 'legacy' }, key1);
    assert.equal((await validator.validate(token)).name, 'legacy');
  });

  it('a zero-padded key name is usable (kid is the written suffix)', async () => {
    const { put, issuer, validator } = await setup();
    await put('user-token-signing-key-1', key1);
    await put('user-token-signing-key-0002', key2);
    const token = await issuer.issue({ name: 'p', groups: [] }, DAY);
    assert.equal(JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString()).kid, '0002');
    assert.equal((await validator.validate(token)).name, 'p');
  });
});

describe('user tokens: time claims (§8.13)', () => {
  it('expires; nbf in the future gives the valid_from text', async () => {
    let now = 1_700_000_000_000;
    const { put, issuer, validator } = await setup({ now: () => now });
    await put('user-token-signing-key-1', key1);
    const token = await issuer.issue({ name: 'a', groups: [] }, 60_000);
    now += 61_000;
    await assert.rejects(validator.validate(token), { code: 'ERR_TOKEN_EXPIRED', message: `${MEMORY_PREFIX}token has invalid claims: token is expired` });
    now -= 61_000 + 3600_000;
    await assert.rejects(validator.validate(token), {
      code: 'ERR_TOKEN_NOT_YET_VALID',
      message:
        "token is not yet valid: 'valid_from' date is in the future. Check if the system clock on the instance that issued the token is set correctly: token has invalid claims: token is not valid yet",
    });
  });

  it('without the memory store the prefix is "could not parse token"', async () => {
    let now = 1_700_000_000_000;
    const { put, issuer, validator } = await setup({ inMemoryStore: false, now: () => now });
    await put('user-token-signing-key-1', key1);
    const token = await issuer.issue({ name: 'a', groups: [] }, 1000);
    now += 10_000;
    await assert.rejects(validator.validate(token), { message: 'could not parse token: token has invalid claims: token is expired' });
    await assert.rejects(validator.validate('garbage'), { message: 'could not parse token: token is malformed: token contains an invalid number of segments' });
  });
});

describe('user tokens: revocation (§8.14)', () => {
  it('a jti listed in user-token-revocations is revoked (trailing newline ignored)', async () => {
    const { store, put, issuer, validator } = await setup();
    await put('user-token-signing-key-1', key1);
    const token = await issuer.issue({ name: 'a', groups: [] }, DAY);
    const jti = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()).jti as string;
    await validator.validate(token);
    await put('user-token-revocations', `other,${jti}\n`);
    await tick();
    await assert.rejects(validator.validate(token), { code: 'ERR_TOKEN_REVOKED', message: 'token is revoked' });
    await store.delete({ type: 'GlobalSecret', mesh: '', name: 'user-token-revocations' });
    await tick();
    await validator.validate(token);
  });
});

describe('user tokens: hostile input', () => {
  let ctx: Awaited<ReturnType<typeof setup>>;
  let good: string;
  before(async () => {
    ctx = await setup();
    await ctx.put('user-token-signing-key-1', key1);
    good = await ctx.issuer.issue({ name: 'user', groups: ['g'] }, DAY);
  });
  const exp = () => Math.floor(Date.now() / 1000) + 600;

  it('numeric kid: no crash, Kuma text (§8.15)', async () => {
    const token = craft({ alg: 'HS256', typ: 'JWT', kid: 1337 }, { Name: 'x' }, undefined, 'c2ln');
    await assert.rejects(ctx.validator.validate(token), { message: `${MEMORY_PREFIX}token is unverifiable: error while executing keyfunc: JWT token kid header must be a string` });
  });

  it('missing kid', async () => {
    await assert.rejects(ctx.validator.validate(craft({ alg: 'RS256', typ: 'JWT' }, { Name: 'x' }, key1)), /JWT token must have kid header$/);
  });

  it('alg none', async () => {
    const token = craft({ alg: 'none', typ: 'JWT', kid: '1' }, { Name: 'admin', exp: exp() }, undefined, '');
    await assert.rejects(ctx.validator.validate(token), { message: `${MEMORY_PREFIX}token is unverifiable: error while executing keyfunc: unsupported token alg none. Allowed algorithm is RS256` });
  });

  it('HS256 signed with the RSA public key bytes as HMAC secret', async () => {
    const pubPem = publicKeyPemOf(key1);
    const input = `${enc({ alg: 'HS256', typ: 'JWT', kid: '1' })}.${enc({ Name: 'mesh-system:admin', Groups: ['mesh-system:admin'], exp: exp() })}`;
    const token = `${input}.${createHmac('sha256', pubPem).update(input).digest('base64url')}`;
    await assert.rejects(ctx.validator.validate(token), /unsupported token alg HS256\. Allowed algorithm is RS256$/);
  });

  it('RS512 with the right key is still refused', async () => {
    const input = `${enc({ alg: 'RS512', typ: 'JWT', kid: '1' })}.${enc({ Name: 'x', exp: exp() })}`;
    const token = `${input}.${cryptoSign('sha512', Buffer.from(input), createPrivateKey(Buffer.from(key1))).toString('base64url')}`;
    await assert.rejects(ctx.validator.validate(token), /unsupported token alg RS512\. Allowed algorithm is RS256$/);
  });

  it('tampered payload', async () => {
    const [h, , s] = good.split('.');
    const token = `${h}.${enc({ Name: 'mesh-system:admin', Groups: ['mesh-system:admin'], exp: exp() })}.${s}`;
    await assert.rejects(ctx.validator.validate(token), { code: 'ERR_TOKEN_BAD_SIGNATURE', message: `${MEMORY_PREFIX}token signature is invalid: crypto/rsa: verification error` });
  });

  it('truncated token, empty token, junk', async () => {
    await assert.rejects(ctx.validator.validate(good.slice(0, good.lastIndexOf('.'))), { message: `${MEMORY_PREFIX}token is malformed: token contains an invalid number of segments` });
    await assert.rejects(ctx.validator.validate(good.slice(0, -10)), { code: 'ERR_TOKEN_BAD_SIGNATURE' });
    await assert.rejects(ctx.validator.validate(''), { message: `${MEMORY_PREFIX}token is malformed: token contains an invalid number of segments` });
    await assert.rejects(ctx.validator.validate('a.b.c'), { code: 'ERR_TOKEN_MALFORMED' });
    await assert.rejects(ctx.validator.validate('x'.repeat(100_000)), { code: 'ERR_TOKEN_MALFORMED' });
    await assert.rejects(ctx.validator.validate(`${enc([1])}.${enc({})}.`), /could not JSON decode header/);
    await assert.rejects(ctx.validator.validate(craft({ alg: 'RS256', kid: '1' }, { Name: 5 }, key1)), /cannot unmarshal number into Go struct field UserClaims.Name of type string$/);
  });

  it('surrounding whitespace is ignored; whitespace inside is malformed', async () => {
    assert.equal((await ctx.validator.validate(`  ${good}\n`)).name, 'user');
    const [h, p, s] = good.split('.');
    await assert.rejects(ctx.validator.validate(`${h}.\n${p}.${s}`), /token is malformed: could not base64 decode claim: illegal base64 data at input byte 0$/);
    await assert.rejects(ctx.validator.validate(`${h}.${p?.slice(0, 20)}\n${p?.slice(20)}.${s}`), { code: 'ERR_TOKEN_MALFORMED' });
  });

  it('claim names are matched case-insensitively, as Go does', async () => {
    const token = craft({ alg: 'RS256', kid: '1' }, { name: 'lower', groups: ['g1'] }, key1);
    assert.deepEqual(await ctx.validator.validate(token), { name: 'lower', groups: ['g1'] });
  });
});

describe('static public keys', () => {
  it('PKCS#1 and PKIX keys are checked first; wrong kid falls through to secrets', async () => {
    const { createPublicKey } = await import('node:crypto');
    const pub = createPublicKey(createPrivateKey(Buffer.from(key2)));
    const pkcs1 = pub.export({ type: 'pkcs1', format: 'pem' }) as string;
    const spki = pub.export({ type: 'spki', format: 'pem' }) as string;
    const keys = await loadStaticPublicKeys([
      { kid: 'static-1', key: pkcs1 },
      { kid: 'static-2', key: spki },
      { kid: '1', key: pkcs1 }, // shadows the secret with kid 1
    ]);
    const { put, cache } = await setup();
    await put('user-token-signing-key-1', key1);
    const validator = createUserTokenValidator(cache, { publicKeys: keys, inMemoryStore: true });
    for (const kid of ['static-1', 'static-2', '1']) {
      assert.equal((await validator.validate(craft({ alg: 'RS256', kid }, { Name: kid }, key2))).name, kid);
    }
    // kid 1 signed by the secret's key: the static key wins and the signature fails.
    await assert.rejects(validator.validate(craft({ alg: 'RS256', kid: '1' }, { Name: 'x' }, key1)), { code: 'ERR_TOKEN_BAD_SIGNATURE' });
    await assert.rejects(validator.validate(craft({ alg: 'RS256', kid: 'nope' }, { Name: 'x' }, key2)), {
      message: 'there is no signing key with KID nope. GlobalSecret of name "user-token-signing-key-nope" is not found. If signing key was rotated, regenerate the token',
    });
    const staticOnly = createUserTokenValidator(cache, { publicKeys: keys, useSecrets: false });
    await assert.rejects(staticOnly.validate(craft({ alg: 'RS256', kid: '9' }, { Name: 'x' }, key2)), {
      message: "there is no signing key with KID 9. No public key with this KID is configured in the validator's publicKeys. If signing key was rotated, regenerate the token",
    });
  });

  it('non-RSA, non-PEM and missing keys are clear startup errors', async () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ type: 'spki', format: 'pem' }) as string;
    await assert.rejects(loadStaticPublicKeys([{ kid: 'e', key: ec }], 'apiServer.authn.tokens.validator.publicKeys'), {
      code: 'ERR_TOKEN_STATIC_KEY',
      message: 'apiServer.authn.tokens.validator.publicKeys[0] (kid "e"): the key is a ec key: token signing keys must be RSA (RS256)',
    });
    await assert.rejects(loadStaticPublicKeys([{ kid: 'x', key: 'not a pem' }]), { code: 'ERR_TOKEN_STATIC_KEY', message: /the key is not PEM/ });
    await assert.rejects(loadStaticPublicKeys([{ kid: 'x', keyFile: '/nonexistent/key.pem' }]), { code: 'ERR_TOKEN_STATIC_KEY', message: /could not read keyFile/ });
    await assert.rejects(loadStaticPublicKeys([{ kid: 'x' }]), { message: /either key or keyFile has to be defined/ });
  });
});
