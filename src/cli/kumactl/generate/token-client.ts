import type { ApiClient } from '../api/api-client.js';
import { ApiError, parseStdError } from '../api/api-errors.js';

/** `POST /tokens/<entity>` with a JSON request; the token is the plain-text answer. */
export async function requestToken(client: ApiClient, entity: 'user' | 'dataplane' | 'zone', body: unknown): Promise<string> {
  const res = await client.request('POST', `/tokens/${entity}`, { body });
  if (res.status !== 200) throw new ApiError(res.status, res.body, parseStdError(res.body));
  return res.body;
}
