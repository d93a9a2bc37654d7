/**
 * Work that runs after a Slack ack. Tasks start from `setImmediate`, after Node has read pending sockets, and
 * at most `concurrency` run at once, so a burst of commands cannot delay the next command's ack (Slack's hard
 * limit is 3 s). Tasks never reject: each catches its own errors.
 */
export function createBackgroundWork(concurrency: number) {
  const waiting: (() => Promise<unknown>)[] = [];
  let running = 0;
  let idle: (() => void)[] = [];

  const pump = () => {
    while (running < concurrency && waiting.length > 0) {
      const task = waiting.shift()!;
      running++;
      setImmediate(() => {
        void task()
          .catch(() => undefined)
          .finally(() => {
            running--;
            pump();
            if (running === 0 && waiting.length === 0) for (const resolve of idle.splice(0)) resolve();
          });
      });
    }
  };

  return {
    run(task: () => Promise<unknown>): void {
      waiting.push(task);
      pump();
    },
    /** Resolves when nothing is queued or running (graceful shutdown, tests). */
    idle(): Promise<void> {
      return running === 0 && waiting.length === 0 ? Promise.resolve() : new Promise((resolve) => idle.push(resolve));
    },
  };
}
