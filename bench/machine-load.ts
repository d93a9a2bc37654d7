import { existsSync, readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * How busy the machine was during a bench run, sampled once a second: a run that is slower than its siblings
 * is told apart as the machine's (CPU saturated, stolen by the hypervisor, waiting on the disk, the bench's own
 * event loop held up) or the bot's. Linux only: elsewhere the CPU figures are null, "not available".
 */
export interface MachineLoad {
  samples: number;
  /** Share of CPU time per 1 s sample, in %: mean and worst second. */
  busyPct: { mean: number; max: number } | null;
  stealPct: { mean: number; max: number } | null;
  iowaitPct: { mean: number; max: number } | null;
  /** Seconds in which the CPUs were at least 95% busy. */
  saturatedSeconds: number | null;
  /** The bench process's own event-loop delay (it times every arrival): p99 and max, ms. */
  benchLoopDelayMs: { p99: number; max: number };
}

interface CpuTimes {
  total: number;
  idle: number;
  iowait: number;
  steal: number;
}

function readCpu(): CpuTimes | undefined {
  if (!existsSync('/proc/stat')) return undefined;
  // cpu  user nice system idle iowait irq softirq steal guest guest_nice
  const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
  return { total: user + nice + system + idle + iowait + irq + softirq + steal, idle, iowait, steal };
}

const round1 = (n: number) => Math.round(n * 10) / 10;
const summary = (values: number[]) =>
  values.length === 0 ? null : { mean: round1(values.reduce((a, b) => a + b, 0) / values.length), max: round1(Math.max(...values)) };

/** Starts sampling; `stop()` ends it and returns the figures. */
export function watchMachineLoad(everyMs = 1_000): { stop(): MachineLoad } {
  const busy: number[] = [];
  const steal: number[] = [];
  const iowait: number[] = [];
  let samples = 0;
  let last = readCpu();
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const timer = setInterval(() => {
    samples++;
    const now = readCpu();
    if (!now || !last) return;
    const total = now.total - last.total;
    if (total > 0) {
      busy.push((100 * (total - (now.idle - last.idle) - (now.iowait - last.iowait))) / total);
      steal.push((100 * (now.steal - last.steal)) / total);
      iowait.push((100 * (now.iowait - last.iowait)) / total);
    }
    last = now;
  }, everyMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      loop.disable();
      const cpu = last !== undefined;
      return {
        samples,
        busyPct: cpu ? summary(busy) : null,
        stealPct: cpu ? summary(steal) : null,
        iowaitPct: cpu ? summary(iowait) : null,
        saturatedSeconds: cpu ? busy.filter((b) => b >= 95).length : null,
        benchLoopDelayMs: { p99: round1(loop.percentile(99) / 1e6), max: round1(loop.max / 1e6) },
      };
    },
  };
}
