import type { LogLevel, LogTemplate } from './log-templates';
import type { Rng } from './rng';

/** One storage.log line: ISO timestamp, level, target, message (StemeDB's tracing format). */
export function formatLogLine(ms: number, level: LogLevel, target: string, message: string): string {
  return `${new Date(ms).toISOString()} ${level} ${target}: ${message}`;
}

/**
 * Turns templates and their rates into timestamped lines for a time window. Each template keeps a fractional
 * accumulator, so a rate of 0.05/s yields one line every 20 s however the windows are cut.
 */
export class LogLineGenerator {
  private readonly due = new Map<LogTemplate, number>();

  constructor(private readonly rng: Rng) {}

  /** Lines for the window (fromMs, toMs], oldest first. */
  generate(templates: readonly LogTemplate[], fromMs: number, toMs: number): string[] {
    const seconds = (toMs - fromMs) / 1000;
    if (seconds <= 0) return [];
    const stamped: Array<{ ms: number; line: string }> = [];
    for (const tpl of templates) {
      const before = this.due.get(tpl) ?? this.rng.next();
      const after = before + tpl.perSecond * seconds;
      for (let k = Math.floor(before) + 1; k <= after; k++) {
        const ms = fromMs + ((k - before) / tpl.perSecond) * 1000;
        stamped.push({ ms, line: formatLogLine(ms, tpl.level, tpl.target, tpl.message(this.rng)) });
      }
      this.due.set(tpl, after - Math.floor(after));
    }
    return stamped.sort((a, b) => a.ms - b.ms).map((s) => s.line);
  }
}
