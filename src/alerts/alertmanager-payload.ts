import { z } from 'zod';

/** Alertmanager sends this as `endsAt` of a firing alert (Go's zero time). */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

const timestamp = z.iso.datetime({ offset: true, error: 'an RFC 3339 timestamp' });
const labelMap = z.record(z.string(), z.string());

export const alertSchema = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: z.object({ alertname: z.string().min(1, 'must not be empty') }).catchall(z.string()),
  annotations: labelMap.default({}),
  startsAt: timestamp,
  endsAt: timestamp,
  generatorURL: z.string().default(''),
  fingerprint: z.string().min(1, 'must not be empty').max(128),
});

/**
 * The Alertmanager webhook payload, version 4 (Alertmanager 0.25's `webhook_configs`). Unknown fields are
 * ignored so newer Alertmanagers keep working; everything we read must be present and well typed.
 */
export const alertmanagerPayloadSchema = z.object({
  version: z.literal('4'),
  groupKey: z.string(),
  truncatedAlerts: z.number().int().min(0).default(0),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string(),
  groupLabels: labelMap,
  commonLabels: labelMap,
  commonAnnotations: labelMap,
  externalURL: z.string(),
  alerts: z.array(alertSchema).min(1, 'at least one alert'),
});

export type AlertmanagerPayload = z.output<typeof alertmanagerPayloadSchema>;
export type AlertmanagerAlert = z.output<typeof alertSchema>;

/** One line per problem, each naming the field: what a 400 answer says. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : 'body'}: ${i.message}`)
    .join('; ');
}

/** The firing episode of an alert: its `startsAt`, normalised so re-sent copies compare equal. */
export function episodeOf(alert: Pick<AlertmanagerAlert, 'startsAt'>): string {
  return new Date(alert.startsAt).toISOString();
}

/** When the alert ended, if Alertmanager said so (resolved alerts); undefined for the zero time. */
export function endedAt(alert: Pick<AlertmanagerAlert, 'endsAt'>): Date | undefined {
  const at = new Date(alert.endsAt);
  return at.getUTCFullYear() > 1 ? at : undefined;
}
