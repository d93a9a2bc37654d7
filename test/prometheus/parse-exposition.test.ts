import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Registry, Counter, Histogram, Summary } from 'prom-client';
import { parseExposition } from '../../src/prometheus/parse-exposition';

const docsExample = readFileSync(new URL('./fixtures/docs-example.prom', import.meta.url), 'utf8');

const family = (text: string, name: string) => parseExposition(text).families.get(name);

describe('parseExposition: the example of Prometheus "Exposition formats"', () => {
  const parsed = parseExposition(docsExample);

  it('reads every family without errors', () => {
    expect(parsed.errors).toEqual([]);
    expect([...parsed.families.keys()]).toEqual([
      'http_requests_total',
      'msdos_file_access_time_seconds',
      'metric_without_timestamp_and_labels',
      'something_weird',
      'http_request_duration_seconds',
      'rpc_duration_seconds',
    ]);
    expect(parsed.sampleCount).toBe(20);
  });

  it('reads a counter with labels, HELP and timestamps', () => {
    expect(parsed.families.get('http_requests_total')).toEqual({
      name: 'http_requests_total',
      type: 'counter',
      help: 'The total number of HTTP requests.',
      samples: [
        { name: 'http_requests_total', labels: { method: 'post', code: '200' }, value: 1027, timestampMs: 1395066363000 },
        { name: 'http_requests_total', labels: { method: 'post', code: '400' }, value: 3, timestampMs: 1395066363000 },
      ],
    });
  });

  it('unescapes label values', () => {
    expect(parsed.families.get('msdos_file_access_time_seconds')?.samples).toEqual([
      { name: 'msdos_file_access_time_seconds', labels: { path: 'C:\\DIR\\FILE.TXT', error: 'Cannot find file:\n"FILE.TXT"' }, value: 1.458255915e9 },
    ]);
  });

  it('reads a minimal line as untyped, and +Inf with a negative timestamp', () => {
    expect(parsed.families.get('metric_without_timestamp_and_labels')).toEqual({
      name: 'metric_without_timestamp_and_labels',
      type: 'untyped',
      samples: [{ name: 'metric_without_timestamp_and_labels', labels: {}, value: 12.47 }],
    });
    expect(parsed.families.get('something_weird')?.samples).toEqual([
      { name: 'something_weird', labels: { problem: 'division by zero' }, value: Infinity, timestampMs: -3982045 },
    ]);
  });

  it('attaches _bucket, _sum and _count to the histogram', () => {
    const h = parsed.families.get('http_request_duration_seconds')!;
    expect(h.type).toBe('histogram');
    expect(h.help).toBe('A histogram of the request duration.');
    expect(h.samples.map((s) => [s.name, s.labels.le, s.value])).toEqual([
      ['http_request_duration_seconds_bucket', '0.05', 24054],
      ['http_request_duration_seconds_bucket', '0.1', 33444],
      ['http_request_duration_seconds_bucket', '0.2', 100392],
      ['http_request_duration_seconds_bucket', '0.5', 129389],
      ['http_request_duration_seconds_bucket', '1', 133988],
      ['http_request_duration_seconds_bucket', '+Inf', 144320],
      ['http_request_duration_seconds_sum', undefined, 53423],
      ['http_request_duration_seconds_count', undefined, 144320],
    ]);
  });

  it('attaches quantiles, _sum and _count to the summary', () => {
    const s = parsed.families.get('rpc_duration_seconds')!;
    expect(s.type).toBe('summary');
    expect(s.samples.map((x) => [x.name, x.labels.quantile, x.value])).toEqual([
      ['rpc_duration_seconds', '0.01', 3102],
      ['rpc_duration_seconds', '0.05', 3272],
      ['rpc_duration_seconds', '0.5', 4773],
      ['rpc_duration_seconds', '0.9', 9001],
      ['rpc_duration_seconds', '0.99', 76656],
      ['rpc_duration_seconds_sum', undefined, 1.7560473e7],
      ['rpc_duration_seconds_count', undefined, 2693],
    ]);
  });

  it('gives the same result without the final newline, with CRLF, and with a BOM', () => {
    const expected = [...parsed.families.values()];
    expect([...parseExposition(docsExample.trimEnd()).families.values()]).toEqual(expected);
    expect([...parseExposition(docsExample.replaceAll('\n', '\r\n')).families.values()]).toEqual(expected);
    expect([...parseExposition(`\uFEFF${docsExample}`).families.values()]).toEqual(expected);
  });
});

