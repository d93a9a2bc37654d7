import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { PrometheusApiError, queryInstant } from '../../src/prometheus/prometheus-api';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const servers: Server[] = [];

/** A stand-in Prometheus on 127.0.0.1 that records the requests it gets. */
async function fakePrometheus(handler: Handler) {
  const requests: URL[] = [];
  const server = createServer((req, res) => {
    requests.push(new URL(req.url ?? '/', 'http://x'));
    handler(req, res);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

const json =
  (status: number, body: unknown): Handler =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };

async function rejection(promise: Promise<unknown>): Promise<PrometheusApiError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PrometheusApiError);
  return err as PrometheusApiError;
}

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

describe('queryInstant', () => {
  it('sends the query and returns labels and numeric values (NaN and Inf included)', async () => {
    const prom = await fakePrometheus(
      json(200, {
        status: 'success',
        data: {
          resultType: 'vector',
          result: [
            { metric: { operation: 'put' }, value: [1700000000.123, '0.042'] },
            { metric: { operation: 'get' }, value: [1700000000.123, 'NaN'] },
            { metric: {}, value: [1700000000.123, '+Inf'] },
          ],
        },
      }),
    );
    const promql = 'sum by (operation) (rate(stemedb_storage_operation_errors_total{job="stemedb"}[5m]))';
    const result = await queryInstant(`${prom.url}/`, promql, { timeoutMs: 2000, time: new Date(1_700_000_000_500) });
    expect(result).toEqual([
      { labels: { operation: 'put' }, value: 0.042, timestampMs: 1700000000123 },
      { labels: { operation: 'get' }, value: NaN, timestampMs: 1700000000123 },
      { labels: {}, value: Infinity, timestampMs: 1700000000123 },
    ]);
    expect(prom.requests[0]!.pathname).toBe('/api/v1/query');
    expect(prom.requests[0]!.searchParams.get('query')).toBe(promql);
    expect(prom.requests[0]!.searchParams.get('time')).toBe('1700000000.5');
  });

  it('keeps a path prefix in the base URL and returns an empty vector as []', async () => {
    const prom = await fakePrometheus(json(200, { status: 'success', data: { resultType: 'vector', result: [] } }));
    expect(await queryInstant(`${prom.url}/prometheus`, 'up', { timeoutMs: 2000 })).toEqual([]);
    expect(prom.requests[0]!.pathname).toBe('/prometheus/api/v1/query');
  });

  it('returns a scalar as one sample without labels', async () => {
    const prom = await fakePrometheus(json(200, { status: 'success', data: { resultType: 'scalar', result: [1700000000, '2'] } }));
    expect(await queryInstant(prom.url, '1+1', { timeoutMs: 2000 })).toEqual([{ labels: {}, value: 2, timestampMs: 1700000000000 }]);
  });

  it("reports Prometheus's own error for a bad query", async () => {
    const prom = await fakePrometheus(json(400, { status: 'error', errorType: 'bad_data', error: 'parse error: unexpected end of input' }));
    const err = await rejection(queryInstant(prom.url, 'rate(', { timeoutMs: 2000 }));
    expect(err.code).toBe('QUERY_ERROR');
    expect(err.status).toBe(400);
    expect(err.message).toBe(`Prometheus at ${prom.url} rejected the query (HTTP 400, bad_data): parse error: unexpected end of input`);
  });

  it('reports the HTTP status when the body is not a Prometheus error', async () => {
    const prom = await fakePrometheus((_req, res) => res.writeHead(503).end('<html>Service Unavailable</html>'));
    const err = await rejection(queryInstant(prom.url, 'up', { timeoutMs: 2000 }));
    expect(err).toMatchObject({ code: 'HTTP_ERROR', status: 503, message: `Prometheus at ${prom.url} answered HTTP 503` });
  });

  it('rejects a 200 that is not a query result, a matrix, and a non-numeric value', async () => {
    const html = await fakePrometheus((_req, res) => res.writeHead(200).end('<html>login</html>'));
    expect((await rejection(queryInstant(html.url, 'up', { timeoutMs: 2000 }))).code).toBe('BAD_RESPONSE');
    const matrix = await fakePrometheus(json(200, { status: 'success', data: { resultType: 'matrix', result: [] } }));
    const err = await rejection(queryInstant(matrix.url, 'up[5m]', { timeoutMs: 2000 }));
    expect(err).toMatchObject({ code: 'BAD_RESPONSE', message: `Prometheus at ${matrix.url} returned a matrix, not an instant vector` });
    const word = await fakePrometheus(json(200, { status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1, 'lots'] }] } }));
    expect((await rejection(queryInstant(word.url, 'up', { timeoutMs: 2000 }))).message).toContain('"lots"');
  });

  it('reports status "error" inside a 200', async () => {
    const prom = await fakePrometheus(json(200, { status: 'error', errorType: 'timeout', error: 'query timed out in expression evaluation' }));
    const err = await rejection(queryInstant(prom.url, 'up', { timeoutMs: 2000 }));
    expect(err).toMatchObject({ code: 'QUERY_ERROR', message: `Prometheus at ${prom.url} rejected the query: query timed out in expression evaluation` });
  });

  it('times out on a server that never answers', async () => {
    const prom = await fakePrometheus(() => {});
    const err = await rejection(queryInstant(prom.url, 'up', { timeoutMs: 150 }));
    expect(err).toMatchObject({ code: 'TIMEOUT', message: `Prometheus at ${prom.url} did not answer within 150 ms` });
  });

  it('times out on a server that stops in the middle of the body', async () => {
    const prom = await fakePrometheus((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"status":"success",');
    });
    expect((await rejection(queryInstant(prom.url, 'up', { timeoutMs: 150 }))).code).toBe('TIMEOUT');
  });

  it('sends credentials in the URL as Basic auth, never in the URL', async () => {
    let authorization: string | undefined;
    const prom = await fakePrometheus((req, res) => {
      authorization = req.headers.authorization;
      json(200, { status: 'success', data: { resultType: 'vector', result: [] } })(req, res);
    });
    const withCredentials = prom.url.replace('http://', 'http://admin:s%3Acret@');
    expect(await queryInstant(withCredentials, 'up', { timeoutMs: 2000 })).toEqual([]);
    expect(authorization).toBe(`Basic ${Buffer.from('admin:s:cret').toString('base64')}`);
  });

  it('reports an unreachable server, without the credentials of the URL', async () => {
    const prom = await fakePrometheus(() => {});
    const port = new URL(prom.url).port;
    const server = servers.pop()!;
    await new Promise((resolve) => server.close(resolve));
    const err = await rejection(queryInstant(`http://admin:s3cret@127.0.0.1:${port}`, 'up', { timeoutMs: 2000 }));
    expect(err.code).toBe('UNREACHABLE');
    expect(err.message).toMatch(new RegExp(`^could not reach Prometheus at http://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
    expect(err.message).not.toContain('s3cret');
  });

  it("stops when the caller's signal aborts, and refuses an invalid base URL", async () => {
    const prom = await fakePrometheus(() => {});
    const controller = new AbortController();
    const pending = queryInstant(prom.url, 'up', { timeoutMs: 5000, signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    expect((await rejection(pending)).code).toBe('CANCELLED');
    expect((await rejection(queryInstant('not a url', 'up', { timeoutMs: 100 }))).code).toBe('UNREACHABLE');
  });

  it('uses the injected fetch', async () => {
    const calls: string[] = [];
    const fetchImpl: typeof fetch = async (input) => {
      calls.push(String(input));
      return new Response(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [] } }), { status: 200 });
    };
    expect(await queryInstant('http://prometheus:9090', 'up', { timeoutMs: 100, fetchImpl })).toEqual([]);
    expect(calls).toEqual(['http://prometheus:9090/api/v1/query?query=up']);
  });
});
