import { describe, expect, it } from 'vitest';
import { parseExposition } from '../../src/prometheus/parse-exposition';
import { counterDelta, counterDeltaByLabel, extractHistogram, histogramDelta, lookupValue, sumByLabel } from '../../src/prometheus/metric-queries';
import { histogramQuantile } from '../../src/prometheus/histogram-quantile';

/** A StemeDB-like scrape; `put` numbers are parameters so two scrapes can differ. */
function scrape({ putErrors = 12, puts = 1000, putBuckets = [900, 990, 1000], putSum = 40 } = {}) {
  return parseExposition(`# HELP stemedb_storage_operation_errors_total Storage errors.
# TYPE stemedb_storage_operation_errors_total counter
stemedb_storage_operation_errors_total{operation="put",node="n1"} ${putErrors}
stemedb_storage_operation_errors_total{operation="get",node="n1"} 0
stemedb_storage_operation_errors_total{operation="put",node="n2"} 3
# TYPE stemedb_storage_operations_total counter
stemedb_storage_operations_total{operation="put"} ${puts}
stemedb_storage_operations_total{operation="get"} 5000
# TYPE stemedb_lsm_compaction_duration_seconds histogram
# TYPE stemedb_assertions_indexed_total counter
# TYPE stemedb_storage_put_duration_seconds histogram
stemedb_storage_put_duration_seconds_bucket{operation="put",le="0.01"} ${putBuckets[0]}
stemedb_storage_put_duration_seconds_bucket{operation="put",le="0.1"} ${putBuckets[1]}
stemedb_storage_put_duration_seconds_bucket{operation="put",le="+Inf"} ${putBuckets[2]}
stemedb_storage_put_duration_seconds_sum{operation="put"} ${putSum}
stemedb_storage_put_duration_seconds_count{operation="put"} ${putBuckets[2]}
stemedb_storage_put_duration_seconds_bucket{operation="delete",le="0.01"} 10
stemedb_storage_put_duration_seconds_bucket{operation="delete",le="0.1"} 10
stemedb_storage_put_duration_seconds_bucket{operation="delete",le="+Inf"} 20
stemedb_storage_put_duration_seconds_sum{operation="delete"} 5
stemedb_storage_put_duration_seconds_count{operation="delete"} 20
stemedb_storage_write_amplification 7.5
`);
}

describe('lookupValue and sumByLabel', () => {
  const s = scrape();

  it('sums matching series, with a label filter', () => {
    expect(lookupValue(s, 'stemedb_storage_operation_errors_total')).toEqual({ value: 15, seriesCount: 3 });
    expect(lookupValue(s, 'stemedb_storage_operation_errors_total', { operation: 'put' })).toEqual({ value: 15, seriesCount: 2 });
    expect(lookupValue(s, 'stemedb_storage_operation_errors_total', { operation: 'put', node: 'n2' })).toEqual({ value: 3, seriesCount: 1 });
    expect(lookupValue(s, 'stemedb_storage_write_amplification')).toEqual({ value: 7.5, seriesCount: 1 });
  });

  it('tells "not exported" (undefined) from "exported, nothing matched" (0 series)', () => {
    expect(lookupValue(s, 'stemedb_lsm_pending_compaction_bytes')).toBeUndefined();
    expect(lookupValue(s, 'stemedb_assertions_indexed_total')).toEqual({ value: 0, seriesCount: 0 });
    expect(lookupValue(s, 'stemedb_storage_operation_errors_total', { operation: 'scan' })).toEqual({ value: 0, seriesCount: 0 });
  });

  it('matches a filter value "" against a missing label, as PromQL does', () => {
    expect(lookupValue(s, 'stemedb_storage_write_amplification', { node: '' })?.value).toBe(7.5);
    expect(lookupValue(s, 'stemedb_storage_write_amplification', { node: 'n1' })?.seriesCount).toBe(0);
  });

  it('reads histogram sub-samples by their full name', () => {
    expect(lookupValue(s, 'stemedb_storage_put_duration_seconds_count', { operation: 'put' })).toEqual({ value: 1000, seriesCount: 1 });
    expect(lookupValue(s, 'stemedb_storage_put_duration_seconds_sum')?.value).toBe(45);
    expect(lookupValue(s, 'stemedb_lsm_compaction_duration_seconds_count')).toEqual({ value: 0, seriesCount: 0 });
    expect(lookupValue(s, 'stemedb_storage_operations_total_count')).toBeUndefined();
  });

  it('groups by a label', () => {
    expect(sumByLabel(s, 'stemedb_storage_operation_errors_total', 'operation')).toEqual(
      new Map([
        ['put', 15],
        ['get', 0],
      ]),
    );
    expect(sumByLabel(s, 'stemedb_storage_operation_errors_total', 'node', { operation: 'put' })).toEqual(
      new Map([
        ['n1', 12],
        ['n2', 3],
      ]),
    );
    expect(sumByLabel(s, 'stemedb_storage_write_amplification', 'operation')).toEqual(new Map([['', 7.5]]));
    expect(sumByLabel(s, 'stemedb_lsm_pending_compaction_bytes', 'operation')).toBeUndefined();
  });
});

