import type { Resource } from '../core/resources/resource.js';
import type { DataplaneIdentity } from './dataplane-token.js';

/** The label a dataplane's workload identity comes from. */
export const WORKLOAD_LABEL = 'kuma.io/workload';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The values a Dataplane declares for each tag: its inbound tags and gateway tags (what Kuma 2.x
 * checks) together with its labels (what Kuma HEAD checks).
 */
export function dataplaneTagValues(dataplane: Resource): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const add = (tag: string, value: unknown): void => {
    if (typeof value !== 'string') return;
    let values = out.get(tag);
    if (!values) out.set(tag, (values = new Set()));
    values.add(value);
  };
  const networking = dataplane.spec['networking'];
  if (isRecord(networking)) {
    const inbound = networking['inbound'];
    for (const ib of Array.isArray(inbound) ? inbound : []) {
      if (isRecord(ib) && isRecord(ib['tags'])) for (const [t, v] of Object.entries(ib['tags'])) add(t, v);
    }
    const gateway = networking['gateway'];
    if (isRecord(gateway) && isRecord(gateway['tags'])) for (const [t, v] of Object.entries(gateway['tags'])) add(t, v);
  }
  for (const [t, v] of Object.entries(dataplane.meta.labels)) add(t, v);
  return out;
}

/** Go's %q of a []string: `["a" "b"]`. */
function quoteList(values: readonly string[]): string {
  return `[${values.map((v) => JSON.stringify(v)).join(' ')}]`;
}

export interface BindingOptions {
  /**
   * The best-matching MeshIdentity derives the SPIFFE ID from the workload label (Kuma's default
   * universal template): then a token without Workload cannot vouch for a labelled dataplane.
   */
  identityDerivesFromWorkload?: boolean;
}

/**
 * Kuma's dataplane identity checks (pkg/xds/auth/universal): only the fields the token sets are
 * enforced. Returns Kuma's error text, or undefined when the token may be used by this Dataplane.
 */
export function checkDataplaneTokenBinding(token: DataplaneIdentity, dataplane: Resource, opts: BindingOptions = {}): string | undefined {
  const { name, mesh, labels } = dataplane.meta;
  if (token.name !== '' && token.name !== name) return `proxy name from requestor: ${name} is different than in token: ${token.name}`;
  if (token.mesh !== '' && token.mesh !== mesh) return `proxy mesh from requestor: ${mesh} is different than in token: ${token.mesh}`;
  const declared = dataplaneTagValues(dataplane);
  for (const tag of Object.keys(token.tags).sort()) {
    const allowed = [...new Set(token.tags[tag] ?? [])].sort();
    const values = declared.get(tag);
    if (!values || values.size === 0) return `dataplane has no tag ${JSON.stringify(tag)} required by the token`;
    for (const value of [...values].sort()) {
      if (!allowed.includes(value)) {
        return `dataplane contains tag ${JSON.stringify(tag)} with value ${JSON.stringify(value)} which is not allowed with this token. Allowed values in token are ${quoteList(allowed)}`;
      }
    }
  }
  const dpWorkload = Object.hasOwn(labels, WORKLOAD_LABEL) ? labels[WORKLOAD_LABEL] : undefined;
  if (token.workload === '') {
    if (dpWorkload !== undefined && opts.identityDerivesFromWorkload) {
      return `dataplane with ${JSON.stringify(WORKLOAD_LABEL)} label ${JSON.stringify(dpWorkload)} derives its identity from the workload, so it requires a workload-bound token`;
    }
    return undefined;
  }
  if (dpWorkload === undefined) return 'dataplane has no workload label required by the token';
  if (dpWorkload !== token.workload) {
    return `dataplane workload ${JSON.stringify(dpWorkload)} is not allowed with this token. Allowed workload in token is ${JSON.stringify(token.workload)}`;
  }
  return undefined;
}
