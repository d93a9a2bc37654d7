import { parseSampleLine } from './parse-sample-line';
import { parsePrometheusFloat } from './parse-prometheus-float';

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  /** The full sample name, e.g. `..._bucket` for a histogram bucket. */
  name: string;
  labels: Record<string, string>;
  value: number;
  timestampMs?: number;
}

export interface MetricFamily {
  name: string;
  type: MetricType;
  help?: string;
  /** Empty when the family was declared (`# HELP`/`# TYPE`) but has no series yet. */
  samples: Sample[];
}

export interface ExpositionError {
  lineNumber: number;
  /** The offending line, cut at 200 characters. */
  line: string;
  reason: string;
}

export interface ParsedExposition {
  /** By family name, in order of first appearance. */
  families: Map<string, MetricFamily>;
  /** The first `maxErrors` malformed lines; the scrape's good lines are kept whatever these say. */
  errors: ExpositionError[];
  /** All malformed lines, including those beyond `maxErrors`. */
  errorCount: number;
  sampleCount: number;
}

export interface ParseExpositionOptions {
  /** Default 100: a body that is not an exposition at all (an HTML error page) must not cost a line each. */
  maxErrors?: number;
}

const TYPES: ReadonlySet<string> = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const SUFFIXES: Readonly<Record<string, ReadonlySet<MetricType>>> = {
  _bucket: new Set(['histogram']),
  _sum: new Set(['histogram', 'summary']),
  _count: new Set(['histogram', 'summary']),
  _created: new Set(['histogram', 'summary']),
};

/**
 * Parses the Prometheus text exposition format 0.0.4. Lenient where real exporters are (CRLF, no final
 * newline, blank lines, families interleaved or without `# TYPE`), strict on each line: a malformed line is
 * recorded in `errors` and skipped, never the whole scrape. `_bucket`/`_sum`/`_count`/`_created` samples are
 * attached to their histogram or summary family; samples of a family seen again later are merged into it.
 * @example parseExposition('# TYPE up gauge\nup 1').families.get('up')?.samples[0]?.value // 1
 */
export function parseExposition(text: string, options: ParseExpositionOptions = {}): ParsedExposition {
  const maxErrors = options.maxErrors ?? 100;
  const index = new FamilyIndex();
  const result: ParsedExposition = { families: index.families, errors: [], errorCount: 0, sampleCount: 0 };
  const fail = (lineNumber: number, start: number, end: number, reason: string) => {
    result.errorCount++;
    if (result.errors.length < maxErrors) result.errors.push({ lineNumber, line: text.slice(start, Math.min(end, start + 200)), reason });
  };
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let lineNumber = 0;
  while (pos < text.length) {
    let next = text.indexOf('\n', pos);
    if (next === -1) next = text.length;
    lineNumber++;
    let start = pos;
    let end = next;
    pos = next + 1;
    while (start < end && isBlank(text.charCodeAt(start))) start++;
    while (end > start && isBlankOrCr(text.charCodeAt(end - 1))) end--;
    if (start === end) continue;
    if (text.charCodeAt(start) === 35 /* # */) {
      const reason = parseComment(text.slice(start, end), index);
      if (reason) fail(lineNumber, start, end, reason);
      continue;
    }
    const parsed = parseSampleLine(text, start, end);
    if (typeof parsed === 'string') {
      fail(lineNumber, start, end, parsed);
      continue;
    }
    const family = index.familyForSample(parsed.name);
    const invalid = checkSample(family, parsed);
    if (invalid) {
      fail(lineNumber, start, end, invalid);
      continue;
    }
    family.samples.push(parsed);
    result.sampleCount++;
  }
  return result;
}

function isBlank(c: number): boolean {
  return c === 32 || c === 9;
}

function isBlankOrCr(c: number): boolean {
  return c === 32 || c === 9 || c === 13;
}

