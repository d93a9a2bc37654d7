/**
 * Lease failover bench (issue 13 groundwork): three replica processes on one throwaway PostgreSQL drain
 * `page` work items due over 20 s while a chaos loop SIGKILLs a random replica every 3 s (restarted after 1 s)
 * and once SIGSTOPs one past its lease. Reports lost items (must be 0), items completed twice (must be 0),
 * sends repeated with the same key (a replica died between send and complete: the far side must dedupe),
 * lateness p50/p99 for items claimed once and for items taken over, and a drain rate. Run:
 * `node --import tsx bench/failover-leases.ts` (writes bench/results/failover-leases.json).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { migratePostgres } from '../src/store/postgres/migrate-postgres';
import { startPostgres } from '../test/harness/postgres';
import { percentile, round } from './stats';

const LEASE_MS = 3_000;
const POLL_MS = 250;
// The first send's lateness includes the simulated 100-300 ms far-side call (failover-replica.ts).
const ITEMS = 2_000;
const SPREAD_S = 20;
const DRAIN_ITEMS = 5_000;

const server = await startPostgres();
const url = await server.createDatabase('failover');
const pool = new pg.Pool({ connectionString: url, max: 4 });
pool.on('error', (err) => console.error(`bench pool: ${err.message}`));
await migratePostgres(pool);
await pool.query(`CREATE TABLE bench_sends (ref TEXT NOT NULL, owner TEXT NOT NULL, attempt INTEGER NOT NULL, sent_at TIMESTAMPTZ NOT NULL);
                  CREATE TABLE bench_refused (ref TEXT NOT NULL, owner TEXT NOT NULL, attempt INTEGER NOT NULL)`);

const replicas = new Map<string, ChildProcess>();
const owners = new Map<string, string>();
/** Leases the replica holds at this instant: the work a kill or a pause strands until the lease runs out. */
const held = async (name: string) =>
  (
    await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM work_items WHERE owner = $1 AND status = 'pending' AND lease_until > now()`, [
      owners.get(name),
    ])
  ).rows[0]!.n;
let generation = 0;
const startReplica = (name: string) => {
  const owner = `${name}.${++generation}`;
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'failover-replica.ts'), url, owner, String(LEASE_MS), String(POLL_MS)], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  replicas.set(name, child);
  owners.set(name, owner);
};
const names = ['a', 'b', 'c'];
names.forEach(startReplica);
await new Promise((r) => setTimeout(r, 2_000)); // tsx start-up

// Phase 1: drain rate. Everything due now, three replicas.
await pool.query(`INSERT INTO work_items (kind, ref, due_at) SELECT 'page', 'drain-' || g, now() FROM generate_series(1, $1) g`, [DRAIN_ITEMS]);
const drainStart = performance.now();
while ((await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM work_items WHERE kind = 'page' AND status = 'pending'`)).rows[0]!.n > 0) {
  await new Promise((r) => setTimeout(r, 50));
}
const drainSeconds = (performance.now() - drainStart) / 1000;

