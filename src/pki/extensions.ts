/**
 * X.509 v3 extensions, with the criticality Go gives them: key usage and basic constraints critical,
 * subjectAltName critical only when the subject is empty (RFC 5280 §4.2.1.6), the rest not.
 */
import { createHash } from 'node:crypto';
import { TRUE, ia5String, implicitPrimitive, namedBits, octetString, oid, sequence, tlv } from './der.js';
import { parseDer, readBitString, sequenceOf } from './der-reader.js';
import { PkiError } from './errors.js';
import { EXT_KEY_USAGE_OIDS, KEY_USAGE_BITS, OID, type ExtKeyUsage, type KeyUsage } from './oids.js';

export function extension(extOid: string, critical: boolean, value: Uint8Array): Buffer {
  return critical ? sequence(oid(extOid), TRUE, octetString(value)) : sequence(oid(extOid), octetString(value));
}

export function keyUsageExtension(usages: readonly KeyUsage[]): Buffer {
  const bits = usages.map((u) => {
    const bit = KEY_USAGE_BITS.indexOf(u);
    if (bit < 0) throw new PkiError('ERR_PKI_INVALID_ARGUMENT', `unknown key usage "${String(u)}": use one of ${KEY_USAGE_BITS.join(', ')}`);
    return bit;
  });
  return extension(OID.keyUsage, true, namedBits(bits));
}

export function extKeyUsageExtension(ekus: readonly ExtKeyUsage[]): Buffer {
  return extension(
    OID.extKeyUsage,
    false,
    sequence(
      ...ekus.map((e) => {
        const o = EXT_KEY_USAGE_OIDS[e];
        if (o === undefined) throw new PkiError('ERR_PKI_INVALID_ARGUMENT', `unknown extended key usage "${String(e)}": use serverAuth or clientAuth`);
        return oid(o);
      }),
    ),
  );
}

/** basicConstraints, critical; cA=false is the DER default and so encodes as an empty SEQUENCE. */
export const basicConstraintsExtension = (isCa: boolean): Buffer => extension(OID.basicConstraints, true, isCa ? sequence(TRUE) : sequence());

export const subjectKeyIdExtension = (keyId: Uint8Array): Buffer => extension(OID.subjectKeyIdentifier, false, octetString(keyId));

export const authorityKeyIdExtension = (keyId: Uint8Array): Buffer => extension(OID.authorityKeyIdentifier, false, sequence(implicitPrimitive(0, keyId)));

export interface AltNames {
  dnsNames?: readonly string[];
  ipAddresses?: readonly Uint8Array[];
  uris?: readonly string[];
}

/** subjectAltName in Go's order (DNS, IP, URI), or undefined when there are none. */
export function subjectAltNameExtension(names: AltNames, subjectIsEmpty: boolean): Buffer | undefined {
  const parts: Buffer[] = [];
  for (const dns of names.dnsNames ?? []) parts.push(retag(ia5String(dns), 0x82));
  for (const ip of names.ipAddresses ?? []) parts.push(implicitPrimitive(7, ip));
  for (const uri of names.uris ?? []) parts.push(retag(ia5String(uri), 0x86));
  if (parts.length === 0) return undefined;
  return extension(OID.subjectAltName, subjectIsEmpty, sequence(...parts));
}

/** GeneralName choices are IMPLICIT: same contents as the IA5String, different tag. */
function retag(el: Buffer, tag: number): Buffer {
  el[0] = tag;
  return el;
}

/** The `[3] EXPLICIT Extensions` wrapper of a TBSCertificate. */
export const extensionsField = (exts: readonly Uint8Array[]): Buffer => tlv(0xa3, sequence(...exts));

/**
 * The key identifier Go puts in subjectKeyIdentifier (RFC 5280 §4.2.1.2 method 1): SHA-1 of the
 * subjectPublicKey BIT STRING contents of the SPKI.
 */
export function keyIdentifier(spkiDer: Uint8Array): Buffer {
  const [, keyBits] = sequenceOf(parseDer(spkiDer, 'public key'), 'public key');
  return createHash('sha1').update(readBitString(keyBits, 'public key').bytes).digest();
}
