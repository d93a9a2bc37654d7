/** Days as the config names them; index = JavaScript's getUTCDay(). */
export const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface WeeklySchedule {
  day: Weekday;
  /** `HH:MM`, local to `timezone`. */
  time: string;
  /** An IANA zone such as Europe/Berlin. */
  timezone: string;
}

/** A run that is due: `period` names the scheduled occurrence (its local date), the key that makes it once-only. */
export interface DueRun {
  period: string;
  minutesLate: number;
}

/** Whether an IANA time zone name is known to this Node's ICU data. */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock date, weekday and minute of the day of `at` in a time zone. */
function localParts(at: Date, timezone: string): { y: number; m: number; d: number; weekday: number; minute: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: timezone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
  }).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const [y, m, d] = [get('year'), get('month'), get('day')];
  return { y, m, d, weekday: new Date(Date.UTC(y, m - 1, d)).getUTCDay(), minute: get('hour') * 60 + get('minute') };
}

/**
 * The latest scheduled occurrence at or before `now`, if it is at most `catchUpMinutes` old: a bot that was down
 * at the scheduled minute still posts when it comes back that day, but never posts a backlog. Pure.
 * @example dueRun(new Date('2026-11-30T08:00:30Z'), { day: 'monday', time: '09:00', timezone: 'Europe/Berlin' }, 60) // { period: '2026-11-30', minutesLate: 0 }
 */
export function dueRun(now: Date, schedule: WeeklySchedule, catchUpMinutes: number): DueRun | undefined {
  const local = localParts(now, schedule.timezone);
  const [hh, mm] = schedule.time.split(':').map(Number) as [number, number];
  const target = hh * 60 + mm;
  let daysBack = (local.weekday - WEEKDAYS.indexOf(schedule.day) + 7) % 7;
  if (daysBack === 0 && local.minute < target) daysBack = 7;
  const minutesLate = daysBack * 1440 + local.minute - target;
  if (minutesLate > catchUpMinutes) return undefined;
  const date = new Date(Date.UTC(local.y, local.m - 1, local.d - daysBack));
  return { period: date.toISOString().slice(0, 10), minutesLate };
}
