// The chart render worker: ECharts' server-side SVG renderer, then resvg to PNG. Plain JavaScript so the
// worker starts without the TypeScript loader; it receives JSON-only options built by echarts-option.ts.
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import * as echarts from 'echarts';
import { Resvg } from '@resvg/resvg-js';

const { fontFiles, niceness } = workerData;

// Drawing is background work: on Linux a thread's nice value is its own, so this lowers only the render
// thread, and the main thread that acks Slack wins the CPU when both want it.
try {
  if (niceness > 0) setPriority(niceness);
} catch {
  // Not permitted (or not Linux): render at normal priority.
}

export function renderSvg(option, width, height) {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption(option);
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

// resvg draws no text without a font and does not complain: the shipped font is loaded explicitly, and the
// system's fonts are not, so every machine draws the same picture.
export function rasterise(svg) {
  const resvg = new Resvg(svg, { font: { fontFiles, loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans' }, background: '#ffffff' });
  return resvg.render().asPng();
}

parentPort?.on('message', ({ id, option, width, height }) => {
  try {
    const png = rasterise(renderSvg(option, width, height));
    // resvg's buffer is native (external) memory: Node 22 refuses to transfer it, so copy it into a fresh
    // ArrayBuffer once and transfer that (no second copy on the way to the main thread).
    const bytes = Uint8Array.from(png);
    parentPort.postMessage({ id, png: bytes }, [bytes.buffer]);
  } catch (err) {
    parentPort.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
  }
});

// Loaded (ECharts, resvg, the font list): the renderer starts timing charts from here, not from the spawn.
parentPort?.postMessage({ ready: true });
