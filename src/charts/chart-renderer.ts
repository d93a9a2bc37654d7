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

interface Waiter {
  resolve: (png: Buffer) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * Draws charts in a worker thread, so a 50-150 ms render never holds up Slack acks on the main event loop.
 * One worker, started on first use; a render that times out restarts it (it may be stuck in native code).
 */
export function createChartRenderer(options: { timeoutMs?: number; niceness?: number } = {}): ChartRenderer {
  const timeoutMs = options.timeoutMs ?? 10_000;
  // Background work: the render thread runs niced (10) so acks win the CPU (the `charts` bench measures both).
  const niceness = options.niceness ?? 10;
  let worker: Worker | undefined;
  let seq = 0;
  const waiting = new Map<number, Waiter>();
  const settle = (id: number) => {
    const w = waiting.get(id);
    if (w) clearTimeout(w.timer);
    waiting.delete(id);
    return w;
  };
  const failAll = (err: Error) => {
    for (const id of [...waiting.keys()]) settle(id)?.reject(err);
  };
  const start = () => {
    const w = new Worker(new URL('./render-worker.mjs', import.meta.url), { workerData: { fontFiles: CHART_FONT_FILES, niceness } });
    w.unref();
    w.on('message', (msg: { id: number; png?: Uint8Array; error?: string }) => {
      const waiter = settle(msg.id);
      if (!waiter) return;
      if (msg.png) waiter.resolve(Buffer.from(msg.png.buffer, msg.png.byteOffset, msg.png.byteLength));
      else waiter.reject(new Error(`chart rendering failed: ${msg.error ?? 'unknown error'}`));
    });
    w.on('error', (err) => failAll(new Error(`chart renderer crashed: ${err.message}`)));
    w.on('exit', () => {
      if (worker === w) worker = undefined;
      failAll(new Error('chart renderer stopped'));
    });
    return w;
  };
  return {
    render(spec) {
      worker ??= start();
      const id = ++seq;
      const target = worker;
      return new Promise<Buffer>((resolve, reject) => {
        const timer = setTimeout(() => {
          settle(id);
          reject(new Error(`chart rendering took longer than ${timeoutMs} ms`));
          if (worker === target) worker = undefined;
          void target.terminate();
        }, timeoutMs);
        timer.unref();
        waiting.set(id, { resolve, reject, timer });
        target.postMessage({ id, option: echartsOption(spec), width: CHART_WIDTH, height: chartHeight(spec.panels.length) });
      });
    },
    async close() {
      const w = worker;
      worker = undefined;
      failAll(new Error('chart renderer closed'));
      await w?.terminate();
    },
  };
}
