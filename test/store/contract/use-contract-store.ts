import { afterEach, beforeEach } from 'vitest';
import type { UnitOfWork } from '../../../src/app/repositories';
import type { StoreConnection, StoreFactory } from './store-factory';

export const t0 = new Date('2026-11-29T12:00:00Z');
export const at = (ms: number) => new Date(t0.getTime() + ms);

/**
 * A fresh store per test; `connect()` opens another connection to it (a restart, a second replica). Call
 * inside a `describe`: the hooks close every connection and destroy the store after each test.
 */
export function useContractStore(factory: StoreFactory): { connect(): Promise<StoreConnection> } {
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
    async connect() {
      const connection = await store.open();
      open.push(connection);
      return connection;
    },
  };
}

/** An open alert incident of `node`, one per `n` (its own fingerprint and problem), for rows that reference one. */
export async function openIncident(store: UnitOfWork, node: string | null, n: number, when: Date = t0): Promise<string> {
  const { incident } = await store.incidents.openOrGet(
    { node, title: `alert ${n}`, source: 'alert', alertname: `Alert${n}`, fingerprint: `fp-${n}`, episode: '2026-11-29T11:59:00Z', problem: `problem-${n}` },
    when,
  );
  return incident.id;
}
