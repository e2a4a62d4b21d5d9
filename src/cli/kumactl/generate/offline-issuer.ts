import { readFile } from 'node:fs/promises';
import { messageOf } from '../../../core/errors.js';
import type { Resource } from '../../../core/resources/resource.js';
import { secretData } from '../../../core/resources/system-types.js';
import {
  createDataplaneTokenIssuer,
  createUserTokenIssuer,
  dataplaneSigningKeyPrefix,
  parseSigningKey,
  signingKeyName,
  USER_TOKEN_SIGNING_KEY_PREFIX,
  type DataplaneIdentity,
  type SecretSource,
  type UserIdentity,
} from '../../../tokens/index.js';
import { CliError } from '../../program.js';

// Offline issuance (`--signing-key-path` + `--kid`): the token library signs with the latest
// signing-key secret of a source, and names the kid after the secret's serial. We hand it a
// one-secret source holding the file's key under the name that kid implies, so tokens are signed
// exactly as the control plane signs them.

async function readKey(path: string): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new CliError(`could not read the signing key file: ${messageOf(err)}`);
  }
  try {
    parseSigningKey(bytes, `the signing key file ${path}`);
  } catch (err) {
    throw new CliError(messageOf(err));
  }
  return bytes;
}

function checkKid(kid: string): void {
  // The library derives kids from secret names `<prefix>-<digits>`; Kuma's own kids are serials too.
  if (!/^[0-9]{1,15}$/.test(kid)) {
    throw new CliError(`--kid must be the serial number of the signing key (digits, e.g. 1 for user-token-signing-key-1), got ${JSON.stringify(kid)}`);
  }
}

function oneSecret(type: string, mesh: string, name: string, key: Uint8Array): Pick<SecretSource, 'list'> {
  const now = new Date();
  const r: Resource = { type, meta: { name, mesh, version: '1', creationTime: now, modificationTime: now, labels: {} }, spec: { data: secretData(key) } };
  return { list: () => Promise.resolve({ items: [r] }) };
}

export async function issueUserTokenOffline(keyPath: string, kid: string, user: UserIdentity, validForMs: number): Promise<string> {
  checkKid(kid);
  const key = await readKey(keyPath);
  const source = oneSecret('GlobalSecret', '', signingKeyName(USER_TOKEN_SIGNING_KEY_PREFIX, kid), key);
  return createUserTokenIssuer(source).issue(user, validForMs);
}

export async function issueDataplaneTokenOffline(keyPath: string, kid: string, id: DataplaneIdentity, validForMs: number): Promise<string> {
  checkKid(kid);
  const key = await readKey(keyPath);
  const source = oneSecret('Secret', id.mesh, signingKeyName(dataplaneSigningKeyPrefix(id.mesh), kid), key);
  return createDataplaneTokenIssuer(source).issue(id, validForMs);
}
