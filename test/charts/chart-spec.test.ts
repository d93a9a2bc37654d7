import { describe, expect, it } from 'vitest';
import { diagnosisChart, ERROR_RATE_THRESHOLDS } from '../../src/charts/chart-spec';
import { marksFromEvents } from '../../src/charts/chart-marks';
import type { NodeChartData, Point } from '../../src/charts/chart-types';
import { echartsOption } from '../../src/charts/echarts-option';
import { projectZeroCrossing } from '../../src/charts/projection';
import { seriesFromSamples, SampleHistory } from '../../src/charts/sample-history';
import { sparkline } from '../../src/charts/sparkline';

const TO = Date.parse('2026-11-29T15:30:00Z');
const FROM = TO - 3_600_000;
const series = (n: number, f: (i: number) => number): Point[] => Array.from({ length: n }, (_, i) => [FROM + i * 60_000, f(i)] as const);

function data(extra: Partial<NodeChartData> = {}): NodeChartData {
  return {
    node: 'stemedb-1',
    fromMs: FROM,
    toMs: TO,
    source: 'prometheus',
    errorRate: { name: 'all operations', points: series(60, (i) => (i < 30 ? 0.001 : 0.03)) },
    errorRateByOperation: [
      { name: 'put', points: series(60, (i) => (i < 30 ? 0.002 : 0.05)) },
      { name: 'get', points: series(60, () => 0) },
    ],
    missing: [],
    ...extra,
  };
}

describe('the diagnosis chart as data', () => {
  it('draws the series it was given and the runbook lines at 1% and 10%', () => {
    const out = diagnosisChart(data(), 'unknown', []);
    if ('none' in out) throw new Error(out.none);
    const [panel] = out.spec.panels;
    expect(out.spec.panels).toHaveLength(1);
    expect(panel!.lines.map((l) => l.name)).toEqual(['all operations', 'put', 'get']);
    expect(panel!.lines[1]!.points).toEqual(data().errorRateByOperation[0]!.points);
    expect(panel!.thresholds.map((t) => t.value)).toEqual([0.01, 0.1]);
    expect(out.summary).toMatch(/now 3\.00%, peak 3\.00%/);
    expect(out.spec.subtitle).toBe('14:30-15:30 UTC, from Prometheus');
  });

  it('keeps the marks inside the window', () => {
    const marks = [
      { atMs: FROM - 1, label: 'too early' },
      { atMs: FROM + 1_800_000, label: 'alert fired' },
    ];
    const out = diagnosisChart(data(), 'unknown', marks);
    expect('spec' in out && out.spec.marks).toEqual([marks[1]]);
  });

  it('adds the panel that fits the verdict, and only when its data exists', () => {
    const falling = { name: 'disk free', points: series(60, (i) => 0.3 - i * 0.004) };
    const disk = diagnosisChart(data({ diskFreeFraction: falling }), 'disk_full', []);
    if ('none' in disk) throw new Error(disk.none);
    expect(disk.spec.panels[1]!.title).toMatch(/^Disk free: full at \d\d:\d\d UTC at this rate$/);
    const projection = disk.spec.panels[1]!.lines.find((l) => l.name === 'projection')!;
    expect(projection.dashed).toBe(true);
    expect(projection.points[0]).toEqual(falling.points.at(-1));
    const lag = diagnosisChart(
      data({
        pendingCompactionBytes: { name: 'pending bytes', points: series(10, (i) => i * 2e9) },
        sstFiles: { name: 'SST files', points: series(10, (i) => 100 + i * 50) },
      }),
      'compaction_lag',
      [],
    );
    expect('spec' in lag && lag.spec.panels.map((p) => p.title)).toEqual(['Storage errors / operations', 'Pending compaction', 'SST files']);
    const locks = diagnosisChart(data({ lockWaitP99Seconds: { name: 'lock wait p99', points: series(5, () => 4) } }), 'lock_contention', []);
    expect('spec' in locks && locks.spec.panels[1]!.lines.map((l) => l.name)).toEqual(['lock wait p99']);
    const noLatency = diagnosisChart(data(), 'lock_contention', []);
    expect('spec' in noLatency && noLatency.spec.panels).toHaveLength(1);
  });

  it('draws no chart without error-rate readings, and says why', () => {
    expect(diagnosisChart(data({ errorRate: undefined, missing: ['error rate: Prometheus has no series'] }), 'disk_full', [])).toEqual({
      none: 'No chart: error rate: Prometheus has no series.',
    });
    const one = diagnosisChart(data({ errorRate: { name: 'all operations', points: [[TO, 0.02]] } }), 'disk_full', []);
    expect(one).toEqual({ none: 'No chart: error rate: only one reading of stemedb-1 so far.' });
  });

  it("turns the spec into an ECharts option whose lines and thresholds are the spec's", () => {
    const out = diagnosisChart(data(), 'unknown', [{ atMs: FROM + 1_800_000, label: 'alert fired' }]);
    if ('none' in out) throw new Error(out.none);
    const option = echartsOption(out.spec) as {
      series: { name: string; data: number[][]; markLine?: { data: { yAxis?: number; xAxis?: number }[] } }[];
      useUTC: boolean;
    };
    expect(option.useUTC).toBe(true);
    expect(option.series.map((s) => s.name)).toEqual(['all operations', 'put', 'get']);
    expect(option.series[0]!.data[45]).toEqual([FROM + 45 * 60_000, 3]);
    const lines = option.series[0]!.markLine!.data;
    expect(lines.filter((l) => l.yAxis !== undefined).map((l) => l.yAxis)).toEqual(ERROR_RATE_THRESHOLDS.map((t) => t.value * 100));
    expect(lines.find((l) => l.xAxis !== undefined)!.xAxis).toBe(FROM + 1_800_000);
  });
});

