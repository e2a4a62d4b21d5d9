/**
 * Tells the first bytes of a connection apart, as Envoy's tls_inspector does for a PERMISSIVE
 * inbound: not TLS (plaintext), a TLS ClientHello (with its ALPN list and SNI), a ClientHello that
 * is not complete yet, or bytes that claim to be TLS but are not a valid ClientHello. The hello may
 * span several handshake records; it is reassembled up to MAX_HELLO_BYTES.
 */

/** The ALPN protocol every Kuma client offers: what tells mesh mTLS from the application's own TLS. */
export const KUMA_ALPN = 'kuma';

export type HelloSniff =
  | { kind: 'incomplete' }
  | { kind: 'not-tls' }
  | { kind: 'tls'; alpn: string[]; sni: string | undefined; legacyVersion: number; supportedVersions: number[] }
  | { kind: 'malformed'; reason: string };

const RECORD_HANDSHAKE = 0x16;
const HANDSHAKE_CLIENT_HELLO = 1;
const EXT_SERVER_NAME = 0;
const EXT_ALPN = 16;
const EXT_SUPPORTED_VERSIONS = 43;
/** Larger than any ClientHello a real client sends (post-quantum key shares included). */
export const MAX_HELLO_BYTES = 64 * 1024;
const MAX_RECORD = 16384 + 2048;

class Truncated extends Error {}

/** A bounds-checked reader: running past the end throws an Error naming the field. */
class Reader {
  private pos = 0;
  constructor(
    private readonly buf: Buffer,
    private readonly what: string,
  ) {}
  get remaining(): number {
    return this.buf.length - this.pos;
  }
  private need(n: number, field: string): void {
    if (this.pos + n > this.buf.length) throw new Error(`${this.what}: ${field} runs past the end`);
  }
  u8(field: string): number {
    this.need(1, field);
    return this.buf[this.pos++] as number;
  }
  u16(field: string): number {
    this.need(2, field);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  bytes(n: number, field: string): Buffer {
    this.need(n, field);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  vector8(field: string): Buffer {
    return this.bytes(this.u8(`${field} length`), field);
  }
  vector16(field: string): Buffer {
    return this.bytes(this.u16(`${field} length`), field);
  }
}

/** Concatenates the payloads of the leading handshake records; throws Truncated when more bytes are needed. */
function handshakeBytes(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  let total = 0;
  let pos = 0;
  let wanted = -1;
  for (;;) {
    if (data.length < pos + 5) throw new Truncated();
    if (data[pos] !== RECORD_HANDSHAKE) throw new Error(`record of type ${data[pos]} inside the ClientHello`);
    const len = data.readUInt16BE(pos + 3);
    if (len === 0 || len > MAX_RECORD) throw new Error(`record length ${len} is out of range`);
    if (data.length < pos + 5 + len) {
      // Decide early on a first record that cannot start a ClientHello.
      if (pos === 0 && data.length > 5 && data[5] !== HANDSHAKE_CLIENT_HELLO) throw new Error(`handshake type ${data[5]} is not a ClientHello`);
      throw new Truncated();
    }
    parts.push(data.subarray(pos + 5, pos + 5 + len));
    total += len;
    pos += 5 + len;
    if (wanted < 0 && total >= 4) {
      const head = Buffer.concat(parts);
      if (head[0] !== HANDSHAKE_CLIENT_HELLO) throw new Error(`handshake type ${head[0]} is not a ClientHello`);
      wanted = 4 + head.readUIntBE(1, 3);
      if (wanted > MAX_HELLO_BYTES) throw new Error(`ClientHello of ${wanted} bytes is larger than ${MAX_HELLO_BYTES}`);
    }
    if (wanted >= 0 && total >= wanted) return Buffer.concat(parts).subarray(0, wanted);
    if (pos > MAX_HELLO_BYTES + 5 * 8) throw new Error('ClientHello is too large');
  }
}

function parseHello(msg: Buffer): Extract<HelloSniff, { kind: 'tls' }> {
  const r = new Reader(msg.subarray(4), 'ClientHello');
  const legacyVersion = r.u16('version');
  r.bytes(32, 'random');
  r.vector8('session id');
  const suites = r.vector16('cipher suites');
  if (suites.length === 0 || suites.length % 2 !== 0) throw new Error('ClientHello: cipher suite list is empty or odd');
  r.vector8('compression methods');
  const out: Extract<HelloSniff, { kind: 'tls' }> = { kind: 'tls', alpn: [], sni: undefined, legacyVersion, supportedVersions: [] };
  if (r.remaining === 0) return out; // no extensions (old clients)
  const exts = new Reader(r.vector16('extensions'), 'ClientHello extensions');
  while (exts.remaining > 0) {
    const type = exts.u16('extension type');
    const body = new Reader(exts.vector16('extension'), `extension ${type}`);
    if (type === EXT_ALPN) {
      const list = new Reader(body.vector16('protocol list'), 'ALPN');
      while (list.remaining > 0) out.alpn.push(list.vector8('protocol').toString('latin1'));
    } else if (type === EXT_SERVER_NAME) {
      const list = new Reader(body.vector16('server name list'), 'SNI');
      while (list.remaining > 0) {
        const nameType = list.u8('name type');
        const name = list.vector16('host name');
        if (nameType === 0 && out.sni === undefined) out.sni = name.toString('latin1');
      }
    } else if (type === EXT_SUPPORTED_VERSIONS) {
      const list = new Reader(body.vector8('versions'), 'supported_versions');
      while (list.remaining > 0) out.supportedVersions.push(list.u16('version'));
    }
  }
  return out;
}

/** Classifies the bytes received so far on a new connection. */
export function sniffClientHello(data: Buffer): HelloSniff {
  if (data.length === 0) return { kind: 'incomplete' };
  if (data[0] !== RECORD_HANDSHAKE) return { kind: 'not-tls' };
  if (data.length < 2) return { kind: 'incomplete' };
  if (data[1] !== 0x03) return { kind: 'not-tls' };
  try {
    return parseHello(handshakeBytes(data));
  } catch (err) {
    if (err instanceof Truncated) return data.length > MAX_HELLO_BYTES + 64 ? { kind: 'malformed', reason: 'ClientHello is too large' } : { kind: 'incomplete' };
    return { kind: 'malformed', reason: (err as Error).message };
  }
}
