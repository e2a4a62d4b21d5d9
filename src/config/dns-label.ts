/**
 * RFC 1035 label check with the texts of Kubernetes' IsDNS1035Label, which Kuma uses for zone names
 * (the double space in "'my-name',  or" is theirs).
 */

const DNS1035_FMT = '[a-z]([-a-z0-9]*[a-z0-9])?';
const DNS1035_RE = new RegExp(`^${DNS1035_FMT}$`);
const MAX_LENGTH = 63;

export const DNS1035_REGEX_MESSAGE =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, " +
  `and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '${DNS1035_FMT}')`;

/** The violations of `value` (empty when it is a valid label). */
export function dns1035LabelViolations(value: string): string[] {
  const errs: string[] = [];
  if (Buffer.byteLength(value, 'utf8') > MAX_LENGTH) errs.push(`must be no more than ${MAX_LENGTH} characters`);
  if (!DNS1035_RE.test(value)) errs.push(DNS1035_REGEX_MESSAGE);
  return errs;
}
