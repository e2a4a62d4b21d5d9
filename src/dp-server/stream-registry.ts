/**
 * The live config streams of this instance, one per Dataplane. A new authenticated stream for a
 * Dataplane replaces the old one (which is closed with ABORTED): when a proxy restarts, its old
 * connection may linger until keepalive notices, and the restarted proxy must not be locked out by
 * it. Only a stream that passed authentication for that Dataplane can replace it.
 */
import type { ResourceKind } from '../gen/kuma/dp/v1/config_stream_pb.js';
import { dataplaneKeyString, type NodeId } from './node-id.js';
import type { StreamError } from './stream-errors.js';

export interface LiveStream {
  readonly nodeId: NodeId;
  /** End the stream with this status. */
  close(err: StreamError): void;
  /** Shared state (the Mesh, policies, endpoints, roots) changed: push the given kinds (all without) if they differ. */
  refresh(kinds?: readonly ResourceKind[]): void;
  /** Something the stream's authentication depends on changed: re-check it. */
  recheck(): void;
}

export class StreamRegistry {
  private readonly byKey = new Map<string, LiveStream>();

  /** Makes `stream` the active one of its Dataplane; returns the one it replaced. */
  activate(stream: LiveStream): LiveStream | undefined {
    const key = dataplaneKeyString(stream.nodeId);
    const previous = this.byKey.get(key);
    this.byKey.set(key, stream);
    return previous === stream ? undefined : previous;
  }

  /** Forgets `stream` if it is still the active one. */
  remove(stream: LiveStream): void {
    const key = dataplaneKeyString(stream.nodeId);
    if (this.byKey.get(key) === stream) this.byKey.delete(key);
  }

  get(id: NodeId): LiveStream | undefined {
    return this.byKey.get(dataplaneKeyString(id));
  }

  inMesh(mesh: string): LiveStream[] {
    return [...this.byKey.values()].filter((s) => s.nodeId.mesh === mesh);
  }

  all(): LiveStream[] {
    return [...this.byKey.values()];
  }

  get size(): number {
    return this.byKey.size;
  }
}
