import { retryAfterMs } from './delivery-result';

export interface JsonPostResult {
  status: number;
  body: string;
  retryAfterMs?: number;
}

/** POSTs JSON with a timeout; network errors and timeouts throw (the caller retries them). */
export async function postJson(url: string, body: unknown, options: { headers?: Record<string, string>; timeoutMs: number }): Promise<JsonPostResult> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...options.headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(options.timeoutMs),
    redirect: 'error',
  });
  const text = (await res.text()).slice(0, 2000);
  const wait = retryAfterMs(res.headers.get('retry-after'));
  return { status: res.status, body: text, ...(wait !== undefined ? { retryAfterMs: wait } : {}) };
}

/** "fetch failed (ECONNREFUSED)" rather than a bare "fetch failed". */
export function networkErrorText(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'timed out';
  return [e.message ?? String(err), e.cause?.code ?? e.cause?.message].filter(Boolean).join(': ');
}
