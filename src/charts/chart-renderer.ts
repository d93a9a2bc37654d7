import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { ChartSpec } from './chart-types';
import { CHART_WIDTH, chartHeight, echartsOption } from './echarts-option';

const require = createRequire(import.meta.url);

/** The font shipped with the project (DejaVu Sans, from the `dejavu-fonts-ttf` package; licence in that package). */
export const CHART_FONT_FILES = [require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'), require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf')];

export interface ChartRenderer {
  /** PNG bytes of the chart; rejects after `timeoutMs` or when drawing fails. */
  render(spec: ChartSpec): Promise<Buffer>;
  close(): Promise<void>;
}

interface Job {
  id: number;
  message: { id: number; option: unknown; width: number; height: number };
  resolve: (png: Buffer) => void;
  reject: (err: Error) => void;
}

/**
 * Draws charts in a worker thread, so a 50-150 ms render never holds up Slack acks on the main event loop.
 * One worker, started on first use, given one chart at a time: the timeout counts a chart's own drawing,
 * not its wait behind a storm's other charts on a busy host. A render that times out fails alone; the
 * worker (it may be stuck in native code) is replaced and the queue goes on.
 */
/** Loading ECharts and resvg into a fresh worker; generous, since a busy host may take seconds. */
const STARTUP_TIMEOUT_MS = 30_000;

export function createChartRenderer(options: { timeoutMs?: number; niceness?: number } = {}): ChartRenderer {
  const timeoutMs = options.timeoutMs ?? 10_000;
  // Background work: the render thread runs niced (10) so acks win the CPU (the `charts` bench measures both).
  const niceness = options.niceness ?? 10;
  let worker: Worker | undefined;
  /** Workers that finished loading: a chart is handed only to one of these. */
  const ready = new WeakSet<Worker>();
  let seq = 0;
  const queue: Job[] = [];
  let current: { job: Job; timer: NodeJS.Timeout; worker: Worker } | undefined;
  let closed = false;

  const finish = (id: number): Job | undefined => {
    if (current?.job.id !== id) return undefined;
    clearTimeout(current.timer);
    const { job } = current;
    current = undefined;
    return job;
  };
  const replaceWorker = (w: Worker) => {
    if (worker === w) worker = undefined;
    void w.terminate();
  };
  const start = () => {
    const w = new Worker(new URL('./render-worker.mjs', import.meta.url), { workerData: { fontFiles: CHART_FONT_FILES, niceness } });
    w.unref();
    // A worker that cannot even load fails the chart that waited for it, and the next one tries a new worker.
    const loading = setTimeout(() => {
      queue.shift()?.reject(new Error(`chart renderer did not start within ${STARTUP_TIMEOUT_MS} ms`));
      replaceWorker(w);
      pump();
    }, STARTUP_TIMEOUT_MS);
    loading.unref();
    w.on('message', (msg: { ready?: true; id: number; png?: Uint8Array; error?: string }) => {
      if (msg.ready) {
        clearTimeout(loading);
        ready.add(w);
        return pump();
      }
      const job = finish(msg.id);
      if (job) {
        if (msg.png) job.resolve(Buffer.from(msg.png.buffer, msg.png.byteOffset, msg.png.byteLength));
        else job.reject(new Error(`chart rendering failed: ${msg.error ?? 'unknown error'}`));
      }
      pump();
    });
    const lost = (reason: string) => {
      clearTimeout(loading);
      if (worker === w) worker = undefined;
      if (current?.worker === w) finish(current.job.id)?.reject(new Error(reason));
      // One that died while loading takes a waiting chart with it, so a renderer that cannot start fails
      // charts one by one instead of restarting forever.
      else if (!ready.has(w) && !closed) queue.shift()?.reject(new Error(reason));
      pump();
    };
    w.on('error', (err) => lost(`chart renderer crashed: ${err.message}`));
    w.on('exit', () => lost('chart renderer stopped'));
    return w;
  };
  const pump = () => {
    if (closed || current || queue.length === 0) return;
    const w = (worker ??= start());
    if (!ready.has(w)) return;
    const job = queue.shift()!;
    const timer = setTimeout(() => {
      finish(job.id)?.reject(new Error(`chart rendering took longer than ${timeoutMs} ms`));
      replaceWorker(w);
      pump();
    }, timeoutMs);
    timer.unref();
    current = { job, timer, worker: w };
    w.postMessage(job.message);
  };
  return {
    render(spec) {
      if (closed) return Promise.reject(new Error('chart renderer closed'));
      const id = ++seq;
      return new Promise<Buffer>((resolve, reject) => {
        queue.push({ id, message: { id, option: echartsOption(spec), width: CHART_WIDTH, height: chartHeight(spec.panels.length) }, resolve, reject });
        pump();
      });
    },
    async close() {
      closed = true;
      const w = worker;
      worker = undefined;
      const error = new Error('chart renderer closed');
      if (current) finish(current.job.id)?.reject(error);
      for (const job of queue.splice(0)) job.reject(error);
      await w?.terminate();
    },
  };
}
