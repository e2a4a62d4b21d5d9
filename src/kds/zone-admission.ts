/**
 * The global's checks before a zone's KDS stream may sync, in order: the zone name from `client-id`
 * (exactly one, a valid zone name), the zone's credentials (zone-auth.ts), then its Zone resource:
 * created `{enabled: true}` on first contact (Kuma's createZoneIfAbsent), refused when an operator
 * disabled it. Each refusal is a KdsStatusError that the zone logs and the global logs too.
 */
import { Code } from '@connectrpc/connect';
import { dns1035LabelViolations } from '../config/dns-label.js';
import { hasCode, messageOf } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { ZoneType, zoneEnabled } from '../core/resources/index.js';
import type { ResourceManager } from '../managers/index.js';
import { KdsStatusError } from './transport/kds-errors.js';
import { printableId, type KdsRequestMetadata } from './transport/metadata.js';
import type { ZoneAuthenticator, ZoneCredentials } from './zone-auth.js';

/** The zone named by `client-id`; throws INVALID_ARGUMENT when it is missing, repeated or not a zone name. */
export function zoneFromMetadata(md: KdsRequestMetadata): string {
  if (md.clientIds.length === 0) {
    throw new KdsStatusError(
      Code.InvalidArgument,
      'ERR_KDS_CLIENT_ID',
      '"client-id" is not present in metadata: a zone control plane sends its zone name (multizone.zone.name) as client-id; only kuma-cp in zone mode can connect to the KDS port',
    );
  }
  if (md.clientIds.length > 1) {
    throw new KdsStatusError(Code.InvalidArgument, 'ERR_KDS_CLIENT_ID', `request must have exactly 1 "client-id" metadata value, got ${md.clientIds.length}`);
  }
  const zone = md.clientIds[0] as string;
  const violations = dns1035LabelViolations(zone);
  if (violations.length > 0) {
    throw new KdsStatusError(
      Code.InvalidArgument,
      'ERR_KDS_CLIENT_ID',
      `client-id ${printableId(zone)} is not a valid zone name: ${violations.join(', ')}; fix multizone.zone.name (KUMA_MULTIZONE_ZONE_NAME) on the zone control plane`,
    );
  }
  return zone;
}

const storeUnavailable = (zone: string, err: unknown): KdsStatusError =>
  new KdsStatusError(Code.Unavailable, 'ERR_KDS_STORE', `the global control plane could not read or create Zone ${JSON.stringify(zone)} (${messageOf(err)}); the zone retries`);

export const zoneDisabledError = (zone: string): KdsStatusError =>
  new KdsStatusError(
    Code.FailedPrecondition,
    'ERR_KDS_ZONE_DISABLED',
    `zone ${JSON.stringify(zone)} is disabled on the global control plane (Zone ${zone} has enabled: false), so it may not sync; an operator of the global enables it again with: echo 'type: Zone\nname: ${zone}\nenabled: true' | kumactl apply -f -`,
  );

/** Creates Zone `zone` (`enabled: true`) if absent; throws FAILED_PRECONDITION when it is disabled. */
export async function ensureZoneEnabled(resources: ResourceManager, zone: string, log: Logger): Promise<void> {
  const key = { type: ZoneType.name, mesh: '', name: zone };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const existing = await resources.get(key);
      if (!zoneEnabled(existing.spec)) throw zoneDisabledError(zone);
      return;
    } catch (err) {
      if (err instanceof KdsStatusError) throw err;
      if (!hasCode(err, 'ERR_RESOURCE_NOT_FOUND')) throw storeUnavailable(zone, err);
    }
    try {
      await resources.create({ type: ZoneType.name, meta: { name: zone, mesh: '' }, spec: { enabled: true } });
      log.info({ zone }, 'zone successfully created');
      return;
    } catch (err) {
      // Created by a concurrent stream (or another instance) meanwhile: read it again.
      if (!hasCode(err, 'ERR_RESOURCE_ALREADY_EXISTS')) throw storeUnavailable(zone, err);
    }
  }
  throw storeUnavailable(zone, new Error('the Zone kept appearing and disappearing'));
}

export interface AdmissionDeps {
  resources: ResourceManager;
  authenticator: ZoneAuthenticator;
  logger: Logger;
}

/** All checks; resolves with the zone name, or throws the KdsStatusError to answer with. */
export async function admitZone(deps: AdmissionDeps, md: KdsRequestMetadata, credentials: ZoneCredentials): Promise<string> {
  const zone = zoneFromMetadata(md);
  await deps.authenticator.authenticate(zone, credentials);
  await ensureZoneEnabled(deps.resources, zone, deps.logger);
  return zone;
}
