import type { Clock } from './clock';
import type { Logger } from './logger';

/** A reading of the shared clock: the database's `clock_timestamp()` as epoch ms. */
export type ReadSharedNow = () => Promise<number>;

export interface DbClock extends Clock {
  /** The last measured offset (database minus local, ms); 0 before the first measurement. */
  offsetMs(): number;
  /** Measures the offset again (a few round trips, the shortest one kept). Never throws: a failure keeps the old offset. */
  sync(): Promise<void>;
  /** Measures now and every `resyncMs` after. */
  start(): Promise<void>;
  stop(): void;
}

export interface DbClockOptions {
  /** The local clock: its timers are used as they are (delays are relative), its `now()` is shifted. */
  base: Clock;
  read: ReadSharedNow;
  log: Pick<Logger, 'warn' | 'info'>;
  resyncMs?: number;
  /** Round trips per measurement. */
  samples?: number;
}

/** An offset beyond this is logged: NTP is off on this host or on the database's. */
const WARN_OFFSET_MS = 1_000;

/**
 * The replicas' shared time. With several replicas every deadline (escalation steps, page retries, leases)
 * is compared across hosts, so it must come from one clock: the database's. `now()` is the local clock plus
 * the measured offset to PostgreSQL's `clock_timestamp()`, each reading corrected by half its round trip
 * (NTP's estimate; the error is at most half the round trip, and the shortest of a few is kept). The offset is
 * measured at start and every minute, so local drift and NTP steps are followed; timers stay local.
 */
export function createDbClock(options: DbClockOptions): DbClock {
  const { base, read, log } = options;
  const samples = options.samples ?? 3;
  let offset = 0;
  let measured = false;
  let timer: ReturnType<Clock['setInterval']> | undefined;
  const measure = async () => {
    let best: { rtt: number; offset: number } | undefined;
    for (let i = 0; i < samples; i++) {
      const sent = base.now();
      const shared = await read();
      const received = base.now();
      const rtt = received - sent;
      if (!best || rtt < best.rtt) best = { rtt, offset: shared - (sent + received) / 2 };
    }
    return best!;
  };
  const clock: DbClock = {
    now: () => base.now() + offset,
    setTimeout: (cb, ms) => base.setTimeout(cb, ms),
    setInterval: (cb, ms) => base.setInterval(cb, ms),
    clear: (handle) => base.clear(handle),
    offsetMs: () => offset,
    async sync() {
      try {
        const m = await measure();
        const first = !measured;
        offset = Math.round(m.offset);
        measured = true;
        if (Math.abs(offset) > WARN_OFFSET_MS)
          log.warn(
            { offsetMs: offset, rttMs: m.rtt },
            "this host's clock differs from the database's by more than a second: deadlines use the database's time; check NTP",
          );
        else if (first) log.info({ offsetMs: offset, rttMs: m.rtt }, 'clock offset to the database measured');
      } catch (err) {
        log.warn({ err, offsetMs: offset }, 'measuring the clock offset to the database failed: keeping the last offset');
      }
    },
    async start() {
      await clock.sync();
      base.clear(timer);
      timer = base.setInterval(() => void clock.sync(), options.resyncMs ?? 60_000);
    },
    stop() {
      base.clear(timer);
      timer = undefined;
    },
  };
  return clock;
}
