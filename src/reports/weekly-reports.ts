import type { Services } from '../app/services';
import { dueRun, type WeeklySchedule } from './report-schedule';
import type { ReportStore } from './report-store';
import { readWeeklyFigures, type WeeklyFiguresDeps } from './weekly-figures';
import { weeklyReportView } from './weekly-report-view';
import type { View } from '../surfaces/view';

const KIND = 'weekly';
/** A bot that was down at the scheduled minute still posts within this many minutes, never later. */
export const CATCH_UP_MINUTES = 12 * 60;
const TICK_MS = 30_000;

export type TickOutcome = 'not_configured' | 'not_due' | 'already_claimed' | 'posted' | 'failed';

export interface WeeklyReports {
  /** Posts the report if a scheduled occurrence is due and no process on this store has claimed it. */
  tick(): Promise<TickOutcome>;
  /** The report as of now (on demand): changes since the last posted weekly report. */
  build(): Promise<View>;
  start(): void;
  /** Stops the timer and waits for a tick in flight (the store closes after this). */
  stop(): Promise<void>;
}

/**
 * The runbook's weekly compaction report on a schedule (`reports.weekly`). "Once per period" lives in the store:
 * the first process to insert the period's row posts, so replicas and a restart at the scheduled minute do
 * not post twice. A failed post gives the period back; a crash between claim and post loses that week's post
 * (at most once, never twice). `store` defaults to the services' store (tests pass a second connection's).
 */
export function createWeeklyReports(
  services: WeeklyFiguresDeps & Pick<Services, 'messenger' | 'now' | 'store'>,
  store: ReportStore = services.store.reports,
): WeeklyReports {
  const schedule = services.config.reports.weekly as (WeeklySchedule & { channel: string }) | undefined;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<unknown> = Promise.resolve();
  const tickInBackground = () => {
    inFlight = reports.tick().catch((err: unknown) => services.log.error({ err }, 'weekly report tick failed'));
  };
  const build = async (period?: string) => {
    const figures = await readWeeklyFigures(services);
    return { figures, view: weeklyReportView(figures, await store.previous(KIND, period), services.now()) };
  };
  const reports: WeeklyReports = {
    async tick() {
      if (!schedule) return 'not_configured';
      const due = dueRun(services.now(), schedule, CATCH_UP_MINUTES);
      if (!due) return 'not_due';
      if (!(await store.claim(KIND, due.period, services.now(), `pid ${process.pid}`))) return 'already_claimed';
      try {
        const { figures, view } = await build(due.period);
        await services.messenger.post(schedule.channel, view, { priority: 'status' });
        await store.posted(KIND, due.period, services.now(), figures);
        services.log.info({ period: due.period, channel: schedule.channel }, 'weekly report posted');
        return 'posted';
      } catch (err) {
        await store.release(KIND, due.period);
        services.log.error({ err, period: due.period }, 'weekly report failed; the next tick tries again');
        return 'failed';
      }
    },
    async build() {
      return (await build()).view;
    },
    start() {
      if (!schedule || timer) return;
      tickInBackground();
      timer = setInterval(tickInBackground, TICK_MS);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await inFlight;
    },
  };
  return reports;
}
