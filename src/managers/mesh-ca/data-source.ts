/**
 * Kuma's DataSource loader (pkg/core/datasource): the bytes of a provided CA's certificate or key,
 * from a Secret in the same mesh, an inline base64 value, an inline string or a file. Failures are
 * `could not load data: <reason>` with Go's wording for file errors, so messages match Kuma's.
 */
import { readFile, stat } from 'node:fs/promises';
import { messageOf } from '../../core/errors.js';
import { has, isProtoBase64, strAt, type JsonObject, type Resource, type ResourceKey } from '../../core/resources/index.js';
import { MeshCaError } from './errors.js';

export interface SecretReader {
  get(key: ResourceKey): Promise<Resource>;
}

/** A CA file larger than this is not a CA file; refusing it keeps a typo from reading gigabytes. */
export const MAX_DATA_SOURCE_BYTES = 1024 * 1024;

/**
 * A Secret's `data` bytes. Node's base64 decoder reads both alphabets proto-JSON allows; it is much
 * faster than core's portable decoder, and CA Secrets are read on every issuance.
 */
export function secretDataBytes(secret: Resource): Buffer {
  const data = secret.spec['data'];
  return typeof data === 'string' ? Buffer.from(data, 'base64') : Buffer.alloc(0);
}

const couldNotLoad = (reason: string, cause?: unknown): MeshCaError =>
  new MeshCaError('ERR_MESH_CA_LOAD', `could not load data: ${reason}`, cause === undefined ? undefined : { cause });

/** Go's *PathError text for the common cases (`open /x: no such file or directory`). */
function fileErrorText(path: string, err: unknown): string {
  const code = (err as { code?: unknown }).code;
  switch (code) {
    case 'ENOENT':
      return `open ${path}: no such file or directory`;
    case 'EACCES':
    case 'EPERM':
      return `open ${path}: permission denied`;
    case 'EISDIR':
      return `read ${path}: is a directory`;
    case 'ENOTDIR':
      return `open ${path}: not a directory`;
    default:
      return `open ${path}: ${messageOf(err)}`;
  }
}

async function loadFile(path: string): Promise<Buffer> {
  try {
    const info = await stat(path);
    if (info.isFile() && info.size > MAX_DATA_SOURCE_BYTES) {
      throw couldNotLoad(`${path} is ${info.size} bytes, more than the ${MAX_DATA_SOURCE_BYTES} a certificate or key file can be: check the path`);
    }
    return await readFile(path);
  } catch (err) {
    if (err instanceof MeshCaError) throw err;
    throw couldNotLoad(fileErrorText(path, err), err);
  }
}

/** The bytes a data source points at; `mesh` is where `secret` names are looked up. */
export async function loadDataSource(source: JsonObject | undefined, mesh: string, secrets: SecretReader): Promise<Buffer> {
  if (has(source, 'secret')) {
    const name = strAt(source, 'secret');
    let secret: Resource;
    try {
      secret = await secrets.get({ type: 'Secret', mesh, name });
    } catch (err) {
      throw couldNotLoad(messageOf(err), err);
    }
    return secretDataBytes(secret);
  }
  if (has(source, 'inline')) {
    const value = strAt(source, 'inline');
    if (!isProtoBase64(value)) throw couldNotLoad('inline is not valid base64');
    return Buffer.from(value, 'base64');
  }
  if (has(source, 'inlineString')) return Buffer.from(strAt(source, 'inlineString'), 'utf8');
  if (has(source, 'file')) return loadFile(strAt(source, 'file'));
  throw new MeshCaError('ERR_MESH_CA_LOAD', 'unsupported type of the DataSource');
}
