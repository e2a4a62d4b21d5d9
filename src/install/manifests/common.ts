/** What every rendered Kubernetes object shares: apiVersion, kind and metadata. */
import type { InstallSettings } from '../settings.js';

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** Metadata of a namespaced object with the control plane labels. */
export function namespaced(s: InstallSettings, name: string): Manifest['metadata'] {
  return { name, namespace: s.namespace, labels: { ...s.labels } };
}

/** Metadata of a cluster-scoped object (ClusterRole, ClusterRoleBinding) with the control plane labels. */
export function clusterScoped(s: InstallSettings, name: string): Manifest['metadata'] {
  return { name, labels: { ...s.labels } };
}
