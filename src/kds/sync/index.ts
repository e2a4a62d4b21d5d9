/** KDS sync engine: the sending and receiving roles of a stream, and what crosses in each direction. */
export { runKdsSender, type KdsSenderOptions, type KdsSource } from './sender.js';
export { runKdsReceiver, type KdsReceiverOptions } from './receiver.js';
export type { KdsSenderEvent, KdsReceiverEvent } from './events.js';
export type { FromWire } from './reconcile.js';
export {
  globalToZoneSender,
  globalToZoneReceiver,
  zoneToGlobalSender,
  zoneToGlobalReceiver,
  KDS_GLOBAL_TO_ZONE_TYPES,
  KDS_ZONE_TO_GLOBAL_TYPES,
} from './directions.js';
export { hashedName, wireName, splitWireName } from './naming.js';
export { formatNackDetail, rejectedNames, type Rejection } from './nack.js';
export { responseSizeAgainst } from './wire.js';
export { WireCache } from './sender-view.js';
