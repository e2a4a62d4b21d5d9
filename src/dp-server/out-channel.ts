/**
 * The outgoing side of a stream: responses are pushed from anywhere (request handling, store
 * watches) and drained by the RPC's async generator; `finish` ends it, with an error for a non-OK
 * gRPC status.
 */
import type { StreamError } from './stream-errors.js';

export class OutChannel<T> {
  private items: T[] = [];
  private wake: (() => void) | undefined;
  private ended: { error: StreamError | undefined } | undefined;

  get finished(): boolean {
    return this.ended !== undefined;
  }

  push(item: T): void {
    if (this.ended) return;
    this.items.push(item);
    this.notify();
  }

  finish(error?: StreamError): void {
    if (this.ended) return;
    this.ended = { error };
    this.notify();
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  /** Yields pushed items in order; returns when finished (throwing the error, if any) once queued items are out. */
  async *drain(): AsyncGenerator<T> {
    for (;;) {
      const batch = this.items;
      if (batch.length > 0) {
        this.items = [];
        for (const item of batch) yield item;
        continue;
      }
      if (this.ended) {
        if (this.ended.error) throw this.ended.error.toConnectError();
        return;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}
