import { createHash } from 'node:crypto';
import { ZERO_TIME } from '../../src/alerts/alertmanager-payload';

export const WEBHOOK_TOKEN = 'test-alertmanager-token-0123456789';

export interface AlertOverrides {
  status?: 'firing' | 'resolved';
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  endsAt?: string;
  generatorURL?: string;
  fingerprint?: string;
}

/** An alert as Alertmanager 0.25 sends it; the fingerprint follows the labels like Alertmanager's does. */
export function alert(overrides: AlertOverrides = {}): Record<string, unknown> {
  const labels = { alertname: 'HighStorageErrorRate', instance: 'stemedb-1', job: 'stemedb', severity: 'critical', ...overrides.labels };
  const status = overrides.status ?? 'firing';
  return {
    status,
    labels,
    annotations: {
      summary: `Storage operation errors above 1% on ${labels.instance}`,
      description: '3.1% of storage operations failed over the last 5 minutes.',
      runbook_url: 'https://runbooks.example.com/storage-errors',
      ...overrides.annotations,
    },
    startsAt: overrides.startsAt ?? '2026-02-12T06:00:00.123456789Z',
    endsAt: overrides.endsAt ?? (status === 'firing' ? ZERO_TIME : new Date().toISOString()),
    generatorURL: overrides.generatorURL ?? 'http://prometheus.example.com:9090/graph?g0.expr=stemedb_storage_operation_errors_total',
    fingerprint: overrides.fingerprint ?? fingerprintOf(labels),
  };
}

export function fingerprintOf(labels: Record<string, string>): string {
  return createHash('sha256')
    .update(JSON.stringify(Object.entries(labels).sort()))
    .digest('hex')
    .slice(0, 16);
}

/** A webhook payload (version 4) around `alerts`. */
export function payload(alerts: Record<string, unknown>[], overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const firing = alerts.some((a) => a.status === 'firing');
  const first = (alerts[0]?.labels ?? {}) as Record<string, string>;
  return {
    version: '4',
    groupKey: `{}:{alertname="${first.alertname}"}`,
    truncatedAlerts: 0,
    status: firing ? 'firing' : 'resolved',
    receiver: 'stemedb-chatops',
    groupLabels: { alertname: first.alertname },
    commonLabels: first,
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example.com:9093',
    alerts,
    ...overrides,
  };
}

/** POSTs a webhook like Alertmanager does (bearer token, JSON). */
export async function postWebhook(
  baseUrl: string,
  body: unknown,
  options: { token?: string | null; contentType?: string } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers: Record<string, string> = { 'content-type': options.contentType ?? 'application/json' };
  const token = options.token === undefined ? WEBHOOK_TOKEN : options.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${baseUrl}/alertmanager`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    parsed = { raw: text };
  }
  return { status: res.status, body: parsed };
}
