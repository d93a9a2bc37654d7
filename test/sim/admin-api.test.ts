import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster, SimNodeHandle } from '../../sim/cluster';
import { getJson, sample, scrape, sleep, tempCluster, waitFor } from './sim-helpers';

let cluster: SimCluster;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ cluster, cleanup } = await tempCluster([
    { name: 'lagging', scenarios: ['compaction_lag'], compactionSeconds: 1 },
    { name: 'full-and-contended', scenarios: ['disk_full', 'lock_contention'], compactionSeconds: 0.5 },
    { name: 'guarded', scenarios: ['healthy'], adminToken: 's3cret' },
    { name: 'broken-compactor', scenarios: ['disk_full'], compactFailStatus: 500 },
    { name: 'healable', scenarios: ['disk_full'], opsPerSecond: 2000 },
    { name: 'hanging', scenarios: ['healthy'] },
  ]));
});
afterAll(() => cleanup());

const compact = (node: SimNodeHandle, body: unknown = { force: true }, headers: Record<string, string> = {}) =>
  getJson(`${node.apiUrl}/v1/admin/storage/compact`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
const stats = async (node: SimNodeHandle, headers: Record<string, string> = {}) =>
  (await getJson(`${node.apiUrl}/v1/admin/storage/stats`, { headers })).body as Record<string, number | boolean>;
const sstOnDisk = (node: SimNodeHandle) => readdirSync(join(node.dataDir, 'kv')).filter((f) => f.endsWith('.sst')).length;

describe('POST /v1/admin/storage/compact', () => {
  it('deletes SST files, drains pending bytes and clears compaction_lag', async () => {
    const node = cluster.node('lagging');
    expect(sstOnDisk(node)).toBe(650);
    const started = await compact(node);
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ status: 'started', sst_file_count: 650 });
    expect((await compact(node)).status).toBe(409);
    expect((await stats(node)).compaction_running).toBe(true);
    const done = await waitFor(async () => {
      const s = await stats(node);
      return s.compaction_running ? undefined : s;
    });
    expect(done.pending_compaction_bytes).toBe(0);
    expect(done.sst_file_count).toBe(30);
    expect(sstOnDisk(node)).toBe(30);
    expect(node.scenarios()).toEqual(['healthy']);
    expect(node.compactRequests()).toBe(2);
    const metrics = await scrape(node.apiUrl);
    expect(sample(metrics, 'stemedb_lsm_pending_compaction_bytes')).toBe(0);
    expect(sample(metrics, 'stemedb_storage_write_amplification')).toBeLessThan(10);
    expect(readFileSync(node.logFile, 'utf8')).toMatch(/INFO stemedb_storage::lsm: compaction finished .*sst_files 650 -> 30/);
  });

  it('clears disk_full but leaves unrelated faults', async () => {
    const node = cluster.node('full-and-contended');
    expect((await compact(node, { force: false })).status).toBe(202);
    await waitFor(async () => ((await stats(node)).compaction_running ? undefined : true));
    expect(node.scenarios()).toEqual(['lock_contention']);
    expect((await compact(node, {})).status).toBe(202);
  });

  it('rejects a malformed body', async () => {
    const res = await compact(cluster.node('guarded'), { force: 'yes' }, { authorization: 'Bearer s3cret' });
    expect(res.status).toBe(400);
  });

  it('can be told to fail', async () => {
    const node = cluster.node('broken-compactor');
    const res = await compact(node);
    expect(res.status).toBe(500);
    expect(res.body).toHaveProperty('error');
    expect(node.compactRequests()).toBe(1);
    expect((await stats(node)).compaction_running).toBe(false);
  });
});

describe('admin token', () => {
  it('guards /v1/admin/* and leaves /metrics open', async () => {
    const node = cluster.node('guarded');
    expect((await getJson(`${node.apiUrl}/v1/admin/storage/stats`)).status).toBe(401);
    expect((await getJson(`${node.apiUrl}/v1/admin/slow-queries`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await compact(node)).status).toBe(401);
    expect((await getJson(`${node.apiUrl}/v1/admin/storage/stats`, { headers: { authorization: 'Bearer s3cret' } })).status).toBe(200);
    expect((await fetch(`${node.apiUrl}/metrics`)).status).toBe(200);
  });
});

describe('/_sim controls', () => {
  it('heals a node with PUT /_sim/scenarios', async () => {
    const node = cluster.node('healable');
    const bad = await getJson(`${node.apiUrl}/_sim/scenarios`, { method: 'PUT', body: JSON.stringify({ scenarios: ['on_fire'] }) });
    expect(bad.status).toBe(400);
    const res = await getJson(`${node.apiUrl}/_sim/scenarios`, { method: 'PUT', body: JSON.stringify({ scenarios: ['healthy'] }) });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ scenarios: ['healthy'] });
    expect(node.scenarios()).toEqual(['healthy']);
    const a = await scrape(node.apiUrl);
    await sleep(1000);
    const b = await scrape(node.apiUrl);
    const d = (name: string) => sample(b, name, { operation: 'put' }) - sample(a, name, { operation: 'put' });
    expect(d('stemedb_storage_operation_errors_total') / d('stemedb_storage_operations_total')).toBeLessThan(0.005);
    await getJson(`${node.apiUrl}/_sim/scenarios`, { method: 'PUT', body: JSON.stringify({ scenarios: ['compaction_lag'] }) });
    expect(sstOnDisk(node)).toBe(650);
    expect((await getJson(`${node.apiUrl}/_sim/state`)).body).toMatchObject({ scenarios: ['compaction_lag'], sst_file_count: 650 });
  });

  it('delays API answers while hanging, and not the controls', async () => {
    const node = cluster.node('hanging');
    node.setHang(400);
    const t0 = Date.now();
    expect((await fetch(`${node.apiUrl}/metrics`)).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(380);
    node.setHang(60_000);
    await expect(fetch(`${node.apiUrl}/v1/admin/storage/stats`, { signal: AbortSignal.timeout(300) })).rejects.toThrow();
    const res = await getJson(`${node.apiUrl}/_sim/hang`, { method: 'PUT', body: JSON.stringify({ ms: 0 }) });
    expect(res.body).toMatchObject({ hang_ms: 0 });
    expect((await fetch(`${node.apiUrl}/v1/admin/storage/stats`)).status).toBe(200);
  });

  it('stops promptly even with a request hanging', async () => {
    const { cluster: own, cleanup: done } = await tempCluster([{ name: 'stuck', scenarios: ['healthy'], hangMs: 60_000 }]);
    const pending = fetch(`${own.node('stuck').apiUrl}/metrics`).catch((err: unknown) => err);
    await sleep(100);
    await done();
    expect(await pending).toBeInstanceOf(Error);
  });
});
