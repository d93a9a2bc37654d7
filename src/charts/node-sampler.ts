import { guardTick, type Clock, type TimerHandle } from '../ops/clock';
import type { NodeConfig } from '../config/schema';
import type { Logger } from '../ops/logger';
import type { Inventory } from '../stemedb/inventory';
import type { MetricNames } from '../stemedb/metric-names';
import type { StemedbClient } from '../stemedb/stemedb-client';
import { hostCommands } from '../diagnosis/host-commands';
import { parseDf } from '../diagnosis/parsers/parse-df';
import { executorForNode } from '../exec/executor-for-node';
import { extractHistogram, lookupValue, sumByLabel } from '../prometheus/metric-queries';
import { parseExposition } from '../prometheus/parse-exposition';
import type { RawSample, SampleHistory } from './sample-history';

/**
 * Reads one sample of a node: `/metrics` (error and operation counters, latency histograms, pending bytes),
 * the storage stats (SST files) and `df` of the data dir. Each part is best-effort: what could not be read
 * is absent from the sample, never 0.
 */
/** What sampling a node reads. */
export interface SamplerDeps {
  inventory: Inventory;
  log: Logger;
  metricNames: MetricNames;
  now: () => Date;
  stemedb(node: NodeConfig): StemedbClient;
}

export async function readSample(services: SamplerDeps, node: NodeConfig, atMs: number): Promise<RawSample> {
  const client = services.stemedb(node);
  const names = services.metricNames;
  const sample: RawSample = { atMs };
  const [metrics, stats, df] = await Promise.allSettled([
    client.metricsText(),
    client.storageStats(),
    (async () => {
      const session = await executorForNode(node, services.log).connect();
      try {
        return await session.run(hostCommands(node, { logWindowMinutes: 1, timeoutMs: 5_000 }).df);
      } finally {
        await session.close().catch(() => undefined);
      }
    })(),
  ]);
  if (metrics.status === 'fulfilled') {
    const scrape = parseExposition(metrics.value);
    const errors = sumByLabel(scrape, names.operationErrors, 'operation');
    const operations = sumByLabel(scrape, names.operations, 'operation');
    if (errors && operations) [sample.errors, sample.operations] = [Object.fromEntries(errors), Object.fromEntries(operations)];
    const pending = lookupValue(scrape, names.pendingCompactionBytes);
    if (pending && pending.seriesCount > 0) sample.pendingCompactionBytes = pending.value;
    sample.putDuration = extractHistogram(scrape, names.putDuration);
    sample.lockWait = extractHistogram(scrape, names.lockWait);
  }
  if (stats.status === 'fulfilled') {
    sample.sstFiles = stats.value.sst_file_count;
    sample.pendingCompactionBytes ??= stats.value.pending_compaction_bytes;
  }
  if (df.status === 'fulfilled' && df.value.code === 0) {
    const usage = parseDf(df.value.stdout);
    if (usage) sample.diskFreeFraction = usage.freeFraction;
  }
  return sample;
}

/** A reading this recent stands for "now". */
const FRESH_MS = 3_000;

export interface NodeSamplerOptions {
  history: SampleHistory;
  /** Nodes to sample now: those with an open incident (and, for the demo, every node). */
  targets: () => string[] | Promise<string[]>;
  intervalMs: number;
  clock: Pick<Clock, 'setInterval' | 'clear'>;
}

/**
 * Samples the target nodes every `intervalMs` into the bounded history, one node at a time per tick, so a
 * small install without Prometheus still has a picture of the incident. `sampleNow` adds a reading on demand
 * (a chart drawn between two ticks ends at "now").
 */
export class NodeSampler {
  private timer: TimerHandle | undefined;
  private running: Promise<void> | undefined;
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(
    private readonly services: SamplerDeps,
    private readonly options: NodeSamplerOptions,
  ) {}

  start(): void {
    this.stop();
    // A failing tick (the store cannot list the open incidents) is logged; the next tick tries again.
    const tick = guardTick(this.services.log, 'chart sampling', () => {
      this.running ??= this.sampleAll().finally(() => (this.running = undefined));
      return this.running;
    });
    tick();
    this.timer = this.options.clock.setInterval(tick, this.options.intervalMs);
  }

  stop(): void {
    this.options.clock.clear(this.timer);
    this.timer = undefined;
  }

  /** A reading now, unless one is being taken or was taken in the last few seconds (a burst of charts shares it). */
  async sampleNow(nodeName: string): Promise<void> {
    const node = this.services.inventory.get(nodeName);
    if (!node) return;
    const inFlight = this.inFlight.get(node.name);
    if (inFlight) return inFlight;
    const nowMs = this.services.now().getTime();
    if (nowMs - (this.options.history.samples(node.name).at(-1)?.atMs ?? -Infinity) < FRESH_MS) return;
    const reading = readSample(this.services, node, nowMs)
      .then((sample) => this.options.history.add(node.name, sample))
      .finally(() => this.inFlight.delete(node.name));
    this.inFlight.set(node.name, reading);
    return reading;
  }

  private async sampleAll(): Promise<void> {
    for (const name of new Set(await this.options.targets())) {
      await this.sampleNow(name).catch((err: unknown) => this.services.log.warn({ err, node: name }, 'chart sample failed'));
    }
  }
}
