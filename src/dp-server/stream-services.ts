/**
 * What a config stream session works with: the control plane's services, the credential its call
 * carried, and the transport its responses go to.
 */
import type { Logger } from '../core/log.js';
import type { DiscoveryResponse } from '../gen/kuma/dp/v1/config_stream_pb.js';
import type { ResourceManager } from '../managers/index.js';
import type { DataplaneAuthenticator } from './dataplane-auth.js';
import type { DataplaneLifecycle } from './dataplane-lifecycle.js';
import type { DataplaneInsightSink } from './insight-sink.js';
import type { ConfigKinds } from './kinds/config-kinds.js';
import type { StreamError } from './stream-errors.js';
import type { RequestGate } from './stream-flow.js';
import type { StreamRegistry } from './stream-registry.js';

export interface StreamServices {
  resources: ResourceManager;
  /** What each kind is built from (per-mesh parts shared by the mesh's streams) and how. */
  kinds: ConfigKinds;
  authenticator: DataplaneAuthenticator;
  lifecycle: DataplaneLifecycle;
  registry: StreamRegistry;
  insights: DataplaneInsightSink;
  controlPlaneInstanceId: string;
  logger: Logger;
  /** Coalesces bursts of store events before a re-check (also lets the token caches see them first). */
  recheckDelayMs: number;
  /** A stream whose first request does not arrive in time is closed (it holds resources unauthenticated). */
  firstRequestTimeoutMs: number;
  isStopping(): boolean;
}

/** The `authorization` metadata as received: how many values, and the value when there is one. */
export interface Credential {
  count: number;
  value: string;
}

/** Where a session's responses go (the gRPC call, seen from the session). */
export interface ResponseSink extends RequestGate {
  /** Sends one response. False: the transport is backed up (the message is queued); wait for drained(). */
  send(response: DiscoveryResponse): boolean;
  /** Ends the stream: OK without an error, else with the error's status. */
  end(err?: StreamError): void;
}
