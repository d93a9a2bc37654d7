import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dedupKeyFor, sendPagerdutyEvent } from '../../src/pagers/pagerduty-pager';
import { sendWebhook } from '../../src/pagers/webhook-pager';
import { nextAttemptDelay } from '../../src/escalation/retry-policy';
import { startCaptureServer, type CaptureServer } from '../harness/capture-server';

describe('PagerDuty Events API v2 pager', () => {
  let capture: CaptureServer;
  let url: string;
  beforeAll(async () => {
    capture = await startCaptureServer();
    url = `${capture.url}/v2/enqueue`;
  });
  afterAll(async () => capture?.close());

  const trigger = {
    action: 'trigger' as const,
    routingKey: 'rk-1',
    dedupKey: dedupKeyFor('inc-1a2b3c'),
    summary: 'x'.repeat(2_000),
    source: 'stemedb-1',
    customDetails: { error_rate: 0.15 },
  };

  it('sends a trigger with a stable dedup key and a summary clipped to 1,024 characters', async () => {
    expect(await sendPagerdutyEvent(url, trigger, 2_000)).toEqual({ ok: true, detail: { status: 202, dedupKey: 'stemedb-chatops:inc-1a2b3c' } });
    const body = capture.requests().at(-1)!.body!;
    expect(body).toMatchObject({
      routing_key: 'rk-1',
      event_action: 'trigger',
      dedup_key: 'stemedb-chatops:inc-1a2b3c',
      payload: { source: 'stemedb-1', severity: 'critical', custom_details: { error_rate: 0.15 } },
    });
    expect((body.payload as { summary: string }).summary).toHaveLength(1_024);
  });

  it('never retries a 400, and says why PagerDuty refused it', async () => {
    capture.answerNext([{ status: 400, body: { status: 'invalid event', message: 'Event object is invalid', errors: ['Invalid routing key'] } }]);
    expect(await sendPagerdutyEvent(url, trigger, 2_000)).toEqual({
      ok: false,
      retryable: false,
      error: 'PagerDuty refused the event (HTTP 400: Event object is invalid: Invalid routing key)',
    });
  });

  it('retries 429 (honouring Retry-After), 5xx and a refused connection', async () => {
    capture.answerNext([{ status: 429, headers: { 'retry-after': '2' } }, { status: 503 }]);
    expect(await sendPagerdutyEvent(url, trigger, 2_000)).toMatchObject({ ok: false, retryable: true, retryAfterMs: 2_000 });
    expect(await sendPagerdutyEvent(url, trigger, 2_000)).toMatchObject({ ok: false, retryable: true, error: 'PagerDuty answered HTTP 503' });
    expect(await sendPagerdutyEvent(`http://127.0.0.1:${await closedPort()}/v2/enqueue`, trigger, 2_000)).toMatchObject({
      ok: false,
      retryable: true,
      error: expect.stringContaining('ECONNREFUSED'),
    });
  });

  it('sends acknowledge and resolve as bare events with the same dedup key', async () => {
    await sendPagerdutyEvent(url, { action: 'resolve', routingKey: 'rk-1', dedupKey: trigger.dedupKey }, 2_000);
    expect(capture.requests().at(-1)!.body).toEqual({ routing_key: 'rk-1', event_action: 'resolve', dedup_key: 'stemedb-chatops:inc-1a2b3c' });
  });
});

describe('generic webhook pager', () => {
  let capture: CaptureServer;
  beforeAll(async () => {
    capture = await startCaptureServer();
  });
  afterAll(async () => capture?.close());

  it('posts JSON with the idempotency key and the bearer token', async () => {
    const result = await sendWebhook(
      { url: `${capture.url}/hook`, token: 's3cret', idempotencyKey: 'inc-1.e1:L2:R1:webhook:webhook', body: { event: 'page' } },
      2_000,
    );
    expect(result.ok).toBe(true);
    const request = capture.requests().at(-1)!;
    expect(request.headers).toMatchObject({
      'idempotency-key': 'inc-1.e1:L2:R1:webhook:webhook',
      authorization: 'Bearer s3cret',
      'content-type': 'application/json',
    });
    expect(request.body).toEqual({ event: 'page' });
  });

  it('treats 4xx as final except 408 and 429', async () => {
    capture.answerNext([{ status: 404 }, { status: 408 }, { status: 429 }]);
    const send = () => sendWebhook({ url: `${capture.url}/hook`, idempotencyKey: 'k', body: {} }, 2_000);
    expect(await send()).toMatchObject({ ok: false, retryable: false });
    expect(await send()).toMatchObject({ ok: false, retryable: true });
    expect(await send()).toMatchObject({ ok: false, retryable: true });
  });
});

describe('retry policy', () => {
  const policy = { attempts: 4, initialDelayMs: 1_000, maxDelayMs: 3_000 };
  it('backs off exponentially with jitter between half and all of the step, capped', () => {
    expect([1, 2, 3].map((n) => nextAttemptDelay(policy, n, () => 0))).toEqual([500, 1_000, 1_500]);
    expect([1, 2, 3].map((n) => nextAttemptDelay(policy, n, () => 0.999999))).toEqual([1_000, 2_000, 3_000]);
  });
  it('lets Retry-After ask for longer, and gives up after the last attempt', () => {
    expect(nextAttemptDelay(policy, 1, () => 0, 5_000)).toBe(5_000);
    expect(nextAttemptDelay(policy, 4, () => 0)).toBeUndefined();
  });
});

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
