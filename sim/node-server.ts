import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { z } from 'zod';
import { SCENARIOS } from './scenarios';
import type { SimNode } from './sim-node';

const MAX_BODY_BYTES = 64 * 1024;

const compactBody = z.object({ force: z.boolean().default(false) }).prefault({});
const scenariosBody = z.object({ scenarios: z.array(z.enum(SCENARIOS)) });
const hangBody = z.object({ ms: z.number().int().min(0).max(600_000) });

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, body: unknown, contentType = 'application/json'): void {
  if (res.headersSent || res.destroyed) return;
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'request body too large');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'request body is not valid JSON');
  }
}

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new HttpError(400, z.prettifyError(result.error));
  return result.data;
}

function authorized(req: IncomingMessage, token: string | undefined): boolean {
  if (!token) return true;
  const given = Buffer.from(req.headers.authorization ?? '');
  const expected = Buffer.from(`Bearer ${token}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export interface NodeServer {
  server: Server;
  /** Cancels pending hangs and drops open connections. */
  close(): Promise<void>;
}

/**
 * StemeDB's HTTP API for one simulated node (metrics and admin endpoints), plus `/_sim/*` controls for tests.
 * `hangMs` delays every API answer, never the controls, so a test can always un-hang the node.
 */
export function createNodeServer(node: SimNode): NodeServer {
  const hangs = new Set<NodeJS.Timeout>();
  const wait = (ms: number) =>
    new Promise<void>((done) => {
      const timer = setTimeout(() => {
        hangs.delete(timer);
        done();
      }, ms);
      timer.unref();
      hangs.add(timer);
    });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sim');
    const path = url.pathname;
    const key = `${req.method} ${path}`;
    if (path.startsWith('/_sim/')) {
      if (key === 'GET /_sim/state') return send(res, 200, node.state());
      if (key === 'PUT /_sim/scenarios') {
        node.setScenarios(parse(scenariosBody, await readJson(req)).scenarios);
        return send(res, 200, node.state());
      }
      if (key === 'PUT /_sim/hang') {
        node.hangMs = parse(hangBody, await readJson(req)).ms;
        return send(res, 200, node.state());
      }
      throw new HttpError(404, `no such control endpoint: ${path}`);
    }
    if (key === 'POST /v1/admin/storage/compact') node.compactRequests += 1;
    if (node.hangMs > 0) await wait(node.hangMs);
    if (key === 'GET /metrics') return send(res, 200, node.metricsText(), 'text/plain; version=0.0.4; charset=utf-8');
    if (key === 'GET /health') return send(res, 200, { status: 'ok' });
    if (path.startsWith('/v1/admin/') && !authorized(req, node.options.adminToken)) throw new HttpError(401, 'missing or invalid admin token');
    if (key === 'POST /v1/admin/storage/compact') {
      const { force } = parse(compactBody, await readJson(req));
      const failStatus = node.options.compactFailStatus;
      if (failStatus) throw new HttpError(failStatus, 'compaction could not be started: internal storage error');
      const result = node.compact(force);
      return send(res, result.status, result.body);
    }
    if (key === 'GET /v1/admin/storage/stats') return send(res, 200, node.stats());
    if (key === 'GET /v1/admin/slow-queries') return send(res, 200, node.slowQueries());
    throw new HttpError(404, `not found: ${req.method} ${path}`);
  }

  const server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      send(res, status, { error: err instanceof Error ? err.message : String(err) });
    });
  });

  return {
    server,
    close: () =>
      new Promise<void>((done) => {
        for (const t of hangs) clearTimeout(t);
        hangs.clear();
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}
