import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime, type Runtime } from '../../src/app/runtime';
import { parseConfig } from '../../src/config/load-config';
import { createLogger } from '../../src/ops/logger';
import { startCaptureServer, type CaptureServer } from '../harness/capture-server';
import { requirePostgresOrSkip, startPostgres, type RunningPostgres } from '../harness/postgres';

/** What operators see of a replica on PostgreSQL: readiness, metrics and the dead-man heartbeat (issue 13). */
describe.runIf(requirePostgresOrSkip())('a replica on PostgreSQL: /readyz, /metrics, heartbeat', () => {
  let server: RunningPostgres;
  let capture: CaptureServer;
  let url: string;

  beforeAll(async () => {
    [server, capture] = await Promise.all([startPostgres(), startCaptureServer()]);
    url = await server.createDatabase('operations');
  }, 30_000);
  afterAll(async () => {
    await capture?.close();
    await server?.stop().catch(() => undefined);
  });

  const open = (heartbeatUrl: string) =>
    createRuntime({
      config: parseConfig(
        {
          slack: { alertChannel: 'C0ALERTS' },
          stemedb: { nodes: [{ name: 'stemedb-1', apiUrl: 'http://127.0.0.1:9' }] },
          store: { postgres: { urlEnv: 'DATABASE_URL' } },
          ops: { heartbeatUrl, heartbeatEvery: '1s' },
        },
        'test',
      ),
      log: createLogger('silent'),
      secret: (name) => (name === 'DATABASE_URL' ? url : undefined),
      replica: 'replica-a',
      charts: { enabled: false },
    });

  it('a client runtime (the local shell) on a postgres config reads the same database and runs no engine', async () => {
    const bot = await open(`${capture.url}/heartbeat/other`);
    const client = await createRuntime({
      config: bot.services.config,
      log: createLogger('silent'),
      secret: (name) => (name === 'DATABASE_URL' ? url : undefined),
      role: 'client',
      replica: 'shell',
      charts: { enabled: false },
    });
    try {
      const { incident } = await bot.services.store.incidents.openOrGet(
        { node: 'stemedb-1', title: 'seen by the shell', source: 'manual', severity: 'critical' },
        new Date(),
      );
      expect((await client.services.store.incidents.openForNode('stemedb-1'))?.id).toBe(incident.id);
      await expect(client.start()).rejects.toThrow(/client runtime runs no background work/);
      await bot.services.store.incidents.resolve(incident.id, new Date(), 'U0TEST');
    } finally {
      await client.close();
      await bot.close();
    }
  });

  it('pings the heartbeat while on schedule; /readyz follows the schema gate and the database; replica and outbox metrics', async () => {
    const runtime: Runtime = await open(`${capture.url}/heartbeat/secret-token`);
    try {
      await runtime.start();
      await runtime.storeReady(2_000);
      const pings = () => capture.requests().filter((r) => r.path.startsWith('/heartbeat/') && r.method === 'GET');
      for (let i = 0; i < 50 && pings().length === 0; i++) await new Promise((r) => setTimeout(r, 100));
      expect(pings().length).toBeGreaterThanOrEqual(1);

      const metrics = await runtime.metrics.registry.metrics();
      expect(metrics).toContain('stemedb_chatops_replica_info{replica="replica-a",store="postgres"} 1');
      expect(metrics).toMatch(/stemedb_chatops_outbox_oldest_pending_seconds 0\n/);
      expect(metrics).toMatch(/stemedb_chatops_auditor_last_success_timestamp_seconds \d+/);

      // A newer release migrated the database: this replica says so and stops taking traffic and work.
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      await admin.query("INSERT INTO schema_migrations (version, name) VALUES (9999, 'from a newer release')");
      await expect(runtime.storeReady(2_000)).rejects.toThrow(/database schema is newer than this replica \(database 9999/);
      expect(await runtime.metrics.registry.getSingleMetricAsString('stemedb_chatops_schema_compatible')).toMatch(/ 0$/m);
      const before = pings().length;
      await new Promise((r) => setTimeout(r, 2_200));
      expect(pings().length).toBe(before); // the auditor stood down with the engines
      await admin.query('DELETE FROM schema_migrations WHERE version = 9999');
      await admin.end();
      await runtime.storeReady(2_000);

      // The database goes away: not ready, within the timeout.
      await server.stop();
      const started = Date.now();
      await expect(runtime.storeReady(1_000)).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(1_500);
    } finally {
      await runtime.close();
    }
  }, 30_000);
});
