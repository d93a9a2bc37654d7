import type { Clock, TimerHandle } from '../../src/ops/clock';

interface Entry {
  id: number;
  at: number;
  every?: number;
  callback: () => void;
}

/**
 * A Clock for timing tests: time moves only when the test calls `advance`, and callbacks fire in deadline
 * order (ties in the order they were set), each seeing `now()` equal to its own deadline. Not Node's timers
 * and not vi.useFakeTimers: signed requests and real sockets around it keep real time.
 */
export class FakeClock implements Clock {
  private current: number;
  private seq = 0;
  private readonly entries = new Map<number, Entry>();

  constructor(startMs = Date.parse('2026-11-02T09:00:00Z')) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    return this.add({ at: this.current + Math.max(0, ms), callback });
  }

  setInterval(callback: () => void, ms: number): TimerHandle {
    return this.add({ at: this.current + Math.max(1, ms), every: Math.max(1, ms), callback });
  }

  clear(handle: TimerHandle | undefined): void {
    if (handle !== undefined) this.entries.delete(handle as unknown as number);
  }

  /** Deadlines of the armed timers, earliest first. */
  pending(): number[] {
    return [...this.entries.values()].map((e) => e.at).sort((a, b) => a - b);
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way; awaits microtasks between. */
  async advance(ms: number): Promise<void> {
    const until = this.current + ms;
    for (;;) {
      const next = [...this.entries.values()].filter((e) => e.at <= until).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!next) break;
      this.current = next.at;
      if (next.every) next.at += next.every;
      else this.entries.delete(next.id);
      next.callback();
      await settle();
    }
    this.current = until;
    await settle();
  }

  private add(entry: Omit<Entry, 'id'>): TimerHandle {
    const id = ++this.seq;
    this.entries.set(id, { id, ...entry });
    return id as unknown as TimerHandle;
  }
}

/** Lets promise callbacks queued by a timer run before the next one fires. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
