import type { Logger } from '../core/log.js';
import type { User } from './identity.js';

/** What happened to an audited request. */
export type AuditOutcome = 'success' | 'denied' | 'failed';

export interface AuditEvent {
  user: User;
  /** `create`, `update`, `delete`, `issue-user-token`, `issue-dataplane-token`, `issue-zone-token`, `authenticate`. */
  action: string;
  resourceType?: string;
  mesh?: string;
  name?: string;
  remoteAddress: string;
  outcome: AuditOutcome;
  /** HTTP status sent. */
  status: number;
  /** Extra facts that are safe to log (token subject and groups, validity). Never tokens or bodies. */
  details?: Record<string, unknown>;
}

/**
 * One info line per write attempt and per token issuance (kuma-ts addition): who (name and groups),
 * what, on which resource, from where, the outcome and when. Tokens and request bodies are never logged.
 */
export class AuditLog {
  private readonly log: Logger;
  constructor(logger: Logger) {
    this.log = logger.child({ component: 'api-server-audit' });
  }

  record(e: AuditEvent): void {
    const fields: Record<string, unknown> = {
      audit: true,
      // The log line's own "time" is when it was written; this is when the request was decided.
      eventTime: new Date().toISOString(),
      user: e.user.name,
      groups: [...e.user.groups],
      action: e.action,
      remoteAddress: e.remoteAddress,
      outcome: e.outcome,
      status: e.status,
    };
    if (e.resourceType !== undefined) fields['resourceType'] = e.resourceType;
    if (e.mesh !== undefined && e.mesh !== '') fields['mesh'] = e.mesh;
    if (e.name !== undefined) fields['name'] = e.name;
    if (e.details !== undefined) fields['details'] = e.details;
    this.log.info(fields, `audit: ${e.action} ${e.outcome}`);
  }
}
