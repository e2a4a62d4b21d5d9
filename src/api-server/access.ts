import type { KumaCpConfig } from '../config/kuma-cp-config.js';
import { KumaError } from '../core/errors.js';
import type { ResourceTypeDescriptor } from '../core/resources/descriptor.js';
import { describeUser, type User } from './identity.js';

/** Kuma's AccessDeniedError: answered 403 "Access Denied" with `reason` as detail. */
export class AccessDeniedError extends KumaError {
  readonly reason: string;
  constructor(reason: string) {
    super('ERR_ACCESS_DENIED', `access denied: ${reason}`);
    this.reason = reason;
  }
}

/** One static rule: a user passes if its name is listed or any of its groups is. */
export interface AccessRule {
  readonly users: readonly string[];
  readonly groups: readonly string[];
}

class Rule {
  private readonly users: Set<string>;
  private readonly groups: Set<string>;
  constructor(r: AccessRule) {
    this.users = new Set(r.users);
    this.groups = new Set(r.groups);
  }
  allows(u: User): boolean {
    return this.users.has(u.name) || u.groups.some((g) => this.groups.has(g));
  }
}

/**
 * The static access strategy (`access.static.*`). Kuma's rules plus `modifyResources`, which gates
 * create/update/delete of every type that is not admin-only (Kuma lets anyone, even anonymous callers,
 * write those). Each check throws AccessDeniedError with Kuma's reason text.
 */
export class StaticAccess {
  private readonly adminResources: Rule;
  private readonly modifyResources: Rule;
  private readonly generateDpToken: Rule;
  private readonly generateUserToken: Rule;
  private readonly generateZoneToken: Rule;
  private readonly controlPlaneMetadata: Rule;

  constructor(cfg: KumaCpConfig['access']['static']) {
    this.adminResources = new Rule(cfg.adminResources);
    this.modifyResources = new Rule(cfg.modifyResources);
    this.generateDpToken = new Rule(cfg.generateDpToken);
    this.generateUserToken = new Rule(cfg.generateUserToken);
    this.generateZoneToken = new Rule(cfg.generateZoneToken);
    this.controlPlaneMetadata = new Rule(cfg.controlPlaneMetadata);
  }

  private static deny(u: User, action: string): never {
    throw new AccessDeniedError(`user ${JSON.stringify(describeUser(u))} cannot access ${action}`);
  }

  /** get and list: only admin-only types (Secret, GlobalSecret) are restricted. */
  checkRead(u: User, desc: ResourceTypeDescriptor): void {
    if (desc.adminOnly && !this.adminResources.allows(u)) StaticAccess.deny(u, `the resource of type ${JSON.stringify(desc.name)}`);
  }

  /** create, update and delete. */
  checkWrite(u: User, desc: ResourceTypeDescriptor): void {
    if (desc.adminOnly) {
      if (!this.adminResources.allows(u)) StaticAccess.deny(u, `the resource of type ${JSON.stringify(desc.name)}`);
      return;
    }
    if (!this.modifyResources.allows(u)) {
      throw new AccessDeniedError(`user ${JSON.stringify(describeUser(u))} cannot modify the resource of type ${JSON.stringify(desc.name)}`);
    }
  }

  checkGenerateDataplaneToken(u: User): void {
    if (!this.generateDpToken.allows(u)) StaticAccess.deny(u, 'generate dataplane token');
  }

  checkGenerateZoneToken(u: User, zone: string): void {
    if (!this.generateZoneToken.allows(u)) StaticAccess.deny(u, `generate zone token for zone '${zone}'`);
  }

  /** Kuma's user-token access has its own terse reason. */
  checkGenerateUserToken(u: User): void {
    if (!this.generateUserToken.allows(u)) throw new AccessDeniedError('action not allowed');
  }

  checkControlPlaneMetadata(u: User): void {
    if (!this.controlPlaneMetadata.allows(u)) StaticAccess.deny(u, 'control-plane metadata');
  }
}
