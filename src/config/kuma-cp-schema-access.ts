/** Schema of `access`: the static access strategy (who may do what), by user name or group. */

import { list, section, str } from './schema.js';

const ADMIN = ['mesh-system:admin'];
const EVERYONE = ['mesh-system:unauthenticated', 'mesh-system:authenticated'];

/** One "users OR groups" rule; `env` is the rule's env prefix (Kuma's names, e.g. `..._GET_CONFIG_DUMP`). */
const rule = (doc: string, env: string, users: readonly string[], groups: readonly string[]) =>
  section(doc, {
    users: list(users, `${env}_USERS`, 'User names allowed.'),
    groups: list(groups, `${env}_GROUPS`, 'Groups allowed (any one is enough).'),
  });

const S = 'KUMA_ACCESS_STATIC';

export const accessSchema = section('Access control of the API.', {
  type: str('static', 'KUMA_ACCESS_TYPE', 'Access strategy; only static is available.'),
  static: section('Static access lists.', {
    adminResources: rule('Access to admin resources (Secret, GlobalSecret).', `${S}_ADMIN_RESOURCES`, ADMIN, ADMIN),
    modifyResources: rule(
      'Creating, updating and deleting other resources (kuma-ts addition; Kuma lets anyone write them).',
      `${S}_MODIFY_RESOURCES`,
      [],
      ADMIN,
    ),
    generateDpToken: rule('Generating dataplane tokens.', `${S}_GENERATE_DP_TOKEN`, ADMIN, ADMIN),
    generateUserToken: rule('Generating user tokens.', `${S}_GENERATE_USER_TOKEN`, ADMIN, ADMIN),
    generateZoneToken: rule('Generating zone tokens.', `${S}_GENERATE_ZONE_TOKEN`, ADMIN, ADMIN),
    viewConfigDump: rule('Reading proxy config dumps.', `${S}_GET_CONFIG_DUMP`, [], EVERYONE),
    viewStats: rule('Reading proxy stats.', `${S}_VIEW_STATS`, [], EVERYONE),
    viewClusters: rule('Reading proxy clusters.', `${S}_VIEW_CLUSTERS`, [], EVERYONE),
    controlPlaneMetadata: rule('Reading control plane metadata (e.g. /config).', `${S}_CONTROL_PLANE_METADATA`, [], EVERYONE),
  }),
});