describe('counterDelta', () => {
  it('subtracts, and treats a decrease as a reset whose delta is the current value', () => {
    expect(counterDelta(15, 10)).toBe(5);
    expect(counterDelta(10, 10)).toBe(0);
    expect(counterDelta(3, 10)).toBe(3);
  });

  it('works per label, a series new in the second scrape counting from 0', () => {
    const before = sumByLabel(scrape({ putErrors: 12, puts: 1000 }), 'stemedb_storage_operation_errors_total', 'operation')!;
    const after = sumByLabel(scrape({ putErrors: 52, puts: 3000 }), 'stemedb_storage_operation_errors_total', 'operation')!;
    expect(counterDeltaByLabel(after, before)).toEqual(
      new Map([
        ['put', 40],
        ['get', 0],
      ]),
    );
    expect(
      counterDeltaByLabel(
        new Map([
          ['put', 2],
          ['scan', 4],
        ]),
        before,
      ),
    ).toEqual(
      new Map([
        ['put', 2],
        ['scan', 4],
      ]),
    );
  });
});

describe('extractHistogram and histogramDelta', () => {
  it('extracts one labelled series, buckets sorted by le', () => {
    expect(extractHistogram(scrape(), 'stemedb_storage_put_duration_seconds', { operation: 'put' })).toEqual({
      buckets: [
        { le: 0.01, count: 900 },
        { le: 0.1, count: 990 },
        { le: Infinity, count: 1000 },
      ],
      count: 1000,
      sum: 40,
      seriesCount: 1,
    });
  });

  it('sums series per le without a filter (sum by (le))', () => {
    const h = extractHistogram(scrape(), 'stemedb_storage_put_duration_seconds')!;
    expect(h.buckets).toEqual([
      { le: 0.01, count: 910 },
      { le: 0.1, count: 1000 },
      { le: Infinity, count: 1020 },
    ]);
    expect(h).toMatchObject({ count: 1020, sum: 45, seriesCount: 2 });
  });

  it('is undefined when not exported and empty when nothing matched', () => {
    expect(extractHistogram(scrape(), 'stemedb_storage_lock_wait_duration_seconds')).toBeUndefined();
    expect(extractHistogram(scrape(), 'stemedb_lsm_compaction_duration_seconds')).toEqual({ buckets: [], count: 0, sum: 0, seriesCount: 0 });
  });

  it('falls back to the +Inf bucket when _count is missing, and sorts buckets written out of order', () => {
    const s = parseExposition('# TYPE h histogram\nh_bucket{le="+Inf"} 7\nh_bucket{le="1"} 3\nh_bucket{le="0.5"} 1\n');
    expect(extractHistogram(s, 'h')).toEqual({
      buckets: [
        { le: 0.5, count: 1 },
        { le: 1, count: 3 },
        { le: Infinity, count: 7 },
      ],
      count: 7,
      sum: 0,
      seriesCount: 1,
    });
  });

  it('gives the window between two scrapes, and its p99', () => {
    const before = extractHistogram(scrape({ putBuckets: [900, 990, 1000], putSum: 40 }), 'stemedb_storage_put_duration_seconds', { operation: 'put' })!;
    const after = extractHistogram(scrape({ putBuckets: [950, 1090, 1200], putSum: 70 }), 'stemedb_storage_put_duration_seconds', { operation: 'put' })!;
    const window = histogramDelta(after, before);
    expect(window).toEqual({
      buckets: [
        { le: 0.01, count: 50 },
        { le: 0.1, count: 100 },
        { le: Infinity, count: 200 },
      ],
      count: 200,
      sum: 30,
      seriesCount: 1,
    });
    // rank 198 falls in the +Inf bucket: the highest finite bound.
    expect(histogramQuantile(0.99, window.buckets)).toBe(0.1);
    // rank 75 falls in (0.01, 0.1]: 25 of 50.
    expect(histogramQuantile(0.375, window.buckets)).toBeCloseTo(0.01 + 0.09 * 0.5, 12);
  });

  it('treats a decrease as a restart: the window is the current snapshot', () => {
    const before = extractHistogram(scrape({ putBuckets: [900, 990, 1000] }), 'stemedb_storage_put_duration_seconds', { operation: 'put' })!;
    const after = extractHistogram(scrape({ putBuckets: [5, 8, 10], putSum: 1 }), 'stemedb_storage_put_duration_seconds', { operation: 'put' })!;
    expect(histogramDelta(after, before)).toEqual(after);
  });
});
