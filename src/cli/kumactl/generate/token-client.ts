import { formatGoDuration } from '../../../core/duration.js';
import { CliError } from '../../program.js';
import type { ApiClient } from '../api/api-client.js';
import { ApiError, parseStdError } from '../api/api-errors.js';
import { wrapError } from '../api/wrap-error.js';
import type { KumactlContext } from '../kumactl-context.js';

/** `POST /tokens/<entity>` with a JSON request; the token is the plain-text answer. */
export async function requestToken(client: ApiClient, entity: 'user' | 'dataplane' | 'zone', body: unknown): Promise<string> {
  const res = await client.request('POST', `/tokens/${entity}`, { body });
  if (res.status !== 200) throw new ApiError(res.status, res.body, parseStdError(res.body));
  return res.body;
}

export interface TokenRequest {
  entity: 'user' | 'dataplane' | 'zone';
  /** `--signing-key-path` and `--kid`: both for offline signing, neither for the control plane. */
  signingKeyPath: string;
  kid: string;
  validForMs: number;
  /** Signs with the key file (offline). */
  offline: (keyPath: string, kid: string) => Promise<string>;
  /** The request body without `validFor` (online). */
  body: Record<string, unknown>;
}

/**
 * The rule every `kumactl generate *-token` shares: offline with `--signing-key-path` + `--kid`
 * (Kuma's texts when only one is given), otherwise issued by the control plane.
 */
export async function generateToken(ctx: KumactlContext, t: TokenRequest): Promise<string> {
  if (t.signingKeyPath !== '') {
    if (t.kid === '') throw new CliError('--kid is required when --signing-key-path is used');
    return t.offline(t.signingKeyPath, t.kid);
  }
  // Kuma's (misleading) text for --kid without --signing-key-path, kept verbatim.
  if (t.kid !== '') throw new CliError('--kid cannot be used when --signing-key-path is used');
  const client = await ctx.apiClient();
  try {
    return await requestToken(client, t.entity, { ...t.body, validFor: formatGoDuration(t.validForMs) });
  } catch (err) {
    throw wrapError(`failed to generate a ${t.entity} token`, err);
  }
}
