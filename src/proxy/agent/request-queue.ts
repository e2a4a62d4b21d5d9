import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { AsyncQueue } from '../../core/async-queue.js';
import { DiscoveryRequestSchema, type DiscoveryRequest } from '../../gen/kuma/dp/v1/config_stream_pb.js';

/** The request half of the config stream: pushed by the agent, pulled by connect's client. */
export class RequestQueue extends AsyncQueue<DiscoveryRequest> {
  pushRequest(r: MessageInitShape<typeof DiscoveryRequestSchema>): void {
    this.push(create(DiscoveryRequestSchema, r));
  }
}
