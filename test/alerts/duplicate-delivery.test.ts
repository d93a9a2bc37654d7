import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { UnitOfWork } from '../../src/app/repositories';
import { alertmanagerPayloadSchema } from '../../src/alerts/alertmanager-payload';
import { recordAlerts, type IntakeResult } from '../../src/alerts/record-alerts';
import { parseConfig } from '../../src/config/load-config';
import { Inventory } from '../../src/stemedb/inventory';
import { requirePostgresOrSkip, startPostgres, type RunningPostgres } from '../harness/postgres';
import { postgresFactory } from '../store/contract/postgres-factory';
import { sqliteFactory } from '../store/contract/sqlite-factory';
import type { StoreConnection, StoreFactory } from '../store/contract/store-factory';
import { alert, payload } from './alert-payloads';

const config = parseConfig(
  {
    stemedb: {
      nodes: [
        { name: 'stemedb-1', apiUrl: 'http://127.0.0.1:9', local: true },
        { name: 'stemedb-2', apiUrl: 'http://127.0.0.1:9', local: true },
      ],
    },
    slack: { alertChannel: 'C0ALERTS' },
  },
  'test',
);
const services = { config, inventory: new Inventory(config.stemedb.nodes) };
const at = new Date('2026-11-29T12:00:00Z');

/** One Alertmanager group with two alerts (two nodes), as a clustered Alertmanager may send it twice. */
const group = alertmanagerPayloadSchema.parse(
  payload([alert({ fingerprint: 'fp-dup-1', labels: { instance: 'stemedb-1' } }), alert({ fingerprint: 'fp-dup-2', labels: { instance: 'stemedb-2' } })]),
);

function sum(results: IntakeResult[], key: 'opened' | 'repeated' | 'failed'): number {
  return results.reduce((n, r) => n + r[key], 0);
}

/**
 * A clustered Alertmanager delivers a group twice, possibly to two replicas at the same moment. The incident
 * dedupe (fingerprint + episode) in the store must leave one header, one diagnosis and one count per alert.
 * PostgreSQL: two connections (two replicas' pools) record at once. SQLite is one process per file (a second
 * is refused by the process lock): the copies arrive at once on its one connection.
 */
function duplicateDeliverySuite(factory: StoreFactory, replicas: 1 | 2): void {
  describe(`the same Alertmanager group delivered 4 times at once (${factory.name}, ${replicas} connection(s))`, () => {
    let store: Awaited<ReturnType<StoreFactory['create']>>;
    const open: StoreConnection[] = [];
    beforeEach(async () => {
      store = await factory.create();
    });
    afterEach(async () => {
      for (const c of open.splice(0)) await c.close();
      await store.destroy();
    });

    it('opens one incident and one thread per alert, enqueues one diagnosis per node, counts the copies as repeats', async () => {
      const stores: UnitOfWork[] = [];
      for (let r = 0; r < replicas; r++) {
        const connection = await store.open();
        open.push(connection);
        stores.push(connection.store);
      }
      const results = await Promise.all([0, 1, 2, 3].map((k) => recordAlerts({ services, store: stores[k % replicas]! }, group, at)));
      expect(sum(results, 'failed')).toBe(0);
      expect(sum(results, 'opened')).toBe(2);
      expect(sum(results, 'repeated')).toBe(6);

      const repo = stores[0]!;
      for (const fingerprint of ['fp-dup-1', 'fp-dup-2']) {
        const incident = (await repo.incidents.openForFingerprint(fingerprint))!;
        const thread = (await repo.alerts.thread(incident.id))!;
        // The copies are recorded as repeats of the alert, not as a change (no "refired" update to post).
        expect(thread.repeats).toBe(3);
        const kinds = (await repo.incidents.events(incident.id)).map((e) => e.kind);
        expect(kinds.filter((k) => k === 'alert_fired')).toHaveLength(1);
        expect(kinds).not.toContain('alert_refired');
      }
      // One sync (header) per thread and one diagnosis per node, no more.
      const jobs = await repo.jobs.claim(['sync', 'diagnose'], new Date(at.getTime() + 1_000), 100, { owner: 'test-replica', ttlMs: 30_000 });
      expect(jobs.map((j) => `${j.kind}:${j.kind === 'diagnose' ? j.target : 'incident'}`).sort()).toEqual([
        'diagnose:stemedb-1',
        'diagnose:stemedb-2',
        'sync:incident',
        'sync:incident',
      ]);
    });

    it('groups naming the same nodes in opposite orders, recorded at once, all succeed (no deadlock between them)', async () => {
      const stores: UnitOfWork[] = [];
      for (let r = 0; r < replicas; r++) {
        const connection = await store.open();
        open.push(connection);
        stores.push(connection.store);
      }
      const nodes = ['stemedb-1', 'stemedb-2'];
      const groups = Array.from({ length: 8 }, (_, g) =>
        alertmanagerPayloadSchema.parse(
          payload(
            (g % 2 === 0 ? nodes : [...nodes].reverse()).map((node, i) =>
              alert({ fingerprint: `fp-order-${g}-${i}`, labels: { alertname: `Order${g}`, instance: node } }),
            ),
          ),
        ),
      );
      const results = await Promise.all(groups.map((g, k) => recordAlerts({ services, store: stores[k % replicas]! }, g, at)));
      expect(results.flatMap((r) => r.failures)).toEqual([]);
      expect(sum(results, 'opened')).toBe(16);
    });
  });
}

describe('duplicate Alertmanager deliveries', () => {
  duplicateDeliverySuite(sqliteFactory, 1);

  describe.runIf(requirePostgresOrSkip())('on PostgreSQL', () => {
    let server: RunningPostgres;
    beforeAll(async () => {
      server = await startPostgres();
    }, 30_000);
    afterAll(async () => server?.stop());
    duplicateDeliverySuite(
      postgresFactory(() => server),
      2,
    );
  });
});
