import type { Logger } from '../core/log.js';
import { silentLogger } from '../core/log.js';
import type { ChangeListener, ResourceChangedEvent } from './resource-store.js';

/**
 * Fan-out of change events. Delivery is asynchronous (never inside the writer's call stack, so a
 * listener cannot re-enter the store mid-write) and in emit order; a throwing listener is logged and
 * does not stop the others.
 */
export class ChangeEventHub {
  private readonly listeners = new Set<ChangeListener>();
  private queue: ResourceChangedEvent[] = [];
  private scheduled = false;

  constructor(private readonly log: Logger = silentLogger) {}

  subscribe(listener: ChangeListener): () => void {
    // Wrap so the same function can subscribe twice and unsubscribe independently.
    const entry: ChangeListener = (e) => listener(e);
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  emit(event: ResourceChangedEvent): void {
    if (this.listeners.size === 0) return;
    this.queue.push({ ...event });
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    for (const event of batch) {
      for (const listener of [...this.listeners]) {
        try {
          listener({ ...event });
        } catch (err) {
          this.log.warn({ err, event }, 'resource change listener failed');
        }
      }
    }
  }

  clear(): void {
    this.listeners.clear();
    this.queue = [];
  }
}
