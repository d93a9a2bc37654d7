import { afterEach, beforeEach } from 'vitest';
import type { OpenOptions, StoreConnection, StoreFactory } from './store-factory';

/**
 * A fresh store per test and the connections opened on it (each one another process or replica), closed and
 * destroyed after the test. Call inside a `describe`.
 */
export function contractStore(factory: StoreFactory): { connect(options?: OpenOptions): Promise<StoreConnection> } {
  let store: Awaited<ReturnType<StoreFactory['create']>>;
  const open: StoreConnection[] = [];
  beforeEach(async () => {
    store = await factory.create();
  });
  afterEach(async () => {
    for (const connection of open.splice(0)) await connection.close();
    await store.destroy();
  });
  return {
    async connect(options) {
      const connection = await store.open(options);
      open.push(connection);
      return connection;
    },
  };
}