describe('parseExposition: labelled histograms and summaries', () => {
  const text = [
    '# HELP stemedb_storage_put_duration_seconds Put latency.',
    '# TYPE stemedb_storage_put_duration_seconds histogram',
    'stemedb_storage_put_duration_seconds_bucket{operation="put",le="0.1"} 5',
    'stemedb_storage_put_duration_seconds_bucket{operation="put",le="+Inf"} 7',
    'stemedb_storage_put_duration_seconds_sum{operation="put"} 1.5',
    'stemedb_storage_put_duration_seconds_count{operation="put"} 7',
    'stemedb_storage_put_duration_seconds_bucket{operation="delete",le="0.1"} 1',
    'stemedb_storage_put_duration_seconds_bucket{operation="delete",le="+Inf"} 2',
    'stemedb_storage_put_duration_seconds_sum{operation="delete"} 0.3',
    'stemedb_storage_put_duration_seconds_count{operation="delete"} 2',
  ].join('\n');

  it('keeps every series apart (no merge across label sets)', () => {
    const h = family(text, 'stemedb_storage_put_duration_seconds')!;
    expect(h.samples).toHaveLength(8);
    expect(h.samples.filter((s) => s.labels.operation === 'delete').map((s) => s.value)).toEqual([1, 2, 0.3, 2]);
    expect(h.samples.at(-1)).toEqual({ name: 'stemedb_storage_put_duration_seconds_count', labels: { operation: 'delete' }, value: 2 });
  });

  it('reads what prom-client really writes', async () => {
    const registry = new Registry();
    const hist = new Histogram({ name: 'x_seconds', help: 'X.', labelNames: ['operation'], buckets: [0.1, 1], registers: [registry] });
    const summary = new Summary({ name: 'y_seconds', help: 'Y "quoted" \\ back', labelNames: ['operation'], percentiles: [0.5, 0.9], registers: [registry] });
    const counter = new Counter({ name: 'z_total', help: 'Z.', labelNames: ['path'], registers: [registry] });
    new Counter({ name: 'declared_only_total', help: 'No series yet.', labelNames: ['operation'], registers: [registry] });
    hist.observe({ operation: 'put' }, 0.05);
    hist.observe({ operation: 'put' }, 0.5);
    hist.observe({ operation: 'get' }, 5);
    summary.observe({ operation: 'put' }, 2);
    counter.inc({ path: 'C:\\dir\n"x"' }, 3);
    const parsed = parseExposition(await registry.metrics());
    expect(parsed.errors).toEqual([]);
    const h = parsed.families.get('x_seconds')!;
    expect(h.type).toBe('histogram');
    const put = h.samples.filter((s) => s.labels.operation === 'put').map((s) => [s.name, s.labels.le, s.value]);
    expect(put).toEqual([
      ['x_seconds_bucket', '0.1', 1],
      ['x_seconds_bucket', '1', 2],
      ['x_seconds_bucket', '+Inf', 2],
      ['x_seconds_sum', undefined, 0.55],
      ['x_seconds_count', undefined, 2],
    ]);
    const y = parsed.families.get('y_seconds')!;
    expect(y.type).toBe('summary');
    expect(y.help).toBe('Y "quoted" \\ back');
    expect(y.samples.map((s) => s.name).sort()).toEqual(['y_seconds', 'y_seconds', 'y_seconds_count', 'y_seconds_sum']);
    expect(parsed.families.get('z_total')?.samples).toEqual([{ name: 'z_total', labels: { path: 'C:\\dir\n"x"' }, value: 3 }]);
    expect(parsed.families.get('declared_only_total')).toEqual({ name: 'declared_only_total', type: 'counter', help: 'No series yet.', samples: [] });
  });
});

