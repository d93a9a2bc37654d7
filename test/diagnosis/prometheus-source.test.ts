import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { diagnoseNode } from '../../src/diagnosis/diagnose-node';
import type { ErrorMetricsData } from '../../src/diagnosis/checks/error-metrics';
import { startSimRuntime, type SimRuntime } from './sim-runtime';

type Mode = 'rates' | 'empty' | 'broken';

/** A stand-in for Prometheus's instant query API: per-operation rates, no series, or a 503. */
function startFakePrometheus() {
  const queries: string[] = [];
  let mode: Mode = 'rates';
  const server: Server = createServer((req, res) => {
    const query = new URL(req.url ?? '/', 'http://x').searchParams.get('query') ?? '';
    queries.push(query);
    if (mode === 'broken') {
      res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'error', errorType: 'unavailable', error: 'TSDB not ready' }));
      return;
    }
    const rates = query.includes('operation_errors') ? { put: 3, get: 0 } : { put: 100, get: 300 };
    const result = mode === 'empty' ? [] : Object.entries(rates).map(([operation, v]) => ({ metric: { operation }, value: [Date.now() / 1000, String(v)] }));
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result } }));
  });
  return {
    queries,
    setMode: (m: Mode) => void (mode = m),
    listen: () => new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`))),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('error_metrics with prometheus.url configured', () => {
  const prometheus = startFakePrometheus();
  let sim: SimRuntime;
  const errorMetrics = async () => {
    const result = await diagnoseNode(sim.runtime.services, sim.node('stemedb-1'));
    const check = result.checks.find((c) => c.id === 'error_metrics')!;
    return { ...check, data: check.data as ErrorMetricsData };
  };

  beforeAll(async () => {
    const url = await prometheus.listen();
    sim = await startSimRuntime([{ name: 'stemedb-1', scenarios: ['disk_full'] }], { edit: (doc) => void (doc.prometheus = { url }) });
  });
  afterAll(async () => {
    await sim?.stop();
    await prometheus.close();
  });
  beforeEach(() => void prometheus.queries.splice(0));

  it("uses Prometheus's 5m rates by operation for this node's scrape target", async () => {
    prometheus.setMode('rates');
    const check = await errorMetrics();
    expect(check.data).toMatchObject({ source: 'prometheus', windowSeconds: 300, errorRate: 3 / 400, worstOperation: 'put' });
    expect(check.data.byOperation.put).toEqual({ errors: 3, operations: 100, errorRate: 0.03 });
    const instance = new URL(sim.node('stemedb-1').apiUrl).host;
    expect(prometheus.queries).toEqual([
      `sum by (operation) (rate(stemedb_storage_operation_errors_total{instance="${instance}"}[5m]))`,
      `sum by (operation) (rate(stemedb_storage_operations_total{instance="${instance}"}[5m]))`,
    ]);
  });

  it('falls back to two scrapes, and says why, when Prometheus has no series for the node', async () => {
    prometheus.setMode('empty');
    const check = await errorMetrics();
    expect(check.data).toMatchObject({ source: 'scrapes', prometheusError: 'Prometheus has no series for this node' });
    expect(check.data.errorRate).toBeCloseTo(0.0202, 2);
    expect(check.summary).toContain('measured from scrapes');
  });

  it('falls back to scrapes when Prometheus fails', async () => {
    prometheus.setMode('broken');
    const check = await errorMetrics();
    expect(check.data.source).toBe('scrapes');
    expect(check.data.prometheusError).toContain('TSDB not ready');
    expect(check.status).toBe('critical');
  });
});
