import { messageOf } from '../../../core/errors.js';
import { PRODUCT } from '../../../core/version.js';
import { CliError } from '../../program.js';
import { ApiError } from '../api/api-errors.js';
import { fetchIndex, fetchWhoAmI, isPreviewVersion } from '../api/index-client.js';
import type { KumactlContext } from '../kumactl-context.js';
import type { ApiServerCoordinates } from './config-model.js';

const ANONYMOUS = 'mesh-system:anonymous';

/**
 * The check `config control-planes add` runs unless --skip-check. Kuma only calls `GET /` without
 * credentials, so a wrong token is found on first use; we also call `GET /who-am-i` with the
 * credentials and return a line saying who the control plane thinks we are.
 */
export async function checkControlPlane(ctx: KumactlContext, coordinates: ApiServerCoordinates): Promise<string | undefined> {
  const plain = await ctx.clientFor(coordinates, false);
  let index;
  try {
    index = await fetchIndex(plain);
  } catch (err) {
    throw new CliError(`could not connect to the Control Plane API Server: ${err instanceof ApiError ? err.inline : messageOf(err)}`);
  }
  if (index.product !== PRODUCT && !isPreviewVersion(index.version)) {
    throw new CliError(`this CLI is for ${PRODUCT} but the control plane you're connected to is ${index.product}. Please use the CLI for your control plane`);
  }

  const authed = coordinates.authType === '' ? plain : await ctx.clientFor(coordinates, true);
  try {
    // A request from localhost is the admin and its token is never looked at (Kuma's rule), so a
    // wrong token would pass unnoticed on the machine of the control plane. `Sec-Fetch-Site:
    // cross-site` turns that shortcut off for this one request, so the server has to judge the token.
    const me = await fetchWhoAmI(authed, coordinates.authType === '' ? {} : { 'sec-fetch-site': 'cross-site' });
    const groups = me.groups.length > 0 ? me.groups.join(', ') : 'none';
    if (me.name === ANONYMOUS) return `not authenticated: requests run as "${me.name}" (groups: ${groups})`;
    return `authenticated as "${me.name}" (groups: ${groups})`;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      const why = err.stdError ? ` (${err.stdError.title}: ${err.stdError.detail})` : '';
      if (coordinates.authType === '') {
        throw new CliError(`the Control Plane API Server requires authentication${why}: add --auth-type=tokens --auth-conf token=YOUR_TOKEN`);
      }
      throw new CliError(
        `the Control Plane API Server rejected the token given with --auth-conf${why}: the token is malformed, expired, revoked ` +
          'or was not issued by this control plane; get a valid user token (kumactl generate user-token) and run the command again',
      );
    }
    if (err instanceof ApiError && err.status === 404) {
      ctx.io.err('WARNING: could not check the credentials: the control plane has no /who-am-i endpoint\n');
      return undefined;
    }
    throw new CliError(`could not check the credentials with the Control Plane API Server: ${err instanceof ApiError ? err.inline : messageOf(err)}`);
  }
}
