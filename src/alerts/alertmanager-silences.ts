import { z } from 'zod';

export interface SilenceRequest {
  labels: Record<string, string>;
  startsAt: Date;
  endsAt: Date;
  createdBy: string;
  comment: string;
}

const answerSchema = z.object({ silenceID: z.string().min(1) });

/** Labels that identify the alert rather than describe it (SPEC 10: matchers name, value, isRegex, isEqual). */
export function silenceMatchers(labels: Record<string, string>) {
  return Object.entries(labels)
    .filter(([, value]) => value !== '')
    .map(([name, value]) => ({ name, value, isRegex: false, isEqual: true }));
}

/**
 * Creates a silence through Alertmanager's v2 API (`POST /api/v2/silences`) matching exactly the alert's
 * labels; resolves with the silence id.
 */
export async function createSilence(alertmanagerUrl: string, request: SilenceRequest, timeoutMs: number): Promise<string> {
  const url = `${alertmanagerUrl.replace(/\/+$/, '')}/api/v2/silences`;
  const body = {
    matchers: silenceMatchers(request.labels),
    startsAt: request.startsAt.toISOString(),
    endsAt: request.endsAt.toISOString(),
    createdBy: request.createdBy,
    comment: request.comment,
  };
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`Alertmanager answered HTTP ${res.status}: ${text.slice(0, 200)}`);
  const parsed = answerSchema.safeParse(JSON.parse(text || '{}'));
  if (!parsed.success) throw new Error('Alertmanager did not return a silence id');
  return parsed.data.silenceID;
}
