import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BodyTooLargeError, readBody, sendJson, type HttpRoute } from '../http/http-route';
import type { Logger } from '../ops/logger';
import { alertmanagerPayloadSchema, describeIssues, type AlertmanagerPayload } from './alertmanager-payload';
import type { IntakeResult } from './record-alerts';

/** SPEC 4.2: Alertmanager's payloads are small; anything over 1 MiB is not one. */
export const WEBHOOK_BODY_LIMIT = 1024 * 1024;
export const WEBHOOK_PATH = '/alertmanager';

export interface AlertmanagerRouteDeps {
  /** `ALERTMANAGER_TOKEN`; unset answers 503 so the misconfiguration shows in Alertmanager's logs. */
  token: string | undefined;
  /** Why alerts cannot be taken now (e.g. no alert channel), or undefined. */
  unavailable(): string | undefined;
  /** Records the alerts durably (committed when it resolves); rejects when it could not. */
  record(payload: AlertmanagerPayload, at: Date): Promise<IntakeResult>;
  /** Runs after the reply went out: the worker posts and diagnoses. */
  afterReply(): void;
  log: Logger;
  now: () => Date;
}

/** Compares bearer tokens in constant time (equal-length digests, so the length leaks nothing either). */
export function tokenMatches(header: string | undefined, token: string): boolean {
  const presented = /^Bearer\s+(.+)$/i.exec(header?.trim() ?? '')?.[1] ?? '';
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(presented), digest(token)) && presented.length > 0;
}

/**
 * `POST /alertmanager`: Alertmanager's webhook (payload version 4). Bolt's custom routes skip Slack's
 * signature check, so this route checks its own bearer token. 200 only once the alerts are recorded; 5xx when
 * they could not be (Alertmanager retries those, never 4xx).
 */
export function alertmanagerRoute(deps: AlertmanagerRouteDeps): HttpRoute {
  return {
    path: WEBHOOK_PATH,
    method: 'POST',
    handler: (req, res) => {
      handle(deps, req, res).catch((err: unknown) => {
        deps.log.error({ err }, 'alertmanager webhook failed');
        if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      });
    },
  };
}

async function handle(deps: AlertmanagerRouteDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (!deps.token) {
    req.resume();
    return sendJson(res, 503, { error: 'webhook not configured: set ALERTMANAGER_TOKEN' });
  }
  if (!tokenMatches(req.headers.authorization, deps.token)) {
    req.resume();
    res.setHeader('www-authenticate', 'Bearer');
    deps.log.warn({ remote: req.socket.remoteAddress }, 'alertmanager webhook: bad or missing bearer token');
    return sendJson(res, 401, { error: 'missing or wrong bearer token' });
  }
  const unavailable = deps.unavailable();
  if (unavailable) {
    req.resume();
    return sendJson(res, 503, { error: unavailable });
  }
  let body: Buffer;
  try {
    body = await readBody(req, WEBHOOK_BODY_LIMIT);
  } catch (err) {
    if (err instanceof BodyTooLargeError) return sendJson(res, 413, { error: err.message });
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch (err) {
    return sendJson(res, 400, { error: `body is not JSON: ${(err as Error).message}` });
  }
  const parsed = alertmanagerPayloadSchema.safeParse(json);
  if (!parsed.success) {
    const reason = describeIssues(parsed.error);
    deps.log.warn({ reason }, 'alertmanager webhook: bad payload');
    return sendJson(res, 400, { error: `not an Alertmanager webhook payload (version 4): ${reason}` });
  }
  let result: IntakeResult;
  try {
    result = await deps.record(parsed.data, deps.now());
  } catch (err) {
    deps.log.error({ err, groupKey: parsed.data.groupKey }, 'could not record alerts: Alertmanager will retry');
    return sendJson(res, 500, { error: `could not record the alerts: ${(err as Error).message}` });
  }
  if (parsed.data.truncatedAlerts > 0)
    deps.log.warn({ truncated: parsed.data.truncatedAlerts, groupKey: parsed.data.groupKey }, 'Alertmanager truncated this group: raise max_alerts');
  if (result.failed > 0) {
    // The others are recorded (and posted); 5xx makes Alertmanager send the group again, and a re-sent alert
    // lands on the incident it already has, so only the failed ones are new on the retry.
    deps.log.error(
      { groupKey: parsed.data.groupKey, failed: result.failed, failures: result.failures.slice(0, 5) },
      'some alerts could not be recorded: Alertmanager will retry',
    );
    sendJson(res, 500, {
      status: 'partly recorded',
      error: `${result.failed} of ${result.received} alert(s) could not be recorded: ${result.failures[0]}`,
      ...result,
      failures: result.failures.slice(0, 20),
    });
  } else {
    sendJson(res, 200, { status: 'recorded', ...result });
  }
  deps.afterReply();
}
