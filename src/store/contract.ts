import { describe } from 'node:test';
import { registerCascadeContract } from './contract-cascade.js';
import { registerCrudContract } from './contract-crud.js';
import { registerListContract } from './contract-list.js';
import { registerWatchContract } from './contract-watch.js';
import type { StoreFactory } from './contract-support.js';

export type { StoreFactory, StoreUnderTest } from './contract-support.js';

/**
 * The behaviour every ResourceStore backend must show, as node:test tests. A backend's test file calls
 * `runStoreContract('memory', async () => ({ store, cleanup }))`; each test gets a fresh, empty store.
 */
export function runStoreContract(name: string, makeStore: StoreFactory): void {
  describe(`ResourceStore contract: ${name}`, () => {
    registerCrudContract(makeStore);
    registerCascadeContract(makeStore);
    registerListContract(makeStore);
    registerWatchContract(makeStore);
  });
}
