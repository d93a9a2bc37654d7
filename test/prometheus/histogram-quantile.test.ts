import { describe, expect, it } from 'vitest';
import { histogramQuantile, type HistogramBucket } from '../../src/prometheus/histogram-quantile';

/** The histogram of Prometheus's "Exposition formats" example. */
const docs: HistogramBucket[] = [
  { le: 0.05, count: 24054 },
  { le: 0.1, count: 33444 },
  { le: 0.2, count: 100392 },
  { le: 0.5, count: 129389 },
  { le: 1, count: 133988 },
  { le: Infinity, count: 144320 },
];

describe('histogramQuantile', () => {
  it('interpolates linearly inside the bucket the rank falls in', () => {
    // rank 72160 falls in (0.1, 0.2]: 38716 of that bucket's 66948 observations.
    expect(histogramQuantile(0.5, docs)).toBeCloseTo(0.1 + 0.1 * (38716 / 66948), 12);
    // rank 14432 falls in the first bucket, interpolated from 0.
    expect(histogramQuantile(0.1, docs)).toBeCloseTo(0.05 * (14432 / 24054), 12);
    // rank 129888 falls in (0.5, 1]: 499 of 4599.
    expect(histogramQuantile(0.9, docs)).toBeCloseTo(0.5 + 0.5 * (499 / 4599), 12);
  });

  it('returns the second-highest bound when the rank falls in the +Inf bucket', () => {
    expect(histogramQuantile(0.99, docs)).toBe(1);
    expect(histogramQuantile(1, docs)).toBe(1);
  });

  it('handles small hand-made histograms', () => {
    const b = [
      { le: 1, count: 5 },
      { le: 2, count: 10 },
      { le: Infinity, count: 10 },
    ];
    expect(histogramQuantile(0.5, b)).toBe(1);
    expect(histogramQuantile(0.75, b)).toBe(1.5);
    expect(histogramQuantile(0, b)).toBe(0);
  });

  it('follows PromQL for q out of range and for NaN', () => {
    expect(histogramQuantile(-0.1, docs)).toBe(-Infinity);
    expect(histogramQuantile(1.1, docs)).toBe(Infinity);
    expect(histogramQuantile(NaN, docs)).toBeNaN();
  });

  it('is NaN without observations, without a +Inf bucket, or with fewer than two buckets', () => {
    expect(
      histogramQuantile(
        0.5,
        docs.map((b) => ({ ...b, count: 0 })),
      ),
    ).toBeNaN();
    expect(histogramQuantile(0.5, docs.slice(0, -1))).toBeNaN();
    expect(histogramQuantile(0.5, [{ le: Infinity, count: 4 }])).toBeNaN();
    expect(histogramQuantile(0.5, [])).toBeNaN();
  });

  it('returns the first bound when it is <= 0 and the rank falls in it', () => {
    expect(
      histogramQuantile(0.2, [
        { le: -1, count: 5 },
        { le: Infinity, count: 10 },
      ]),
    ).toBe(-1);
  });

  it('sorts, merges equal bounds, forces monotonic counts, and leaves its input alone', () => {
    const input = [
      { le: Infinity, count: 10 },
      { le: 2, count: 8 },
      { le: 1, count: 4 },
      { le: 1, count: 6 },
    ];
    const copy = structuredClone(input);
    // merged: le 1 -> 10, le 2 -> 8 (forced to 10), +Inf 10; rank 5 -> 0 + 1 * 5/10
    expect(histogramQuantile(0.5, input)).toBe(0.5);
    expect(input).toEqual(copy);
  });
});
