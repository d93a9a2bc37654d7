import type { Logger } from './logger';

/** What the auditor knows of an active escalation: when its next step is due (epoch ms). */
export interface ActiveEscalationDue {
  id: string;
  nextDueAt: number | null;
}

export interface ScheduleCheck {
  onSchedule: boolean;
  /** Ids of active escalations whose step is overdue by more than the grace, in the order given. */
  late: string[];
}

/**
 * The auditor's verdict before a dead-man ping (Grafana OnCall's auditor does the same): every active
 * escalation's next step is due in the future or at most `graceMs` ago. A step overdue past the grace means the
 * engine is not running it (every replica dead, stalled or cut off from Slack's pager): no ping, so the
 * heartbeat service alerts. An active escalation without a due time can never advance (the machine gives every
 * active state one), so it counts as late too. Pure: times are epoch ms, `nowMs` from the caller's clock.
 */
export function escalationsOnSchedule(active: readonly ActiveEscalationDue[], nowMs: number, graceMs: number): ScheduleCheck {
  const late = active.filter((e) => e.nextDueAt === null || e.nextDueAt + graceMs < nowMs).map((e) => e.id);
  return { onSchedule: late.length === 0, late };
}

export type HeartbeatResult = { ok: true; status: number } | { ok: false; error: string };

export interface Heartbeat {
  /** One GET to the heartbeat URL. Never throws: a failure is logged and returned. */
  ping(): Promise<HeartbeatResult>;
}

export interface HeartbeatOptions {
  /** `ops.heartbeatUrl`: Grafana OnCall's heartbeat integration URL, a healthchecks.io check, ... */
  url: string;
  /** Injected for tests of the transport only; `globalThis.fetch` by default. */
  fetch?: typeof globalThis.fetch;
  log: Pick<Logger, 'warn' | 'info'>;
  /** A ping that has not answered by then counts as failed (a hung endpoint must not hold the auditor). */
  timeoutMs: number;
}

/** The URL as logged: its origin only, since the path or query usually carries the check's secret token. */
export function heartbeatTarget(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid URL)';
  }
}

/**
 * A dead-man switch ping: the team's heartbeat service (Grafana OnCall, healthchecks.io, Uptime Kuma push)
 * alerts when pings stop, so a team learns the whole bot is down from outside the bot. It uses GET with no
 * body, which all of these accept (OnCall and healthchecks.io take GET or POST). A building block: the runtime
 * calls `ping()` after an auditor pass that found every active escalation on schedule, every
 * `ops.heartbeatEvery`, once across replicas. Every failure is logged (warn), the first success after one too.
 */
export function createHeartbeat(options: HeartbeatOptions): Heartbeat {
  const fetchFn = options.fetch ?? globalThis.fetch;
  const target = heartbeatTarget(options.url);
  let failing = false;
  const failed = (error: string): HeartbeatResult => {
    options.log.warn({ heartbeat: target, error }, 'dead-man heartbeat ping failed: the heartbeat service will alert if this goes on');
    failing = true;
    return { ok: false, error };
  };
  return {
    async ping() {
      try {
        const res = await fetchFn(options.url, { method: 'GET', redirect: 'follow', signal: AbortSignal.timeout(options.timeoutMs) });
        await res.arrayBuffer().catch(() => undefined); // read the body so the connection is reused
        if (!res.ok) return failed(`HTTP ${res.status}`);
        if (failing) options.log.info({ heartbeat: target, status: res.status }, 'dead-man heartbeat ping delivered again');
        failing = false;
        return { ok: true, status: res.status };
      } catch (err) {
        const e = err as Error & { cause?: { code?: string } };
        const error = e.name === 'TimeoutError' ? `no answer within ${options.timeoutMs} ms` : (e.cause?.code ?? e.message);
        return failed(error);
      }
    },
  };
}