// Phase 2: items due over SPREAD_S seconds, with chaos.
await pool.query(
  `INSERT INTO work_items (kind, ref, due_at)
   SELECT 'page', 'item-' || g, now() + make_interval(secs => 1 + random() * $2) FROM generate_series(1, $1) g`,
  [ITEMS, SPREAD_S],
);
const events: string[] = [];
const chaosEnd = Date.now() + SPREAD_S * 1000;
let paused = false;
while (Date.now() < chaosEnd) {
  await new Promise((r) => setTimeout(r, 3_000));
  let name = names[Math.floor(Math.random() * names.length)]!;
  if (!paused && Date.now() > chaosEnd - SPREAD_S * 500) {
    paused = true;
    // Pause a replica while it holds work (a stall mid-send is the case fencing exists for).
    for (const until = Date.now() + 2_000; Date.now() < until; ) {
      const counts = await Promise.all(names.map(async (n) => [n, await held(n)] as const));
      const best = counts.sort((x, y) => y[1] - x[1])[0]!;
      if (best[1] > 0) {
        name = best[0];
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    const child = replicas.get(name)!;
    child.kill('SIGSTOP');
    events.push(`SIGSTOP ${name} for ${LEASE_MS + 1_500} ms holding ${await held(name)} leases`);
    setTimeout(() => child.kill('SIGCONT'), LEASE_MS + 1_500);
    continue;
  }
  const child = replicas.get(name)!;
  child.kill('SIGKILL');
  events.push(`SIGKILL ${name} holding ${await held(name)} leases`);
  await new Promise((r) => setTimeout(r, 1_000));
  startReplica(name);
}
// Let the last takeovers happen.
const settleEnd = Date.now() + LEASE_MS + 5_000;
while (Date.now() < settleEnd) {
  const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM work_items WHERE ref LIKE 'item-%' AND status = 'pending'`);
  if (rows[0]!.n === 0) break;
  await new Promise((r) => setTimeout(r, 200));
}
for (const child of replicas.values()) {
  child.kill('SIGCONT');
  child.kill('SIGTERM');
}
await new Promise((r) => setTimeout(r, 1_000));

const lost = (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM work_items WHERE ref LIKE 'item-%' AND status <> 'done'`)).rows[0]!.n;
const doubleCompleted = (
  await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM (SELECT ref FROM work_items WHERE status = 'done' GROUP BY ref HAVING count(*) > 1) d`)
).rows[0]!.n;
const repeats = (
  await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM (SELECT ref FROM bench_sends WHERE ref LIKE 'item-%' GROUP BY ref HAVING count(*) > 1) d`)
).rows[0]!.n;
const refused = (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM bench_refused WHERE ref LIKE 'item-%'`)).rows[0]!.n;
const lateness = await pool.query<{ ms: number; attempt: number }>(
  `SELECT extract(epoch FROM (min(s.sent_at) - w.due_at)) * 1000 AS ms, max(w.attempt) AS attempt
     FROM work_items w JOIN bench_sends s ON s.ref = w.ref WHERE w.ref LIKE 'item-%' GROUP BY w.ref, w.due_at`,
);
const takeovers = (await pool.query<{ n: number }>(`SELECT COALESCE(sum(takeovers), 0)::int AS n FROM work_items WHERE ref LIKE 'item-%'`)).rows[0]!.n;
const once = lateness.rows.filter((r) => r.attempt === 1).map((r) => Number(r.ms));
const taken = lateness.rows.filter((r) => r.attempt > 1).map((r) => Number(r.ms));
const result = {
  bench: 'failover-leases',
  config: { replicas: 3, leaseMs: LEASE_MS, pollMs: POLL_MS, items: ITEMS, spreadSeconds: SPREAD_S },
  chaos: events,
  itemsLost: lost,
  itemsCompletedTwice: doubleCompleted,
  sendsRepeatedWithSameKey: repeats,
  staleCompletionsRefused: refused,
  leaseTakeovers: takeovers,
  // Lateness = first send minus due time (database clock). A send happens 100-300 ms after the claim (the
  // simulated far side), so that much of every figure is the simulated Slack call.
  latenessMs: {
    claimedOnce: { n: once.length, p50: round(percentile(once, 50)), p99: round(percentile(once, 99)) },
    takenOver: { n: taken.length, p50: round(percentile(taken, 50)), p99: round(percentile(taken, 99)), max: round(Math.max(...taken, 0)) },
  },
  // Everything due at once, drained by 3 replicas whose every send takes 100-300 ms (batches of 50).
  drain: { items: DRAIN_ITEMS, seconds: round(drainSeconds), itemsPerSecond: Math.round(DRAIN_ITEMS / drainSeconds) },
  machine: { cpus: cpus().length, node: process.version },
  at: new Date().toISOString(),
};
await pool.end();
await server.stop();
const dir = join(import.meta.dirname, 'results');
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'failover-leases.json'), `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
process.exit(0);
