/**
 * Ends a connected zone's streams when an operator disables its Zone on the global (`enabled:
 * false`): the zone then gets FAILED_PRECONDITION with the reason, instead of syncing on until its
 * next reconnect. A deleted Zone is only logged: the zone re-creates it when it reconnects, as in Kuma.
 */
import { hasCode, messageOf } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { ZoneType, zoneEnabled } from '../core/resources/index.js';
import type { ResourceManager } from '../managers/index.js';
import type { ResourceChangedEvent } from '../store/resource-store.js';
import type { KdsStatusError } from './transport/kds-errors.js';
import type { ZoneConnections } from './transport/zone-connections.js';

export async function reactToZoneChange(
  resources: ResourceManager,
  connections: ZoneConnections,
  event: ResourceChangedEvent,
  disabledError: (zone: string) => KdsStatusError,
  log: Logger,
): Promise<void> {
  const affected = event.op === 'resync' ? connections.all() : [connections.get(event.name)].filter((c) => c !== undefined);
  for (const connection of affected) {
    try {
      const zone = await resources.get({ type: ZoneType.name, mesh: '', name: connection.zone });
      if (!zoneEnabled(zone.spec)) {
        log.info({ zone: connection.zone, address: connection.address }, 'zone disabled: closing its KDS streams');
        connection.abort.abort(disabledError(connection.zone));
      }
    } catch (err) {
      if (hasCode(err, 'ERR_RESOURCE_NOT_FOUND')) log.warn({ zone: connection.zone }, 'the Zone of a connected zone was deleted; it is created again when the zone reconnects');
      else log.warn({ zone: connection.zone, reason: messageOf(err) }, 'could not re-read a Zone after a change');
    }
  }
}
