/**
 * The ENDPOINTS kind on the proxy side: service name -> endpoints for the outbound listeners.
 * Entries that cannot be dialled (no address, bad port) are dropped and reported; the rest apply.
 */
import type { EndpointsConfig } from '../../gen/kuma/dp/v1/config_stream_pb.js';
import type { Endpoint } from '../mtls/index.js';

export function endpointsByService(config: EndpointsConfig): { byService: Map<string, Endpoint[]>; problems: string[] } {
  const byService = new Map<string, Endpoint[]>();
  const problems: string[] = [];
  for (const [i, s] of config.services.entries()) {
    if (s.service === '') {
      problems.push(`services[${i}]: no service name; its ${s.endpoints.length} endpoint(s) are ignored`);
      continue;
    }
    // Several entries for one service (not expected) add up rather than hide each other.
    const list = byService.get(s.service) ?? [];
    byService.set(s.service, list);
    for (const [j, ep] of s.endpoints.entries()) {
      if (ep.address === '' || !Number.isInteger(ep.port) || ep.port < 1 || ep.port > 65535) {
        problems.push(`services[${i}] "${s.service}" endpoints[${j}]: "${ep.address}:${ep.port}" is not an address and port to connect to; ignored`);
        continue;
      }
      list.push({ address: ep.address, port: ep.port, tags: { ...ep.tags } });
    }
  }
  return { byService, problems };
}
