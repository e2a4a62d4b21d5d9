/** Distinguished names, written in Go's pkix.Name order (C, ST, L, O, OU, CN), one attribute per RDN. */
import { directoryString, oid, printableString, sequence, set } from './der.js';
import { PkiError } from './errors.js';
import { OID } from './oids.js';

export interface SubjectName {
  country?: string | readonly string[];
  province?: string | readonly string[];
  locality?: string | readonly string[];
  organization?: string | readonly string[];
  organizationalUnit?: string | readonly string[];
  commonName?: string;
}

/** The empty Name (SEQUENCE {}), the subject of Kuma's self-signed and workload certificates. */
export const EMPTY_NAME = sequence();

const FIELDS: readonly [keyof SubjectName, string][] = [
  ['country', OID.country],
  ['province', OID.province],
  ['locality', OID.locality],
  ['organization', OID.organization],
  ['organizationalUnit', OID.organizationalUnit],
  ['commonName', OID.commonName],
];

export function encodeName(subject: SubjectName = {}): Buffer {
  const rdns: Buffer[] = [];
  for (const [field, attrOid] of FIELDS) {
    const raw = subject[field];
    const values = raw === undefined ? [] : typeof raw === 'string' ? [raw] : raw;
    for (const value of values) {
      if (typeof value !== 'string' || value === '') {
        if (field === 'commonName' && value === '') continue; // Go skips an empty CN
        throw new PkiError('ERR_PKI_INVALID_ARGUMENT', `subject ${field} values must be non-empty strings`);
      }
      if (value.length > 64) throw new PkiError('ERR_PKI_INVALID_ARGUMENT', `subject ${field} "${value.slice(0, 20)}…" is longer than 64 characters`);
      // RFC 5280: countryName is a PrintableString of two letters.
      const text = field === 'country' ? printableString(value) : directoryString(value);
      rdns.push(set(sequence(oid(attrOid), text)));
    }
  }
  return sequence(...rdns);
}
