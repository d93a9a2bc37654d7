import { z } from 'zod';
import { HttpCallError } from '../http/http-call-error';

export const storageStatsSchema = z
  .object({
    sst_file_count: z.number().int().nonnegative(),
    total_bytes: z.number().nonnegative(),
    pending_compaction_bytes: z.number().nonnegative(),
    compaction_running: z.boolean().optional(),
  })
  .loose();
export type StorageStats = z.infer<typeof storageStatsSchema>;

/** The runbook only promises "a JSON array"; fields are rendered as found, never assumed. */
export const slowQueriesSchema = z.array(z.record(z.string(), z.unknown()));
export type SlowQuery = z.infer<typeof slowQueriesSchema>[number];

export type StemedbErrorCode = 'TIMEOUT' | 'UNREACHABLE' | 'HTTP_ERROR' | 'BAD_RESPONSE';

/** A failed call to a node's API, with a sentence for the responder as its message. */
export class StemedbError extends HttpCallError<StemedbErrorCode> {
  override name = 'StemedbError';
}

export interface StemedbClientOptions {
  nodeName: string;
  apiUrl: string;
  adminToken?: string;
  timeoutMs: number;
}

/** HTTP client for one node's API (SPEC 3). Every call has a timeout; every JSON answer is validated. */
export class StemedbClient {
  constructor(private readonly options: StemedbClientOptions) {}

  get nodeName() {
    return this.options.nodeName;
  }

  /** Raw Prometheus exposition text from `/metrics`. */
  async metricsText(signal?: AbortSignal): Promise<string> {
    const res = await this.request('GET', '/metrics', undefined, signal);
    return res.text();
  }

  async storageStats(signal?: AbortSignal): Promise<StorageStats> {
    return this.json('GET', '/v1/admin/storage/stats', storageStatsSchema, undefined, signal);
  }

  async slowQueries(signal?: AbortSignal): Promise<SlowQuery[]> {
    return this.json('GET', '/v1/admin/slow-queries', slowQueriesSchema, undefined, signal);
  }

  /** Starts a compaction; resolves with the node's answer body (whatever JSON it sent, or null). */
  async startCompaction(force: boolean, signal?: AbortSignal): Promise<unknown> {
    const res = await this.request('POST', '/v1/admin/storage/compact', { force }, signal);
    const text = await res.text();
    try {
      return text ? JSON.parse(text) : null;
    } catch {
      return text;
    }
  }

  private async json<T>(method: string, path: string, schema: z.ZodType<T>, body?: unknown, signal?: AbortSignal): Promise<T> {
    const res = await this.request(method, path, body, signal);
    let data: unknown;
    try {
      data = await res.json();
    } catch (err) {
      throw new StemedbError('BAD_RESPONSE', `${this.options.nodeName} answered ${path} with something that is not JSON`, res.status, { cause: err });
    }
    const parsed = schema.safeParse(data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new StemedbError(
        'BAD_RESPONSE',
        `${this.options.nodeName} answered ${path} in an unexpected shape (${issue.path.join('.') || 'body'}: ${issue.message})`,
        res.status,
      );
    }
    return parsed.data;
  }

  private async request(method: string, path: string, body: unknown, signal?: AbortSignal): Promise<Response> {
    const { nodeName, apiUrl, adminToken, timeoutMs } = this.options;
    const timeout = AbortSignal.timeout(timeoutMs);
    const headers: Record<string, string> = { accept: path === '/metrics' ? 'text/plain' : 'application/json' };
    if (adminToken) headers.authorization = `Bearer ${adminToken}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(`${apiUrl}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (err) {
      if (timeout.aborted)
        throw new StemedbError('TIMEOUT', `${nodeName} did not answer ${method} ${path} within ${timeoutMs / 1000}s`, undefined, { cause: err });
      if (signal?.aborted) throw new StemedbError('TIMEOUT', `${method} ${path} on ${nodeName} was cancelled (deadline reached)`, undefined, { cause: err });
      throw new StemedbError('UNREACHABLE', `cannot reach ${nodeName} at ${apiUrl} (${causeText(err)})`, undefined, { cause: err });
    }
    if (!res.ok) {
      const detail = (await res.text().catch(() => '')).slice(0, 200).trim();
      throw new StemedbError('HTTP_ERROR', `${nodeName} answered ${method} ${path} with HTTP ${res.status}${detail ? `: ${detail}` : ''}`, res.status);
    }
    return res;
  }
}

function causeText(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? String(err);
}