describe('parseExposition: values, escapes and layout', () => {
  it('reads NaN, Inf in any case, exponents and signs', () => {
    const text = 'a NaN\nb +Inf\nc -Inf\nd Inf\ne nan\nf -1.5e-3\ng +2\nh .5\n';
    const values = [...parseExposition(text).families.values()].map((f) => f.samples[0]!.value);
    expect(values).toEqual([NaN, Infinity, -Infinity, Infinity, NaN, -0.0015, 2, 0.5]);
  });

  it('handles every escape in label values and keeps unknown escapes as written', () => {
    const text = String.raw`m{a="back\\slash",b="quote\"",c="new\nline",d="tab\t",e="end\\"} 1`;
    expect(family(text, 'm')?.samples[0]?.labels).toEqual({ a: 'back\\slash', b: 'quote"', c: 'new\nline', d: 'tab\\t', e: 'end\\' });
  });

  it('allows blanks between tokens, a trailing comma, empty braces and label values with } , = #', () => {
    const text = 'm { a = "x}" , b="y,=#" , } \t 4 \t 1000 \nn{} 5\n';
    const parsed = parseExposition(text);
    expect(parsed.errors).toEqual([]);
    expect(parsed.families.get('m')?.samples).toEqual([{ name: 'm', labels: { a: 'x}', b: 'y,=#' }, value: 4, timestampMs: 1000 }]);
    expect(parsed.families.get('n')?.samples).toEqual([{ name: 'n', labels: {}, value: 5 }]);
  });

  it('unescapes HELP text and ignores other comments', () => {
    const text = '# HELP a Line one\\nline two \\\\ "q"\n# just a comment\n#HELP a not a help line\n# TYPE a gauge\na 1\n';
    expect(family(text, 'a')).toEqual({ name: 'a', type: 'gauge', help: 'Line one\nline two \\ "q"', samples: [{ name: 'a', labels: {}, value: 1 }] });
  });

  it('merges a family whose samples are interleaved with another', () => {
    const text = '# TYPE a counter\na{x="1"} 1\n# TYPE b counter\nb 2\na{x="2"} 3\n';
    const parsed = parseExposition(text);
    expect([...parsed.families.keys()]).toEqual(['a', 'b']);
    expect(parsed.families.get('a')).toEqual({
      name: 'a',
      type: 'counter',
      samples: [
        { name: 'a', labels: { x: '1' }, value: 1 },
        { name: 'a', labels: { x: '2' }, value: 3 },
      ],
    });
  });

  it('keeps the last sample when there is no final newline', () => {
    expect(family('# TYPE a counter\na{x="1"} 1\na{x="2"} 2', 'a')?.samples.map((s) => s.value)).toEqual([1, 2]);
  });

  it('treats _sum/_count without a typed parent, and a gauge named like a suffix, as their own families', () => {
    const text = 'foo_count 3\n# TYPE bar gauge\nbar 1\n# TYPE bar_count gauge\nbar_count 9\n';
    const parsed = parseExposition(text);
    expect(parsed.families.get('foo_count')?.type).toBe('untyped');
    expect(parsed.families.get('bar')?.samples).toHaveLength(1);
    expect(parsed.families.get('bar_count')?.samples[0]?.value).toBe(9);
  });

  it('gives __proto__ as a label name its own key, not a prototype', () => {
    const labels = family('m{__proto__="x"} 1', 'm')!.samples[0]!.labels;
    expect(Object.keys(labels)).toEqual(['__proto__']);
    expect(labels['__proto__']).toBe('x');
    expect(Object.getPrototypeOf(labels)).toBe(Object.prototype);
  });
});

