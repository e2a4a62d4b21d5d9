import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readZoneToken } from './token-source.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kuma-ts-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJab25lIjoiYSJ9.c2ln';

test('no token configured: undefined; inline wins; the file is trimmed and re-read every time', async () => {
  assert.equal(await readZoneToken({ tokenPath: '', tokenInline: '' }), undefined);
  assert.equal(await readZoneToken({ tokenPath: '/nope', tokenInline: ` ${JWT}\n` }), JWT);
  const file = join(dir, 'token');
  await writeFile(file, `${JWT}\n`);
  assert.equal(await readZoneToken({ tokenPath: file, tokenInline: '' }), JWT);
  await writeFile(file, `${JWT}x\n`);
  assert.equal(await readZoneToken({ tokenPath: file, tokenInline: '' }), `${JWT}x`);
});

test('missing, empty or non-token files are errors naming the file and setting, never the content', async () => {
  await assert.rejects(readZoneToken({ tokenPath: join(dir, 'missing'), tokenInline: '' }), /cannot read the zone token file .*missing \(multizone\.zone\.kds\.auth\.tokenPath\): it does not exist/);
  const empty = join(dir, 'empty');
  await writeFile(empty, '\n');
  await assert.rejects(readZoneToken({ tokenPath: empty, tokenInline: '' }), /is empty; put the zone token/);
  const junk = join(dir, 'junk');
  await writeFile(junk, 'secret-looking text');
  await assert.rejects(readZoneToken({ tokenPath: junk, tokenInline: '' }), (err: Error) => /does not hold a zone token/.test(err.message) && !err.message.includes('secret-looking'));
});
