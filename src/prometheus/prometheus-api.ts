import { z } from 'zod';
import { parsePrometheusFloat } from './parse-prometheus-float';
import { HttpCallError } from '../http/http-call-error';

export type PrometheusApiErrorCode = 'TIMEOUT' | 'CANCELLED' | 'UNREACHABLE' | 'HTTP_ERROR' | 'QUERY_ERROR' | 'BAD_RESPONSE';

/** A failed query, with a sentence for the responder as its message and the cause for the log. */
export class PrometheusApiError extends HttpCallError<PrometheusApiErrorCode> {
  override name = 'PrometheusApiError';
}

const sampleValueSchema = z.tuple([z.number(), z.string()]);
const responseSchema = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('success'),
    data: z.discriminatedUnion('resultType', [
      z.object({
        resultType: z.literal('vector'),
        result: z.array(z.object({ metric: z.record(z.string(), z.string()), value: sampleValueSchema })),
      }),
      z.object({ resultType: z.literal('scalar'), result: sampleValueSchema }),
      z.object({ resultType: z.enum(['matrix', 'string']), result: z.unknown() }),
    ]),
  }),
  z.object({ status: z.literal('error'), errorType: z.string().optional(), error: z.string().optional() }),
]);
const errorBodySchema = z.object({ errorType: z.string().optional(), error: z.string() });

export interface InstantSample {
  labels: Record<string, string>;
  value: number;
  timestampMs: number;
}

export interface QueryInstantOptions {
  timeoutMs: number;
  /** Evaluation time; Prometheus uses "now" when absent. */
  time?: Date;
  signal?: AbortSignal;
  fetchImpl?: typeof fetch;
}

/**
 * Runs an instant query (`GET /api/v1/query`) and returns the vector's samples. A scalar result comes back
 * as one sample without labels. Rejects with a `PrometheusApiError` on timeout, connection failure, a non-2xx
 * answer (with Prometheus's own `error` text when it sent one), or an answer that is not an instant vector.
 * @example await queryInstant('http://prometheus:9090', 'sum by (operation) (rate(stemedb_storage_operations_total[5m]))', { timeoutMs: 3000 })
 */
export async function queryInstant(baseUrl: string, promql: string, options: QueryInstantOptions): Promise<InstantSample[]> {
  const where = displayUrl(baseUrl);
  if (!URL.canParse(baseUrl)) throw new PrometheusApiError('UNREACHABLE', 'the configured Prometheus URL is not a valid URL');
  const url = new URL(`${trimSlashes(baseUrl)}/api/v1/query`);
  const headers: Record<string, string> = { accept: 'application/json' };
  // fetch refuses URLs with credentials (and would echo them in its error): send them as Basic auth.
  if (url.username || url.password) {
    headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
    url.username = '';
    url.password = '';
  }
  url.searchParams.set('query', promql);
  if (options.time) url.searchParams.set('time', String(options.time.getTime() / 1000));
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  let status: number;
  let body: string;
  try {
    const res = await (options.fetchImpl ?? fetch)(url, { headers, signal });
    status = res.status;
    body = await res.text();
  } catch (err) {
    if (timeout.aborted)
      throw new PrometheusApiError('TIMEOUT', `Prometheus at ${where} did not answer within ${options.timeoutMs} ms`, undefined, { cause: err });
    if (options.signal?.aborted) throw new PrometheusApiError('CANCELLED', `the query to Prometheus at ${where} was cancelled`, undefined, { cause: err });
    throw new PrometheusApiError('UNREACHABLE', `could not reach Prometheus at ${where}: ${describe(err)}`, undefined, { cause: err });
  }
  const json = parseJson(body);
  if (status < 200 || status > 299) {
    const apiError = errorBodySchema.safeParse(json);
    if (apiError.success) {
      throw new PrometheusApiError(
        'QUERY_ERROR',
        `Prometheus at ${where} rejected the query (HTTP ${status}${apiError.data.errorType ? `, ${apiError.data.errorType}` : ''}): ${apiError.data.error}`,
        status,
      );
    }
    throw new PrometheusApiError('HTTP_ERROR', `Prometheus at ${where} answered HTTP ${status}`, status);
  }
  const parsed = responseSchema.safeParse(json);
  if (!parsed.success)
    throw new PrometheusApiError(
      'BAD_RESPONSE',
      `Prometheus at ${where} sent an answer that is not a query result: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
      status,
      { cause: parsed.error },
    );
  const answer = parsed.data;
  if (answer.status === 'error')
    throw new PrometheusApiError('QUERY_ERROR', `Prometheus at ${where} rejected the query: ${answer.error ?? answer.errorType ?? 'unknown error'}`, status);
  const { data } = answer;
  if (data.resultType === 'scalar') return [toSample({}, data.result, where)];
  if (data.resultType !== 'vector')
    throw new PrometheusApiError('BAD_RESPONSE', `Prometheus at ${where} returned a ${data.resultType}, not an instant vector`, status);
  return data.result.map((r) => toSample(r.metric, r.value, where));
}

function toSample(labels: Record<string, string>, [ts, text]: [number, string], where: string): InstantSample {
  const value = parsePrometheusFloat(text);
  if (value === undefined) throw new PrometheusApiError('BAD_RESPONSE', `Prometheus at ${where} returned the value "${text}", which is not a number`);
  return { labels, value, timestampMs: Math.round(ts * 1000) };
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/** A loop, not `/\/+$/`: that regex is quadratic on a long run of slashes. */
function trimSlashes(url: string): string {
  let end = url.length;
  while (end > 0 && url.charCodeAt(end - 1) === 47) end--;
  return url.slice(0, end);
}

/** The base URL for messages: credentials in it (`http://user:pass@host`) must not reach Slack or logs. */
function displayUrl(baseUrl: string): string {
  try {
    const u = new URL(baseUrl);
    u.username = '';
    u.password = '';
    return trimSlashes(u.toString());
  } catch {
    return '(invalid URL)';
  }
}

function describe(err: unknown): string {
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  return cause instanceof Error ? cause.message : String(cause);
}
