import { afterAll, describe, expect, it } from 'vitest';
import { createChartRenderer } from '../../src/charts/chart-renderer';
import { diagnosisChart } from '../../src/charts/chart-spec';
import type { ChartSpec, NodeChartData, Point } from '../../src/charts/chart-types';
import { CHART_WIDTH, chartHeight, plotAreas } from '../../src/charts/echarts-option';
import { countColour, decodePng } from './png';

const TO = Date.parse('2026-11-29T15:30:00Z');
const FROM = TO - 3_600_000;
const series = (f: (i: number) => number): Point[] => Array.from({ length: 240 }, (_, i) => [FROM + i * 15_000, f(i)] as const);
const BLUE: [number, number, number] = [0x1d, 0x4e, 0xd8];
const ORANGE: [number, number, number] = [0xd9, 0x77, 0x06];
const RED: [number, number, number] = [0xdc, 0x26, 0x26];

function spec(rate: (i: number) => number, extra: Partial<NodeChartData> = {}, cause: 'disk_full' | 'unknown' = 'unknown'): ChartSpec {
  const out = diagnosisChart(
    {
      node: 'stemedb-1',
      fromMs: FROM,
      toMs: TO,
      source: 'samples',
      errorRate: { name: 'all operations', points: series(rate) },
      errorRateByOperation: [],
      missing: [],
      ...extra,
    },
    cause,
    [],
  );
  if ('none' in out) throw new Error(out.none);
  return out.spec;
}

describe('rendering a chart to PNG (ECharts SVG in a worker, resvg with the shipped font)', () => {
  const renderer = createChartRenderer();
  afterAll(() => renderer.close());

  it('writes a valid PNG of the expected size whose plot area holds the line and the 1% alert line', async () => {
    const s = spec((i) => (i < 120 ? 0.002 : 0.03));
    const png = await renderer.render(s);
    const img = decodePng(png);
    expect([img.width, img.height]).toEqual([CHART_WIDTH, chartHeight(1)]);
    const [plot] = plotAreas(s);
    // The series' blue is drawn inside the plot area; the dashed 1% line (anti-aliased, so a wider tolerance) crosses it.
    expect(countColour(img, plot!, BLUE)).toBeGreaterThan(300);
    expect(countColour(img, plot!, ORANGE, 100)).toBeGreaterThan(100);
    // Text needs the font: the title's dark pixels exist only if resvg found a font to draw it with.
    expect(countColour(img, { left: 16, top: 8, width: 300, height: 24 }, [0x33, 0x33, 0x33], 120)).toBeGreaterThan(200);
  }, 30_000);

  it('draws the series where the data puts it: a curve at 0% leaves the upper plot area empty', async () => {
    const flat = decodePng(await renderer.render(spec(() => 0)));
    const high = decodePng(await renderer.render(spec(() => 0.2)));
    const [plot] = plotAreas(spec(() => 0));
    const upperHalf = { ...plot!, height: Math.floor(plot!.height / 2) };
    expect(countColour(flat, upperHalf, BLUE)).toBe(0);
    expect(countColour(high, upperHalf, BLUE)).toBeGreaterThan(300);
    // At 20% the 10% escalation line is on the scale and drawn in red.
    expect(countColour(high, plot!, RED, 100)).toBeGreaterThan(100);
  }, 30_000);

  it('stacks the verdict panel under the error rate', async () => {
    const s = spec((i) => 0.02 + i * 0.0001, { diskFreeFraction: { name: 'disk free', points: series((i) => 0.3 - i * 0.0005) } }, 'disk_full');
    const img = decodePng(await renderer.render(s));
    expect(img.height).toBe(chartHeight(2));
    const [, disk] = plotAreas(s);
    expect(countColour(img, disk!, [0x05, 0x96, 0x69])).toBeGreaterThan(200);
  }, 30_000);
});

describe('a storm of charts on one renderer', () => {
  it('times each chart on its own drawing, not on its wait in the queue: 40 charts at once all render', async () => {
    // One render takes 50-150 ms, so 40 queued charts take seconds: longer than the timeout for the last ones
    // had the clock started when they were asked for (before: those timed out and took the worker, and every
    // chart still waiting, down with them).
    const renderer = createChartRenderer({ timeoutMs: 1_500 });
    try {
      const results = await Promise.allSettled(Array.from({ length: 40 }, (_, n) => renderer.render(spec((i) => (i < n * 5 ? 0.002 : 0.03)))));
      expect(results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
      for (const r of results) expect(decodePng((r as PromiseFulfilledResult<Buffer>).value).width).toBe(CHART_WIDTH);
    } finally {
      await renderer.close();
    }
  }, 60_000);

  it('refuses new work once closed and fails what was still queued', async () => {
    const renderer = createChartRenderer();
    const queued = [renderer.render(spec(() => 0.01)), renderer.render(spec(() => 0.02))];
    // Handlers first: close() rejects them while it waits for the worker to end.
    const settling = Promise.allSettled(queued);
    await renderer.close();
    const settled = await settling;
    expect(settled.map((r) => (r.status === 'rejected' ? String(r.reason) : 'drawn'))).toEqual([
      'Error: chart renderer closed',
      'Error: chart renderer closed',
    ]);
    await expect(renderer.render(spec(() => 0.01))).rejects.toThrow('chart renderer closed');
  });
});
