import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { DiscoveryRequestSchema, type DiscoveryRequest } from '../../gen/kuma/dp/v1/config_stream_pb.js';

/** The request half of the config stream: pushed by the agent, pulled by connect's client. */
export class RequestQueue implements AsyncIterable<DiscoveryRequest> {
  private items: DiscoveryRequest[] = [];
  private ended = false;
  private wake: (() => void) | undefined;

  push(r: MessageInitShape<typeof DiscoveryRequestSchema>): void {
    this.items.push(create(DiscoveryRequestSchema, r));
    this.wake?.();
  }

  end(): void {
    this.ended = true;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<DiscoveryRequest> {
    for (;;) {
      const item = this.items.shift();
      if (item) {
        yield item;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((r) => (this.wake = r));
      this.wake = undefined;
    }
  }
}
