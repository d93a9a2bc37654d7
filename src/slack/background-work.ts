export interface BackgroundWorkOptions {
  /** Tasks running at once. */
  concurrency: number;
  /** While requests keep arriving less than this apart, new tasks wait (acks come first)... */
  quietMs?: number;
  /** ...but never longer than this: under steady traffic the work still gets done. */
  maxDelayMs?: number;
  /**
   * A task that rejects anyway (its own catch failed, or it had none): reported here, never dropped silently.
   * The pool keeps running the other tasks.
   */
  onTaskError: (err: unknown) => void;
}

/**
 * Work that runs after a Slack ack. Slack's hard limit is on the ack (3 s), not on the work, so new tasks wait
 * while a burst of requests is arriving (up to `maxDelayMs`), start from `setImmediate` (after Node has read
 * pending sockets), and at most `concurrency` run at once. Tasks should catch their own errors; one that
 * rejects is handed to `onTaskError` (logged by the caller) and the pool goes on.
 */
export function createBackgroundWork({ concurrency, quietMs = 15, maxDelayMs = 250, onTaskError }: BackgroundWorkOptions) {
  const waiting: { task: () => Promise<unknown>; queuedAt: number }[] = [];
  let running = 0;
  let lastArrival = 0;
  let timer: NodeJS.Timeout | undefined;
  const idle: (() => void)[] = [];

  const pump = () => {
    timer = undefined;
    while (running < concurrency && waiting.length > 0) {
      const now = Date.now();
      const burst = now - lastArrival < quietMs && now - waiting[0]!.queuedAt < maxDelayMs;
      if (burst) {
        timer ??= setTimeout(pump, quietMs);
        return;
      }
      const { task } = waiting.shift()!;
      running++;
      setImmediate(() => {
        // A task that throws synchronously is a rejection too.
        void Promise.resolve()
          .then(task)
          .catch((err: unknown) => {
            try {
              onTaskError(err);
            } catch {
              // The reporter itself failed (a closed log stream): nothing else to tell.
            }
          })
          .finally(() => {
            running--;
            pump();
            if (running === 0 && waiting.length === 0) for (const resolve of idle.splice(0)) resolve();
          });
      });
    }
  };

  return {
    /** Call when a request arrives, before its ack: it holds new work back while a burst lasts. */
    noteArrival(): void {
      lastArrival = Date.now();
    },
    run(task: () => Promise<unknown>): void {
      waiting.push({ task, queuedAt: Date.now() });
      pump();
    },
    /** Resolves when nothing is queued or running (graceful shutdown, tests). */
    idle(): Promise<void> {
      return running === 0 && waiting.length === 0 ? Promise.resolve() : new Promise((resolve) => idle.push(resolve));
    },
  };
}
