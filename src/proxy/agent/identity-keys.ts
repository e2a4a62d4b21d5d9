/**
 * The proxy's identity key and its certificate request. The key is ECDSA P-256, generated off the
 * event loop, and never leaves this process: the control plane gets a PKCS#10 request asking for
 * exactly the Dataplane's identity URI SANs (the same rule the control plane checks it with,
 * src/core/identity). A renewal makes a new key; the old one stays in use until the certificate for
 * the new one arrives, so a lost answer never leaves the proxy with a key and no certificate.
 */
import type { KeyObject } from 'node:crypto';
import { messageOf } from '../../core/errors.js';
import { dataplaneIdentity } from '../../core/identity/entitlement.js';
import type { JsonObject } from '../../core/resources/index.js';
import { createCsr, generateKeyPair, spkiOf } from '../../pki/index.js';
import { AgentError } from './errors.js';

export interface IdentityKey {
  privateKey: KeyObject;
  csrPem: string;
  /** The URI SANs the request asks for. */
  uris: readonly string[];
  /** SubjectPublicKeyInfo (DER) of the key: tells which key a certificate is for. */
  spki: Buffer;
}

/** The identity URI SANs of the Dataplane in `dataplaneJson` (Kuma's REST form). */
export function identityUrisOf(dataplaneJson: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(dataplaneJson);
  } catch (err) {
    throw new AgentError('ERR_DP_IDENTITY', `the Dataplane from the control plane is not JSON: ${messageOf(err)}`);
  }
  const dp = parsed as JsonObject & { name?: unknown; mesh?: unknown; labels?: unknown };
  const labels = typeof dp.labels === 'object' && dp.labels !== null ? (dp.labels as Record<string, string>) : {};
  try {
    return dataplaneIdentity({ meta: { name: String(dp.name ?? ''), mesh: String(dp.mesh ?? ''), labels }, spec: dp }).uris;
  } catch (err) {
    throw new AgentError('ERR_DP_IDENTITY', messageOf(err));
  }
}

export async function newIdentityKey(uris: readonly string[]): Promise<IdentityKey> {
  const keyPair = await generateKeyPair('ecdsa');
  const { csrPem } = createCsr({ keyPair, uriSans: uris });
  return { privateKey: keyPair.privateKey, csrPem, uris: [...uris], spki: spkiOf(keyPair.publicKey) };
}
