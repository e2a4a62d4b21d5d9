/**
 * One-line reasons for failed mesh mTLS handshakes, for the proxy's log: which side's certificate
 * was wrong and why, instead of OpenSSL's alert names.
 */

const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
]);

function certificateProblem(code: string, whose: string): string | undefined {
  if (code === 'DEPTH_ZERO_SELF_SIGNED_CERT') return `the ${whose} certificate is self-signed, not issued by the mesh CA`;
  if (UNTRUSTED.has(code)) return `the ${whose} certificate is not issued by a CA this mesh trusts (another mesh, or a CA that was rotated out)`;
  if (code === 'CERT_HAS_EXPIRED') return `the ${whose} certificate has expired (is its proxy still connected to the control plane?)`;
  if (code === 'CERT_NOT_YET_VALID') return `the ${whose} certificate is not valid yet (check the clocks)`;
  if (code === 'INVALID_PURPOSE') return `the ${whose} certificate is not valid for this use (it lacks the ${whose === 'client' ? 'clientAuth' : 'serverAuth'} usage)`;
  if (code.startsWith('CERT_') || code.includes('CERT')) return `the ${whose} certificate was refused (${code})`;
  return undefined;
}

function fields(err: unknown): { code: string; text: string } {
  const e = (typeof err === 'object' && err !== null ? err : {}) as { code?: unknown; message?: unknown; reason?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  const text = `${typeof e.reason === 'string' ? e.reason : ''} ${typeof e.message === 'string' ? e.message : String(err)}`.toLowerCase();
  return { code, text };
}

function common(code: string, text: string): string | undefined {
  if (code === 'ERR_TLS_HANDSHAKE_TIMEOUT') return 'the TLS handshake did not finish in time';
  if (text.includes('unsupported protocol') || text.includes('wrong version number') || text.includes('version too low') || text.includes('protocol version')) {
    return 'no common TLS version: the mesh requires TLS 1.2 or later';
  }
  if (text.includes('no shared cipher') || text.includes('no suitable') || text.includes('handshake failure')) return 'no common cipher suite';
  if (text.includes('no application protocol')) return 'no common ALPN protocol (mesh mTLS uses "kuma")';
  return undefined;
}

/** Why a client's handshake on an inbound failed; `authorizationError` is the verification code Node recorded. */
export function explainHandshakeFailure(err: unknown, authorizationError: Error | string | null | undefined): string {
  const verify = typeof authorizationError === 'string' ? authorizationError : authorizationError ? fields(authorizationError).code : '';
  if (verify !== '') return certificateProblem(verify, 'client') ?? `the client certificate was refused (${verify})`;
  const { code, text } = fields(err);
  if (code === 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE' || text.includes('peer did not return a certificate')) {
    return 'the client sent no certificate; mesh mTLS requires the identity certificate of a workload of this mesh';
  }
  if (code === 'ECONNRESET') return 'the client closed the connection during the handshake (it may have refused our certificate)';
  return common(code, text) ?? (text.trim() === '' ? 'unknown TLS error' : text.trim());
}

/** Why dialling an endpoint of an outbound with mesh mTLS failed. */
export function explainUpstreamFailure(err: unknown): string {
  const { code, text } = fields(err);
  if (code === 'ERR_PROXY_PEER_IDENTITY') return (err as Error).message;
  const cert = certificateProblem(code, 'server');
  if (cert) return cert;
  if (code === 'ECONNREFUSED') return 'connection refused (no proxy listening on that endpoint)';
  if (code === 'ETIMEDOUT' || code === 'ERR_PROXY_CONNECT_TIMEOUT') return 'connection timed out';
  if (code === 'ECONNRESET' || text.includes('socket hang up') || text.includes('socket disconnected')) {
    return 'the server closed the connection during the handshake (it may have refused our certificate, or it does not speak mesh mTLS)';
  }
  if (text.includes('certificate required') || text.includes('bad certificate') || text.includes('unknown ca') || text.includes('certificate unknown')) {
    return 'the server refused our identity certificate (is our CA among its trusted roots?)';
  }
  return common(code, text) ?? (text.trim() === '' ? 'unknown error' : text.trim());
}
