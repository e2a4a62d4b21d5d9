import { readFile } from 'node:fs/promises';
import { messageOf } from '../../../core/errors.js';
import { normalizeTags, parseSigningKey, signTokenWithKey, type DataplaneIdentity, type UserIdentity, type ZoneIdentity } from '../../../tokens/index.js';
import { CliError } from '../../program.js';

// Offline issuance (`--signing-key-path` + `--kid`): the token is signed with the key in the file and
// carries the given kid as is (Kuma accepts any string), with the same claims and time rules the
// control plane uses. The claim names are those of the tokens' ClaimsSchemas (src/tokens).

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

async function sign(keyPath: string, kid: string, claims: Record<string, unknown>, validForMs: number): Promise<string> {
  const key = await readKey(keyPath);
  try {
    return await signTokenWithKey({ key, keyDescription: `the signing key file ${keyPath}`, kid, claims, validForMs });
  } catch (err) {
    throw new CliError(messageOf(err));
  }
}

export function issueUserTokenOffline(keyPath: string, kid: string, user: UserIdentity, validForMs: number): Promise<string> {
  return sign(keyPath, kid, { Name: user.name, Groups: user.groups }, validForMs);
}

export function issueDataplaneTokenOffline(keyPath: string, kid: string, id: DataplaneIdentity, validForMs: number): Promise<string> {
  return sign(keyPath, kid, { Name: id.name, Mesh: id.mesh, Tags: normalizeTags(id.tags), Type: id.type, Workload: id.workload }, validForMs);
}

export function issueZoneTokenOffline(keyPath: string, kid: string, id: ZoneIdentity, validForMs: number): Promise<string> {
  return sign(keyPath, kid, { Zone: id.zone, Scope: id.scope }, validForMs);
}
