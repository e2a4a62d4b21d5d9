import type { JsonObject } from '../core/resources/json.js';
import type { NewResource, ResourceChangedEvent, ResourceStore } from './resource-store.js';

// Shared helpers of the store contract suite (not tests themselves).

export interface StoreUnderTest {
  store: ResourceStore;
  cleanup: () => Promise<void>;
}

export type StoreFactory = () => Promise<StoreUnderTest>;

/** Run `fn` with a fresh store and always clean up. */
export async function withStore(makeStore: StoreFactory, fn: (store: ResourceStore) => Promise<void>): Promise<void> {
  const { store, cleanup } = await makeStore();
  try {
    await fn(store);
  } finally {
    await cleanup();
  }
}

export function mesh(name: string, spec: JsonObject = {}, labels: Record<string, string> = {}): NewResource {
  return { type: 'Mesh', meta: { name, mesh: '', labels }, spec };
}

export function dataplane(meshName: string, name: string, labels: Record<string, string> = {}, port = 8080): NewResource {
  return {
    type: 'Dataplane',
    meta: { name, mesh: meshName, labels },
    spec: { networking: { address: '10.0.0.1', inbound: [{ port, tags: { 'kuma.io/service': name } }] } },
  };
}

export function secret(meshName: string, name: string, data = 'c2VjcmV0'): NewResource {
  return { type: 'Secret', meta: { name, mesh: meshName, labels: {} }, spec: { data } };
}

/** Collects events until `count` arrived (or fails after `timeoutMs`). */
export function collectEvents(store: ResourceStore): {
  events: ResourceChangedEvent[];
  waitFor: (count: number, timeoutMs?: number) => Promise<ResourceChangedEvent[]>;
  stop: () => void;
} {
  const events: ResourceChangedEvent[] = [];
  const stop = store.watch((e) => events.push(e));
  const waitFor = async (count: number, timeoutMs = 5000): Promise<ResourceChangedEvent[]> => {
    const deadline = Date.now() + timeoutMs;
    while (events.length < count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} events, got ${events.length}: ${JSON.stringify(events)}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    return events;
  };
  return { events, waitFor, stop };
}

/** Resolves when `p` rejects with an error carrying `code`; returns the error. */
export async function rejectsWithCode(p: Promise<unknown>, code: string): Promise<Error & { code: string }> {
  try {
    await p;
  } catch (err) {
    const e = err as Error & { code: string };
    if (e.code !== code) throw new Error(`expected ${code}, got ${e.code ?? 'no code'}: ${e.message}`);
    return e;
  }
  throw new Error(`expected rejection with ${code}, but it resolved`);
}
