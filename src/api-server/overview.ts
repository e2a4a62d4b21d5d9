import type { ResourceTypeDescriptor } from '../core/resources/descriptor.js';
import { metaEnvelope } from '../core/resources/envelope.js';
import type { JsonObject } from '../core/resources/json.js';
import type { Resource } from '../core/resources/resource.js';

// Overviews (Kuma `…Overview` types): a resource's meta with its spec under `<type>` and its insight's
// spec under `<type>Insight`, e.g. {"type":"DataplaneOverview",…,"dataplane":{…},"dataplaneInsight":{…}}.

const lowerFirst = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);

/**
 * `insight` undefined: the field is omitted (list, Kuma passes a nil insight); null: an empty object
 * (get, Kuma passes an empty insight when none is stored).
 */
export function toOverviewEnvelope(desc: ResourceTypeDescriptor, r: Resource, insightType: string, insight: Resource | null | undefined): JsonObject {
  const out = metaEnvelope(desc, r, `${desc.name}Overview`);
  out[lowerFirst(desc.name)] = r.spec;
  if (insight !== undefined) out[lowerFirst(insightType)] = insight === null ? {} : insight.spec;
  return out;
}
