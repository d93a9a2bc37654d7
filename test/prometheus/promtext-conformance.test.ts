import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseExposition, type ParsedExposition } from '../../src/prometheus/parse-exposition';

/**
 * The Prometheus projects' own text-format test cases (see /work/shared/conformance/README.md), read from
 * `../shared/conformance/` next to the repository: never copied in. A user's clone has no such directory, so
 * the test skips there; in CI its absence is a failure.
 */
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CORPUS = resolve(repoRoot, '../shared/conformance/promtext-corpus.json');

const sampleSchema = z.object({
  name: z.string(),
  labels: z.record(z.string(), z.string()),
  value: z.union([z.number(), z.enum(['NaN', '+Inf', '-Inf'])]),
  timestamp: z.number().optional(),
});
const readingSchema = z.object({
  samples: z.array(sampleSchema).optional(),
  error: z.boolean().optional(),
  keep: z.array(sampleSchema).optional(),
  types: z.record(z.string(), z.string()).optional(),
  help: z.record(z.string(), z.string()).optional(),
});
const caseSchema = z.object({ id: z.string(), source: z.string(), input: z.string(), expect: readingSchema, also_ok: z.array(readingSchema).optional() });
type Reading = z.infer<typeof readingSchema>;
type ExpectedSample = z.infer<typeof sampleSchema>;

/** JSON has no NaN or infinities: the corpus writes them as the strings "NaN", "+Inf", "-Inf". */
function key(s: { name: string; labels: Record<string, string>; value: number | string; timestamp?: number }): string {
  const labels = Object.entries(s.labels).sort(([a], [b]) => a.localeCompare(b));
  const v = s.value;
  const value = typeof v === 'string' ? v : Number.isNaN(v) ? 'NaN' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : String(v);
  return JSON.stringify([s.name, labels, value, s.timestamp ?? null]);
}

function produced(parsed: ParsedExposition): string[] {
  return [...parsed.families.values()].flatMap((f) => f.samples.map((s) => key({ ...s, timestamp: s.timestampMs }))).sort();
}

const keys = (samples: readonly ExpectedSample[] = []) => samples.map((s) => key(s)).sort();

/** Whether the parser's reading matches one acceptable reading; the reason when it does not. */
function matches(parsed: ParsedExposition, reading: Reading): string | undefined {
  const got = produced(parsed);
  if (reading.error) {
    if (parsed.errorCount === 0) return 'expected the bad line to be reported, got no error';
    const keep = new Set(keys(reading.keep));
    const invented = got.filter((k) => !keep.has(k));
    if (invented.length > 0) return `samples from a rejected line: ${invented.join(', ')}`;
    return undefined;
  }
  if (parsed.errorCount > 0) return `unexpected errors: ${parsed.errors.map((e) => `line ${e.lineNumber}: ${e.reason}`).join('; ')}`;
  if (JSON.stringify(got) !== JSON.stringify(keys(reading.samples))) return `samples ${JSON.stringify(got)} != ${JSON.stringify(keys(reading.samples))}`;
  for (const [name, type] of Object.entries(reading.types ?? {})) {
    if (parsed.families.get(name)?.type !== type) return `type of ${name}: ${parsed.families.get(name)?.type} != ${type}`;
  }
  for (const [name, help] of Object.entries(reading.help ?? {})) {
    if (parsed.families.get(name)?.help !== help) return `help of ${name}: ${JSON.stringify(parsed.families.get(name)?.help)} != ${JSON.stringify(help)}`;
  }
  return undefined;
}

const present = existsSync(CORPUS);

describe('Prometheus text-format conformance corpus', () => {
  it.skipIf(present || !process.env.CI)('is present next to the repository (required in CI)', () => {
    expect.fail(`${CORPUS} is missing: CI needs the conformance corpus (see its README)`);
  });

  const cases = present ? z.array(caseSchema).parse(JSON.parse(readFileSync(CORPUS, 'utf8'))) : [];
  it.skipIf(!present)('holds the 136 cases its README describes', () => {
    expect(cases).toHaveLength(136);
  });

  it.skipIf(!present).each(cases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const parsed = parseExposition(c.input);
    const readings = [c.expect, ...(c.also_ok ?? [])];
    const reasons = readings.map((r) => matches(parsed, r));
    if (reasons.some((r) => r === undefined)) return;
    expect.fail(`${c.source}\n${reasons.join('\n  or: ')}`);
  });
});
