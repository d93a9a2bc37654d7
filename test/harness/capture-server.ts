import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One answer the server gives; `body` defaults to PagerDuty's 202 shape (echoing the dedup key). */
export interface CaptureAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface CapturedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
  /** The JSON body, or undefined when it was not JSON. */
  body: Record<string, unknown> | undefined;
  at: number;
  status: number;
}

export interface CaptureServer {
  /** `http://127.0.0.1:<port>`; any path is captured (`/v2/enqueue` for PagerDuty, `/hook` for webhooks). */
  readonly url: string;
  requests(path?: string): CapturedRequest[];
  /** Requests that were answered 2xx. */
  accepted(path?: string): CapturedRequest[];
  /** Queues answers for the next requests on `path` (any path when omitted), before the default 202. */
  answerNext(answers: CaptureAnswer[], path?: string): void;
  waitFor<T>(predicate: (requests: CapturedRequest[]) => T | undefined | false | null, timeoutMs?: number): Promise<T>;
  reset(): void;
  close(): Promise<void>;
}

/**
 * A local HTTP server standing in for PagerDuty's Events API and generic webhooks: records every request and
 * answers from a programmable queue (500, 429 with Retry-After, 400...) then 202.
 * @example
 * const capture = await startCaptureServer();
 * capture.answerNext([{ status: 500 }]); // the next event gets 500, the retry 202
 */
export async function startCaptureServer(): Promise<CaptureServer> {
  let requests: CapturedRequest[] = [];
  let queued: { path?: string; answer: CaptureAnswer }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const path = new URL(req.url ?? '/', 'http://capture').pathname;
      let body: Record<string, unknown> | undefined;
      try {
        body = JSON.parse(rawBody) as Record<string, unknown>;
      } catch {
        body = undefined;
      }
      const index = queued.findIndex((q) => q.path === undefined || q.path === path);
      const answer = index >= 0 ? queued.splice(index, 1)[0]!.answer : { status: 202 };
      const reply =
        answer.body ??
        (answer.status === 202
          ? { status: 'success', message: 'Event processed', dedup_key: body?.dedup_key ?? null }
          : { status: 'error', message: `capture: HTTP ${answer.status}` });
      requests.push({ method: req.method ?? 'GET', path, headers: req.headers, rawBody, body, at: Date.now(), status: answer.status });
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(JSON.stringify(reply));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const of = (path?: string) => requests.filter((r) => path === undefined || r.path === path);
  return {
    url,
    requests: of,
    accepted: (path) => of(path).filter((r) => r.status >= 200 && r.status < 300),
    answerNext(answers, path) {
      queued.push(...answers.map((answer) => ({ path, answer })));
    },
    async waitFor(predicate, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const result = predicate([...requests]);
        if (result !== undefined && result !== false && result !== null) return result;
        if (Date.now() > deadline)
          throw new Error(
            `capture server: waitFor timed out after ${timeoutMs} ms; ${requests.length} request(s): ${requests.map((r) => `${r.path} ${r.status}`).join(', ')}`,
          );
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    reset() {
      requests = [];
      queued = [];
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
