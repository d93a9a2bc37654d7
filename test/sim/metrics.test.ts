import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../sim/cluster';
import { LATENCY_BUCKETS } from '../../sim/counters';
import { combineProfiles, OPERATIONS, type Scenario } from '../../sim/scenarios';
import { getJson, sample, scrape, sleep, tempCluster } from './sim-helpers';

const OPS = 2000;
const NODES: Array<{ name: string; scenarios: Scenario[]; errorFraction?: number }> = [
  { name: 'healthy', scenarios: ['healthy'] },
  { name: 'disk-full', scenarios: ['disk_full'] },
  { name: 'disk-hardware', scenarios: ['disk_hardware'] },
  { name: 'lsm-corruption', scenarios: ['lsm_corruption'] },
  { name: 'lock-contention', scenarios: ['lock_contention'] },
  { name: 'compaction-lag', scenarios: ['compaction_lag'] },
  { name: 'full-and-lagging', scenarios: ['disk_full', 'compaction_lag'] },
  { name: 'very-broken', scenarios: ['disk_hardware'], errorFraction: 0.15 },
];

let cluster: SimCluster;
let cleanup: () => Promise<void>;
const first = new Map<string, string>();
const second = new Map<string, string>();

beforeAll(async () => {
  ({ cluster, cleanup } = await tempCluster(NODES.map((n) => ({ ...n, opsPerSecond: OPS }))));
  for (const n of cluster.nodes) first.set(n.name, await scrape(n.apiUrl));
  await sleep(1000);
  for (const n of cluster.nodes) second.set(n.name, await scrape(n.apiUrl));
});
afterAll(() => cleanup());

const delta = (node: string, name: string, labels: Record<string, string> = {}) =>
  sample(second.get(node)!, name, labels) - sample(first.get(node)!, name, labels);

/** histogram_quantile over the increase between the two scrapes, as Prometheus computes it. */
function p99(node: string, name: string, labels: Record<string, string>): number {
  const counts = [...LATENCY_BUCKETS.map(String), '+Inf'].map((le) => delta(node, `${name}_bucket`, { ...labels, le }));
  const total = counts.at(-1)!;
  const rank = 0.99 * total;
  const i = counts.findIndex((c) => c >= rank);
  if (i >= LATENCY_BUCKETS.length) return LATENCY_BUCKETS.at(-1)!;
  const lower = i === 0 ? 0 : LATENCY_BUCKETS[i - 1]!;
  const below = i === 0 ? 0 : counts[i - 1]!;
  return lower + ((LATENCY_BUCKETS[i]! - lower) * (rank - below)) / (counts[i]! - below);
}

describe('GET /metrics over two scrapes', () => {
  it.each(NODES)('gives $name the error fraction of its scenarios per operation', ({ name, scenarios, errorFraction }) => {
    const expected = combineProfiles(scenarios, { errorFraction }).errors;
    for (const operation of OPERATIONS) {
      const ops = delta(name, 'stemedb_storage_operations_total', { operation });
      const errors = delta(name, 'stemedb_storage_operation_errors_total', { operation });
      expect(ops).toBeGreaterThan(OPS * 0.5);
      expect(errors).toBeLessThanOrEqual(ops);
      // Whole-number counters: allow one count of rounding besides 10%.
      expect(Math.abs(errors / ops - expected[operation])).toBeLessThanOrEqual(Math.max(0.1 * expected[operation], 1.5 / ops));
    }
  });

  it('crosses the runbook thresholds where the scenarios say so', () => {
    const rate = (node: string) => {
      const sum = (metric: string) => OPERATIONS.reduce((s, operation) => s + delta(node, metric, { operation }), 0);
      return sum('stemedb_storage_operation_errors_total') / sum('stemedb_storage_operations_total');
    };
    expect(rate('healthy')).toBeLessThan(0.01);
    for (const node of ['disk-full', 'disk-hardware', 'lsm-corruption', 'lock-contention', 'compaction-lag']) expect(rate(node)).toBeGreaterThan(0.01);
    expect(rate('very-broken')).toBeGreaterThan(0.1);
  });

  it('shows seconds of put latency and lock wait only under lock contention', () => {
    expect(p99('lock-contention', 'stemedb_storage_put_duration_seconds', { operation: 'put' })).toBeGreaterThan(1);
    expect(p99('lock-contention', 'stemedb_storage_lock_wait_duration_seconds', {})).toBeGreaterThan(1);
    expect(p99('healthy', 'stemedb_storage_put_duration_seconds', { operation: 'put' })).toBeLessThan(0.05);
    expect(p99('healthy', 'stemedb_storage_lock_wait_duration_seconds', {})).toBeLessThan(0.01);
  });

  it('reports LSM gauges by scenario', () => {
    const gauge = (node: string, name: string) => sample(second.get(node)!, name);
    expect(gauge('healthy', 'stemedb_lsm_pending_compaction_bytes')).toBeLessThan(100e6);
    expect(gauge('compaction-lag', 'stemedb_lsm_pending_compaction_bytes')).toBeGreaterThan(10e9);
    expect(gauge('healthy', 'stemedb_storage_write_amplification')).toBeLessThan(10);
    expect(gauge('compaction-lag', 'stemedb_storage_write_amplification')).toBeGreaterThan(10);
    expect(sample(second.get('compaction-lag')!, 'stemedb_lsm_compaction_duration_seconds', { quantile: '0.99' })).toBeGreaterThan(60);
    expect(delta('healthy', 'stemedb_assertions_indexed_total')).toBeGreaterThan(0);
  });
});

describe('admin JSON endpoints', () => {
  it('reports real SST counts and nominal sizes in stats', async () => {
    const { status, body } = await getJson(`${cluster.node('compaction-lag').apiUrl}/v1/admin/storage/stats`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ sst_file_count: 650, total_bytes: 650 * 64 * 1024 * 1024, compaction_running: false });
    const healthy = (await getJson(`${cluster.node('healthy').apiUrl}/v1/admin/storage/stats`)).body as Record<string, number>;
    expect(healthy.sst_file_count).toBe(40);
    expect(healthy.pending_compaction_bytes).toBeGreaterThan(40e6);
  });

  it('lists slow queries only under lock contention', async () => {
    const contended = (await getJson(`${cluster.node('lock-contention').apiUrl}/v1/admin/slow-queries`)).body as Array<Record<string, unknown>>;
    expect(contended.length).toBeGreaterThan(0);
    expect(Object.keys(contended[0]!)).toEqual(expect.arrayContaining(['query_id', 'query', 'duration_ms', 'started_at', 'waiting_on']));
    expect((await getJson(`${cluster.node('healthy').apiUrl}/v1/admin/slow-queries`)).body).toEqual([]);
  });

  it('answers 404 with a JSON error for unknown paths', async () => {
    const { status, body } = await getJson(`${cluster.node('healthy').apiUrl}/v1/nope`);
    expect(status).toBe(404);
    expect(body).toHaveProperty('error');
  });
});
