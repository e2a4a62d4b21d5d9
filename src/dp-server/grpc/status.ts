/**
 * The status that ends a gRPC call, as HTTP/2 fields (PROTOCOL-HTTP2.md): `grpc-status` (decimal
 * code) and `grpc-message`, percent-encoded: bytes of the UTF-8 text outside printable ASCII
 * (0x20-0x7E), and `%` itself, become `%XX`. Pure functions.
 */

/** Characters that pass unencoded: space and visible ASCII except `%`. */
const PLAIN = /^[\x20-\x24\x26-\x7e]*$/;
const HEX2 = /^[0-9a-fA-F]{2}$/;

export function encodeGrpcMessage(text: string): string {
  if (PLAIN.test(text)) return text;
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    out += byte >= 0x20 && byte <= 0x7e && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The reverse; like grpc-go, a `%` not followed by two hex digits is kept as it is. */
export function decodeGrpcMessage(value: string): string {
  if (!value.includes('%')) return value;
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x25 && i + 2 < value.length && HEX2.test(value.slice(i + 1, i + 3))) {
      bytes.push(parseInt(value.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c < 0x80) {
      bytes.push(c);
    } else {
      // Not valid in a header value, but keep whatever arrived readable.
      const ch = String.fromCodePoint(value.codePointAt(i) as number);
      bytes.push(...Buffer.from(ch, 'utf8'));
      i += ch.length - 1;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** The fields of a final status: in the trailers, or in the only HEADERS frame of a trailers-only response. */
export function statusFields(code: number, message: string): Record<string, string> {
  const fields: Record<string, string> = { 'grpc-status': String(code) };
  if (message !== '') fields['grpc-message'] = encodeGrpcMessage(message);
  return fields;
}
