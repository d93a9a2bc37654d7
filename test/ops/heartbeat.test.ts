import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createHeartbeat, escalationsOnSchedule } from '../../src/ops/heartbeat';
import { createLogger } from '../../src/ops/logger';
import { startCaptureServer, type CaptureServer } from '../harness/capture-server';

const now = 1_795_953_600_000;

describe('escalationsOnSchedule (the auditor before a dead-man ping)', () => {
  it('is on schedule while every next step is in the future or overdue by at most the grace', () => {
    expect(escalationsOnSchedule([], now, 30_000)).toEqual({ onSchedule: true, late: [] });
    const active = [
      { id: 'esc_future', nextDueAt: now + 60_000 },
      { id: 'esc_due_now', nextDueAt: now },
      { id: 'esc_at_grace', nextDueAt: now - 30_000 },
    ];
    expect(escalationsOnSchedule(active, now, 30_000)).toEqual({ onSchedule: true, late: [] });
  });

  it('names the escalations overdue past the grace, and one with no due time (it can never advance)', () => {
    const active = [
      { id: 'esc_ok', nextDueAt: now + 1_000 },
      { id: 'esc_late', nextDueAt: now - 30_001 },
      { id: 'esc_stuck', nextDueAt: null },
      { id: 'esc_very_late', nextDueAt: now - 3_600_000 },
    ];
    expect(escalationsOnSchedule(active, now, 30_000)).toEqual({ onSchedule: false, late: ['esc_late', 'esc_stuck', 'esc_very_late'] });
    expect(escalationsOnSchedule(active.slice(0, 2), now, 0).late).toEqual(['esc_late']);
  });
});

describe('dead-man heartbeat ping (real HTTP)', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of cleanup.splice(0)) await close();
  });
  const logged: Record<string, unknown>[] = [];
  const log = createLogger('info', { write: (line: string) => void logged.push(JSON.parse(line) as Record<string, unknown>) });
  const capture = async (): Promise<CaptureServer> => {
    const server = await startCaptureServer();
    cleanup.push(() => server.close());
    return server;
  };
  const secretPath = '/integrations/v1/formatted_webhook/SECRET-TOKEN-123/heartbeat/';

  it('GETs the URL with no body; a 2xx is a success and nothing is logged', async () => {
    logged.length = 0;
    const server = await capture();
    const heartbeat = createHeartbeat({ url: `${server.url}${secretPath}`, log, timeoutMs: 2_000 });
    expect(await heartbeat.ping()).toEqual({ ok: true, status: 202 });
    const [request] = server.requests(secretPath);
    expect(request).toMatchObject({ method: 'GET', rawBody: '' });
    expect(logged).toEqual([]);
  });

  it('a non-2xx answer fails without throwing, logged without the secret path; the recovery is logged once', async () => {
    logged.length = 0;
    const server = await capture();
    server.answerNext([{ status: 503 }]);
    const heartbeat = createHeartbeat({ url: `${server.url}${secretPath}`, log, timeoutMs: 2_000 });
    expect(await heartbeat.ping()).toEqual({ ok: false, error: 'HTTP 503' });
    expect(logged).toEqual([expect.objectContaining({ level: 40, heartbeat: server.url, error: 'HTTP 503' })]);
    expect(JSON.stringify(logged)).not.toContain('SECRET-TOKEN');
    expect(await heartbeat.ping()).toEqual({ ok: true, status: 202 });
    expect(await heartbeat.ping()).toEqual({ ok: true, status: 202 });
    expect(logged.map((l) => l.msg)).toEqual([expect.stringContaining('ping failed'), 'dead-man heartbeat ping delivered again']);
  });

  it('a heartbeat service that is down: no throw, the refusal logged', async () => {
    logged.length = 0;
    const server = await startCaptureServer();
    const url = `${server.url}${secretPath}`;
    await server.close(); // nothing listens on the port any more
    const heartbeat = createHeartbeat({ url, log, timeoutMs: 2_000 });
    expect(await heartbeat.ping()).toEqual({ ok: false, error: 'ECONNREFUSED' });
    expect(logged).toEqual([expect.objectContaining({ level: 40, error: 'ECONNREFUSED' })]);
  });

  it('a service that accepts but never answers: failed after the timeout, no throw', async () => {
    logged.length = 0;
    const hanging: Server = createServer(() => undefined); // reads the request, never answers
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    cleanup.push(async () => {
      hanging.closeAllConnections();
      await new Promise<void>((resolve) => hanging.close(() => resolve()));
    });
    const heartbeat = createHeartbeat({ url: `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/ping`, log, timeoutMs: 200 });
    const started = Date.now();
    expect(await heartbeat.ping()).toEqual({ ok: false, error: 'no answer within 200 ms' });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(logged).toHaveLength(1);
  });
});