describe('parseExposition: malformed input', () => {
  it('records each bad line with its number and keeps every good one', () => {
    const text = [
      'good 1',
      'bad{x=1} 2',
      'no_value',
      'bad_value abc',
      'bad_ts 1 12.5',
      'extra 1 2 3',
      'unterminated{a="x} 1',
      'dup{a="1",a="2"} 1',
      '0starts_with_digit 1',
      'hex 0x10',
      'also_good{a="b"} 2',
    ].join('\n');
    const parsed = parseExposition(text);
    expect([...parsed.families.keys()]).toEqual(['good', 'also_good']);
    expect(parsed.errors.map((e) => [e.lineNumber, e.reason])).toEqual([
      [2, 'expected a quoted value for label x'],
      [3, 'missing value'],
      [4, 'invalid value "abc"'],
      [5, 'invalid timestamp "12.5"'],
      [6, 'unexpected text after the timestamp'],
      [7, 'unterminated value for label a'],
      [8, 'duplicate label a'],
      [9, 'invalid metric name'],
      [10, 'invalid value "0x10"'],
    ]);
    expect(parsed.errors[0]!.line).toBe('bad{x=1} 2');
  });

  it('reports bad HELP/TYPE lines and histogram buckets without le', () => {
    const text = [
      '# TYPE a foo',
      '# TYPE',
      '# HELP 9bad x',
      '# TYPE h histogram',
      '# TYPE h counter',
      'h_bucket{le="0.1"} 1',
      'h_bucket 2',
      'h_bucket{le="x"} 2',
      'g 1',
      '# TYPE g gauge',
      '# HELP g one',
      '# HELP g two',
    ].join('\n');
    const parsed = parseExposition(text);
    expect(parsed.errors.map((e) => [e.lineNumber, e.reason])).toEqual([
      [1, 'unknown metric type "foo" for a'],
      [2, '# TYPE without a metric name'],
      [3, '# HELP with an invalid metric name "9bad"'],
      [5, 'conflicting # TYPE for h'],
      [7, 'histogram bucket without an "le" label'],
      [8, 'histogram bucket with an invalid "le" label "x"'],
      [10, '# TYPE for g after its samples'],
      [12, 'second # HELP for g'],
    ]);
    expect(parsed.families.get('h')?.samples).toHaveLength(1);
    expect(parsed.families.get('g')).toMatchObject({ type: 'untyped', help: 'one' });
  });

  it('caps the stored errors on a body that is not an exposition at all, and cuts long lines', () => {
    const html = `<html>\n${'<p>not metrics</p>\n'.repeat(500)}${'x'.repeat(1000)} y\n</html>`;
    const parsed = parseExposition(html, { maxErrors: 10 });
    expect(parsed.families.size).toBe(0);
    expect(parsed.errors).toHaveLength(10);
    expect(parsed.errorCount).toBe(503);
    expect(parseExposition(`${'x'.repeat(1000)} y`).errors[0]!.line).toHaveLength(200);
  });

  it('parses a pathological label value in linear time (no backtracking)', () => {
    const line = `m{a="${'\\"'.repeat(200_000)}"} 1`;
    const labels = family(line, 'm')!.samples[0]!.labels;
    expect(labels.a).toHaveLength(200_000);
    expect(parseExposition(`m{a="${'\\'.repeat(200_001)}} 1`).errors[0]!.reason).toBe('unterminated value for label a');
  });

  it('stays linear on many lines whose label value never closes', () => {
    const parsed = parseExposition('m{a="unterminated 1\n'.repeat(100_000), { maxErrors: 1 });
    expect(parsed.errorCount).toBe(100_000);
    expect(parsed.errors[0]!.reason).toBe('unterminated value for label a');
  });

  it('returns nothing for empty input or blank lines', () => {
    expect(parseExposition('')).toEqual({ families: new Map(), errors: [], errorCount: 0, sampleCount: 0 });
    expect(parseExposition('\n  \n\t\r\n').families.size).toBe(0);
  });
  it('reads bare and empty repeated HELP lines as comments, rejects __name__ labels and out-of-range values', () => {
    const text = ['# HELP', '# HELP m Help.', '# HELP m', 'm{__name__="x"} 1', 'm 1e400', 'm -1e400', 'm Infinity', '# TYPE gh gaugehistogram'].join('\n');
    const parsed = parseExposition(text);
    expect(parsed.errors.map((e) => [e.lineNumber, e.reason])).toEqual([
      [4, 'label name __name__ is reserved'],
      [5, 'invalid value "1e400"'],
      [6, 'invalid value "-1e400"'],
      [8, 'unknown metric type "gaugehistogram" for gh'],
    ]);
    expect(parsed.families.get('m')).toMatchObject({ help: 'Help.', samples: [{ name: 'm', labels: {}, value: Infinity }] });
  });
});
