import type { DataplaneConfig, DiscoveryResponse } from '../../gen/kuma/dp/v1/config_stream_pb.js';

/** The DATAPLANE payload of a response (undefined for the other kinds). */
export function dataplaneOf(r: DiscoveryResponse | undefined): DataplaneConfig | undefined {
  return r?.payload.case === 'dataplane' ? r.payload.value : undefined;
}
