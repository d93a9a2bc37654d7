/**
 * `parse` benchmark (SPEC 9): MB/s of `parseExposition` on a ~5 MB StemeDB-like exposition (labelled
 * counters, gauges and histograms, as a busy node with many shards would export them).
 * Run alone: `node --import tsx bench/parse.ts`.
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseExposition } from '../src/prometheus/parse-exposition';

const TARGET_BYTES = 5_000_000;
const WARMUP_RUNS = 3;
const RUNS = 10;
const OPERATIONS = ['put', 'get', 'delete', 'scan', 'batch_write', 'compact'];
const BUCKETS = ['0.0005', '0.001', '0.0025', '0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '+Inf'];

/** Deterministic pseudo-random counts, so every run parses the same bytes. */
function makeRandom(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

/** Builds the exposition: families declared once, series added shard by shard until the target size. */
export function buildExposition(targetBytes = TARGET_BYTES): string {
  const random = makeRandom(42);
  const counters = ['stemedb_storage_operations_total', 'stemedb_storage_operation_errors_total'];
  const histograms = ['stemedb_storage_put_duration_seconds', 'stemedb_storage_lock_wait_duration_seconds'];
  const body: Record<string, string[]> = {};
  for (const name of [...counters, ...histograms, 'stemedb_lsm_pending_compaction_bytes']) body[name] = [];
  let bytes = 0;
  for (let shard = 0; bytes < targetBytes; shard++) {
    const base = `node="stemedb-1",shard="${shard}",path="/var/lib/stemedb/kv/shard-${shard}",note="a \\"quoted\\" \\\\ value"`;
    for (const op of OPERATIONS) {
      for (const name of counters) {
        const line = `${name}{operation="${op}",${base}} ${Math.floor(random() * 1e9)}\n`;
        body[name]!.push(line);
        bytes += line.length;
      }
      for (const name of histograms) {
        let cumulative = 0;
        for (const le of BUCKETS) {
          cumulative += Math.floor(random() * 1000);
          const line = `${name}_bucket{operation="${op}",${base},le="${le}"} ${cumulative}\n`;
          body[name]!.push(line);
          bytes += line.length;
        }
        const tail = `${name}_sum{operation="${op}",${base}} ${(random() * 1e4).toFixed(6)}\n${name}_count{operation="${op}",${base}} ${cumulative}\n`;
        body[name]!.push(tail);
        bytes += tail.length;
      }
    }
    const gauge = `stemedb_lsm_pending_compaction_bytes{${base}} ${(random() * 1e10).toExponential(4)} 1700000000000\n`;
    body.stemedb_lsm_pending_compaction_bytes!.push(gauge);
    bytes += gauge.length;
  }
  const typeOf = (name: string) => (histograms.includes(name) ? 'histogram' : name.endsWith('_total') ? 'counter' : 'gauge');
  return Object.entries(body)
    .map(([name, lines]) => `# HELP ${name} ${name.replaceAll('_', ' ')}.\n# TYPE ${name} ${typeOf(name)}\n${lines.join('')}`)
    .join('');
}

export async function benchParse(): Promise<Record<string, unknown>> {
  const text = buildExposition();
  const inputBytes = Buffer.byteLength(text);
  let samplesParsed = 0;
  let errors = 0;
  for (let i = 0; i < WARMUP_RUNS; i++) parseExposition(text);
  const rates: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    const parsed = parseExposition(text);
    const seconds = (performance.now() - started) / 1000;
    rates.push(inputBytes / 1e6 / seconds);
    samplesParsed = parsed.sampleCount;
    errors = parsed.errorCount;
  }
  rates.sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 10) / 10;
  const mid = Math.floor(rates.length / 2);
  const median = rates.length % 2 ? rates[mid]! : (rates[mid - 1]! + rates[mid]!) / 2;
  return {
    bench: 'parse',
    inputBytes,
    runs: RUNS,
    mbPerSecond: { median: round(median), min: round(rates[0]!), max: round(rates[rates.length - 1]!) },
    samplesParsed,
    errors,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void benchParse().then((result) => console.log(JSON.stringify(result, null, 2)));
}
