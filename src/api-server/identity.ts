/** Who a request acts as (Kuma pkg/core/user): a name and groups; authz matches either. */
export interface User {
  readonly name: string;
  readonly groups: readonly string[];
}

export const ADMIN_NAME = 'mesh-system:admin';
export const ADMIN_GROUP = 'mesh-system:admin';
export const AUTHENTICATED_GROUP = 'mesh-system:authenticated';
export const UNAUTHENTICATED_GROUP = 'mesh-system:unauthenticated';

/** A direct localhost caller (localhostIsAdmin): admin, marked authenticated as Kuma does. */
export const LOCAL_ADMIN: User = Object.freeze({ name: ADMIN_NAME, groups: Object.freeze([ADMIN_GROUP, AUTHENTICATED_GROUP]) });

/** No credentials. */
export const ANONYMOUS: User = Object.freeze({ name: 'mesh-system:anonymous', groups: Object.freeze([UNAUTHENTICATED_GROUP]) });

/** A token's identity plus the authenticated group. */
export function authenticatedUser(name: string, groups: readonly string[]): User {
  return Object.freeze({ name, groups: Object.freeze([...groups, AUTHENTICATED_GROUP]) });
}

/** Kuma's User.String(): `name/group1,group2`, used in access-denied reasons. */
export function describeUser(u: User): string {
  return `${u.name}/${u.groups.join(',')}`;
}