describe('own samples', () => {
  it('gives error rates from counter deltas, skips windows without operations, and survives a counter reset', () => {
    const s = (atMs: number, err: number, ops: number) => ({ atMs, errors: { put: err }, operations: { put: ops } });
    const out = seriesFromSamples([s(0, 0, 100), s(15_000, 5, 200), s(30_000, 5, 200), s(45_000, 2, 50)]);
    expect(out.errorRate.points).toEqual([
      [15_000, 0.05],
      [45_000, 0.04],
    ]);
    expect(out.byOperation).toEqual([
      {
        name: 'put',
        points: [
          [15_000, 0.05],
          [45_000, 0.04],
        ],
      },
    ]);
  });

  it('keeps a bounded history per node', () => {
    const history = new SampleHistory(3);
    for (let i = 0; i < 5; i++) history.add('n', { atMs: i });
    expect(history.samples('n').map((s) => s.atMs)).toEqual([2, 3, 4]);
  });
});

describe('helpers', () => {
  it('projects a falling line to zero and nothing for a flat or rising one', () => {
    expect(
      projectZeroCrossing([
        [0, 0.3],
        [60_000, 0.2],
      ]),
    ).toBe(180_000);
    expect(
      projectZeroCrossing([
        [0, 0.3],
        [60_000, 0.3],
      ]),
    ).toBeUndefined();
    expect(projectZeroCrossing([[0, 0.3]])).toBeUndefined();
  });

  it('draws a sparkline from 0 to the peak, keeping spikes when resampling', () => {
    expect(sparkline([0, 0.01, 0.04])).toBe('▁▃█');
    expect(sparkline([0, 0, 0])).toBe('▁▁▁');
    expect(sparkline([...Array(59).fill(0), 1], 30)).toBe(`${'▁'.repeat(29)}█`);
  });

  it('marks the alert, compactions, escalation and ack from the timeline', () => {
    const ev = (kind: string, at: string, detail: Record<string, unknown> = {}) => ({ id: 0, incidentId: 'i', kind, at, actor: null, detail });
    const marks = marksFromEvents(
      [
        ev('opened', '2026-11-29T15:00:00Z'),
        ev('compacted', '2026-11-29T15:10:00Z', { durationMs: 120_000 }),
        ev('acked', '2026-11-29T15:12:00Z'),
        ev('diagnosed', '2026-11-29T15:01:00Z'),
      ],
      'alert',
    );
    expect(marks.map((m) => [new Date(m.atMs).toISOString().slice(11, 16), m.label])).toEqual([
      ['15:00', 'alert fired'],
      ['15:08', 'compaction start'],
      ['15:10', 'compaction end'],
      ['15:12', 'acked'],
    ]);
  });
});

describe('the upload URL', () => {
  it("is used only when it is Slack's or the configured API's own host", async () => {
    const { trustedUploadUrl } = await import('../../src/slack/file-upload');
    expect(trustedUploadUrl('https://files.slack.com/upload/v1/abc', 'https://slack.com/api/')).toBe(true);
    expect(trustedUploadUrl('http://127.0.0.1:4000/upload/F1', 'http://127.0.0.1:4000/api/')).toBe(true);
    expect(trustedUploadUrl('http://files.slack.com/upload/v1/abc', 'https://slack.com/api/')).toBe(false);
    expect(trustedUploadUrl('https://evil.example/upload', 'https://slack.com/api/')).toBe(false);
    expect(trustedUploadUrl('https://slack.com.evil.example/x', 'https://slack.com/api/')).toBe(false);
    expect(trustedUploadUrl('http://169.254.169.254/latest', 'http://127.0.0.1:4000/api/')).toBe(false);
    expect(trustedUploadUrl('not a url', 'https://slack.com/api/')).toBe(false);
  });
});

describe('the before/after chart', () => {
  it("leaves out a reading whose window spans the compaction's end, and adds the re-check's own measurement", async () => {
    const { compactionChart } = await import('../../src/charts/compaction-chart');
    const at = (s: number) => FROM + s * 1000;
    const points: Point[] = [
      [at(0), 0.02],
      [at(15), 0.021],
      [at(30), 0.02],
      [at(45), 0.012],
      [at(60), 0.001],
    ];
    const chartData = data({ source: 'samples', errorRate: { name: 'all operations', points }, errorRateByOperation: [] });
    const out = compactionChart(chartData, { startMs: at(32), endMs: at(40), measuredAfter: { atMs: at(50), errorRate: 0 } }, 'cleared');
    if ('none' in out) throw new Error(out.none);
    const [before, after] = out.spec.panels[0]!.lines;
    expect(before!.points).toEqual(points.slice(0, 3));
    // 45 s measured 30-45 s, across the end at 40 s: in neither line.
    expect(after!.points).toEqual([
      [at(50), 0],
      [at(60), 0.001],
    ]);
    expect(out.spec.title).toBe('stemedb-1 after compaction: cleared (errors < 1%)');
    expect(out.spec.marks.map((m) => m.label)).toEqual(['compaction start', 'compaction end']);
    expect(out.summary).toMatch(/before the compaction \S+ 2\.00%; after 0\.10%/);
    expect(
      compactionChart(data({ errorRate: { name: 'all operations', points: points.slice(0, 1) } }), { startMs: at(32), endMs: at(40) }, 'persists'),
    ).toHaveProperty('none');
  });
});
