// Observations of a KDS stream, for ZoneInsight statistics and metrics (Kuma's responsesSent,
// responsesAcknowledged, responsesRejected per type). Listeners must not throw.

/** What the resource-sending side of a stream observed. */
export type KdsSenderEvent =
  | { kind: 'response-sent'; type: string; nonce: string; resources: number; removed: number; initial: boolean }
  | { kind: 'ack-received'; type: string; nonce: string }
  | { kind: 'nack-received'; type: string; nonce: string; message: string };

/** What the resource-receiving side of a stream observed. */
export type KdsReceiverEvent =
  | { kind: 'response-received'; type: string; nonce: string; resources: number; removed: number; initial: boolean }
  | { kind: 'ack-sent'; type: string; nonce: string }
  | { kind: 'nack-sent'; type: string; nonce: string; message: string };
