import { delivered, failedForGood, failedForNow, type DeliveryResult } from './delivery-result';
import { networkErrorText, postJson, type JsonPostResult } from './post-json';

export interface WebhookEvent {
  url: string;
  /** Bearer token, when the receiver wants one. */
  token?: string;
  /** Sent as `Idempotency-Key`: a receiver that sees a key twice (a retry after a crash) must drop it. */
  idempotencyKey: string;
  body: Record<string, unknown>;
}

/**
 * A generic JSON webhook (SMS gateways and the like). 2xx is accepted; 408, 429 and 5xx are retried, as
 * are network errors; any other 4xx is the receiver refusing the event for good.
 */
export async function sendWebhook(event: WebhookEvent, timeoutMs: number): Promise<DeliveryResult> {
  const headers: Record<string, string> = { 'idempotency-key': event.idempotencyKey, 'user-agent': 'stemedb-chatops' };
  if (event.token) headers.authorization = `Bearer ${event.token}`;
  let res: JsonPostResult;
  try {
    res = await postJson(event.url, event.body, { headers, timeoutMs });
  } catch (err) {
    return failedForNow(`webhook unreachable: ${networkErrorText(err)}`);
  }
  if (res.status >= 200 && res.status < 300) return delivered({ status: res.status });
  if (res.status === 408 || res.status === 429 || res.status >= 500) return failedForNow(`webhook answered HTTP ${res.status}`, res.retryAfterMs);
  return failedForGood(`webhook refused the event (HTTP ${res.status})`);
}
