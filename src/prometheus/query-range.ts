import { z } from 'zod';
import { PrometheusApiError } from './prometheus-api';
import { parsePrometheusFloat } from './parse-prometheus-float';

const matrixSchema = z.object({
  status: z.literal('success'),
  data: z.object({
    resultType: z.literal('matrix'),
    result: z.array(z.object({ metric: z.record(z.string(), z.string()), values: z.array(z.tuple([z.number(), z.string()])) })),
  }),
});

export interface RangeSeries {
  labels: Record<string, string>;
  /** [epoch ms, value]; NaN and ±Inf readings (a 0/0 ratio) are left out, never drawn as 0. */
  points: [number, number][];
}

/**
 * A range query (`GET /api/v1/query_range`), for charts. Errors are `PrometheusApiError`s with a sentence for
 * the responder, as `queryInstant`'s are; credentials in the URL are sent as Basic auth, never echoed.
 */
export async function queryRange(
  baseUrl: string,
  promql: string,
  range: { fromMs: number; toMs: number; stepSeconds: number },
  options: { timeoutMs: number; fetchImpl?: typeof fetch },
): Promise<RangeSeries[]> {
  if (!URL.canParse(baseUrl)) throw new PrometheusApiError('UNREACHABLE', 'the configured Prometheus URL is not a valid URL');
  let end = baseUrl.length;
  while (end > 0 && baseUrl.charCodeAt(end - 1) === 47) end--; // not /\/+$/: quadratic on a run of slashes
  const url = new URL(`${baseUrl.slice(0, end)}/api/v1/query_range`);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (url.username || url.password) {
    headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
    url.username = '';
    url.password = '';
  }
  const where = url.origin;
  url.searchParams.set('query', promql);
  url.searchParams.set('start', String(range.fromMs / 1000));
  url.searchParams.set('end', String(range.toMs / 1000));
  url.searchParams.set('step', String(range.stepSeconds));
  let res: Response;
  let body: unknown;
  try {
    res = await (options.fetchImpl ?? fetch)(url, { headers, signal: AbortSignal.timeout(options.timeoutMs) });
    body = await res.json().catch(() => undefined);
  } catch (err) {
    const timeout = (err as Error).name === 'TimeoutError';
    throw new PrometheusApiError(
      timeout ? 'TIMEOUT' : 'UNREACHABLE',
      timeout ? `Prometheus at ${where} did not answer within ${options.timeoutMs} ms` : `could not reach Prometheus at ${where}`,
      undefined,
      { cause: err },
    );
  }
  if (!res.ok) {
    const error = (body as { error?: unknown } | undefined)?.error;
    throw new PrometheusApiError(
      typeof error === 'string' ? 'QUERY_ERROR' : 'HTTP_ERROR',
      `Prometheus at ${where} answered HTTP ${res.status}${typeof error === 'string' ? `: ${error}` : ''}`,
      res.status,
    );
  }
  const parsed = matrixSchema.safeParse(body);
  if (!parsed.success)
    throw new PrometheusApiError('BAD_RESPONSE', `Prometheus at ${where} sent an answer that is not a range result`, res.status, { cause: parsed.error });
  return parsed.data.data.result.map((r) => ({
    labels: r.metric,
    points: r.values.flatMap(([t, text]): [number, number][] => {
      const v = parsePrometheusFloat(text);
      return v !== undefined && Number.isFinite(v) ? [[Math.round(t * 1000), v]] : [];
    }),
  }));
}
