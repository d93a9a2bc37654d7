import { z } from 'zod';
import { delivered, failedForGood, failedForNow, type DeliveryResult } from './delivery-result';
import { networkErrorText, postJson, type JsonPostResult } from './post-json';

export type PagerdutyAction = 'trigger' | 'acknowledge' | 'resolve';

export interface PagerdutyEvent {
  action: PagerdutyAction;
  routingKey: string;
  /** Stable per incident: repeats and later levels update the same PagerDuty incident; resolve closes it. */
  dedupKey: string;
  /** Trigger only. */
  summary?: string;
  source?: string;
  customDetails?: Record<string, unknown>;
  links?: { href: string; text: string }[];
}

const answerSchema = z
  .object({ status: z.string().optional(), message: z.string().optional(), errors: z.array(z.string()).optional(), dedup_key: z.string().optional() })
  .loose();

/** "stemedb-chatops:inc-1a2b3c" (PagerDuty allows 255 characters). */
export function dedupKeyFor(incidentId: string): string {
  return `stemedb-chatops:${incidentId}`.slice(0, 255);
}

/** The Events API v2 body (SPEC 10: `routing_key`, `event_action`, `dedup_key`, `payload.summary` <= 1,024). */
export function pagerdutyBody(event: PagerdutyEvent): Record<string, unknown> {
  const base = { routing_key: event.routingKey, event_action: event.action, dedup_key: event.dedupKey };
  if (event.action !== 'trigger') return base;
  return {
    ...base,
    client: 'stemedb-chatops',
    payload: {
      summary: (event.summary ?? 'StemeDB escalation').slice(0, 1024),
      source: event.source ?? 'stemedb-chatops',
      severity: 'critical',
      component: 'storage',
      class: 'HighStorageErrorRate',
      custom_details: event.customDetails ?? {},
    },
    ...(event.links ? { links: event.links } : {}),
  };
}

/**
 * Sends one event to PagerDuty's Events API v2. 202 is accepted; 400 (a bad event or routing key) is never
 * retried; 429 and 5xx are, as are network errors and timeouts.
 */
export async function sendPagerdutyEvent(url: string, event: PagerdutyEvent, timeoutMs: number): Promise<DeliveryResult> {
  let res: JsonPostResult;
  try {
    res = await postJson(url, pagerdutyBody(event), { timeoutMs });
  } catch (err) {
    return failedForNow(`PagerDuty unreachable: ${networkErrorText(err)}`);
  }
  const answer = (() => {
    try {
      return answerSchema.parse(JSON.parse(res.body));
    } catch {
      return undefined;
    }
  })();
  if (res.status >= 200 && res.status < 300) return delivered({ status: res.status, dedupKey: answer?.dedup_key ?? event.dedupKey });
  const why = [answer?.message, ...(answer?.errors ?? [])].filter(Boolean).join(': ') || res.body.slice(0, 200);
  if (res.status === 429 || res.status >= 500) return failedForNow(`PagerDuty answered HTTP ${res.status}`, res.retryAfterMs);
  return failedForGood(`PagerDuty refused the event (HTTP ${res.status}${why ? `: ${why}` : ''})`);
}