/** Buckets and quantiles without a readable `le`/`quantile` would poison every later computation. */
function checkSample(family: MetricFamily, sample: Sample): string | undefined {
  if (family.type === 'histogram' && sample.name === `${family.name}_bucket`) {
    const le = sample.labels.le;
    if (le === undefined) return 'histogram bucket without an "le" label';
    if (parsePrometheusFloat(le) === undefined) return `histogram bucket with an invalid "le" label "${le}"`;
  }
  if (family.type === 'summary' && sample.name === family.name) {
    const q = sample.labels.quantile;
    if (q === undefined) return 'summary sample without a "quantile" label';
    if (parsePrometheusFloat(q) === undefined) return `summary sample with an invalid "quantile" label "${q}"`;
  }
  return undefined;
}

/** Handles `# HELP name text` and `# TYPE name type`; any other comment is ignored. Returns an error reason. */
function parseComment(line: string, index: FamilyIndex): string | undefined {
  const tokens = splitComment(line);
  if (!tokens) return undefined;
  const { keyword, name, rest } = tokens;
  // Prometheus' own parsers read a bare `# HELP` as a comment (their test suite has one among "funny comments").
  if (!name && keyword === 'HELP') return undefined;
  if (!name) return `# ${keyword} without a metric name`;
  if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name)) return `# ${keyword} with an invalid metric name "${name}"`;
  const family = index.declare(name);
  if (keyword === 'HELP') {
    // `# HELP name` with no text adds nothing: a comment, not a conflicting second HELP.
    if (family.help !== undefined) return rest === '' ? undefined : `second # HELP for ${name}`;
    family.help = unescapeHelp(rest);
    return undefined;
  }
  const type = rest.toLowerCase();
  if (!TYPES.has(type)) return `unknown metric type "${rest}" for ${name}`;
  if (index.typed.has(name)) return family.type === type ? undefined : `conflicting # TYPE for ${name}`;
  if (family.samples.length > 0) return `# TYPE for ${name} after its samples`;
  family.type = type as MetricType;
  index.typed.add(name);
  return undefined;
}

/** Splits `#<blanks>KEYWORD<blanks>name<blanks>rest`; `undefined` for a plain comment. */
function splitComment(line: string): { keyword: 'HELP' | 'TYPE'; name: string; rest: string } | undefined {
  let i = 1;
  if (i >= line.length || !isBlank(line.charCodeAt(i))) return undefined;
  while (i < line.length && isBlank(line.charCodeAt(i))) i++;
  const keyword = line.slice(i, i + 4);
  if (keyword !== 'HELP' && keyword !== 'TYPE') return undefined;
  i += 4;
  if (i < line.length && !isBlank(line.charCodeAt(i))) return undefined;
  while (i < line.length && isBlank(line.charCodeAt(i))) i++;
  const nameStart = i;
  while (i < line.length && !isBlank(line.charCodeAt(i))) i++;
  const name = line.slice(nameStart, i);
  while (i < line.length && isBlank(line.charCodeAt(i))) i++;
  return { keyword, name, rest: line.slice(i) };
}

/** HELP text escapes only `\\` and `\n`. */
function unescapeHelp(text: string): string {
  if (!text.includes('\\')) return text;
  return text.replace(/\\(\\|n)/g, (_, c: string) => (c === 'n' ? '\n' : '\\'));
}

/** Families by name, plus which sample name belongs to which family (cached: most lines repeat a name). */
class FamilyIndex {
  readonly families = new Map<string, MetricFamily>();
  readonly typed = new Set<string>();
  private readonly bySampleName = new Map<string, MetricFamily>();

  declare(name: string): MetricFamily {
    let family = this.families.get(name);
    if (!family) {
      family = { name, type: 'untyped', samples: [] };
      this.families.set(name, family);
      this.bySampleName.clear();
    }
    return family;
  }

  familyForSample(sampleName: string): MetricFamily {
    const cached = this.bySampleName.get(sampleName);
    if (cached) return cached;
    const family = this.families.get(sampleName) ?? this.parentFamily(sampleName) ?? this.declare(sampleName);
    this.bySampleName.set(sampleName, family);
    return family;
  }

  private parentFamily(sampleName: string): MetricFamily | undefined {
    for (const suffix in SUFFIXES) {
      if (!sampleName.endsWith(suffix)) continue;
      const parent = this.families.get(sampleName.slice(0, -suffix.length));
      if (parent && SUFFIXES[suffix]!.has(parent.type)) return parent;
    }
    return undefined;
  }
}
