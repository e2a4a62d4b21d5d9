/**
 * The node id of a proxy, `<mesh>.<name>` (Kuma's ProxyId): split at the FIRST dot, because mesh
 * names cannot contain dots while Dataplane names may (`web-1.ns`).
 */
export interface NodeId {
  mesh: string;
  name: string;
}

/** Kuma's texts for a node id it cannot use; returns the reason, or the parsed id. */
export function parseNodeId(id: string): NodeId | { problem: string } {
  if (id === '') return { problem: 'Envoy ID must not be nil' };
  const dot = id.indexOf('.');
  if (dot < 0) return { problem: 'the name should be provided after the dot' };
  const name = id.slice(dot + 1);
  if (name === '') return { problem: 'name must not be empty' };
  return { mesh: id.slice(0, dot), name };
}

export function formatNodeId(id: NodeId): string {
  return `${id.mesh}.${id.name}`;
}

/** Map key of one Dataplane within this control plane instance. */
export function dataplaneKeyString(id: NodeId): string {
  return `${id.mesh}\u0000${id.name}`;
}
