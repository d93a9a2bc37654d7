import { AsyncResource } from 'node:async_hooks';
import type { Services } from '../app/services';
import type { DiagnosisResult } from '../diagnosis/types';
import { textView } from '../render/blocks';
import { readChartData } from './chart-data';
import { marksFromEvents } from './chart-marks';
import type { ChartRenderer } from './chart-renderer';
import { diagnosisChart } from './chart-spec';
import { compactionChart } from './compaction-chart';
import type { ChartPort, ChartTarget, CompactionChartInput, PageChartTarget } from './chart-port';
import type { ChartOutcome, ChartSpec } from './chart-types';
import { NodeSampler, type SamplerDeps } from './node-sampler';
import { SampleHistory } from './sample-history';
import { systemClock } from '../ops/clock';

const HOUR = 3_600_000;
const BEFORE_ALERT_MS = 15 * 60_000;
const MAX_WINDOW_MS = 6 * HOUR;
const PAGE_CHART_REUSE_MS = 60_000;

export type { ChartTarget } from './chart-port';

export interface ChartServiceOptions {
  renderer: ChartRenderer;
  /** Own samples: every 15-30 s for nodes with an open incident. */
  sampleIntervalMs?: number;
  /** The local demo samples every node, so its first `diagnose` can show a picture. */
  sampleAllNodes?: boolean;
}

/**
 * Charts in threads, after the text they illustrate: data (Prometheus or the bot's samples), the spec, the
 * render (a worker thread) and the upload (the paced queue at detail priority). Nothing here throws to the
 * caller and nothing is awaited by it: a slow or failed chart never delays or breaks the text.
 */
export class ChartService implements ChartPort {
  readonly history = new SampleHistory();
  readonly sampler: NodeSampler;
  private readonly pending = new Set<Promise<void>>();
  private readonly stormsCharted = new Set<string>();
  private readonly pageCharts = new Map<string, { atMs: number; drawing: Promise<{ outcome: ChartOutcome; png?: Buffer }> }>();

  constructor(
    private readonly services: SamplerDeps & Pick<Services, 'store' | 'config' | 'messenger'>,
    private readonly options: ChartServiceOptions,
  ) {
    this.sampler = new NodeSampler(services, {
      history: this.history,
      intervalMs: options.sampleIntervalMs ?? 20_000,
      clock: systemClock,
      targets: async () =>
        options.sampleAllNodes ? services.inventory.names() : (await services.store.incidents.listOpen()).flatMap((i) => (i.node ? [i.node] : [])),
    });
  }

  /** Samples even with Prometheus: StemeDB exports no disk or SST metric, so those panels come from here. */
  start(): void {
    this.sampler.start();
  }

  async stop(): Promise<void> {
    this.sampler.stop();
    await this.idle(15_000).catch(() => undefined);
    await this.options.renderer.close();
  }

  /** The diagnosis chart for a result, into the target thread; queued behind the text that was just posted. */
  afterDiagnosis(result: DiagnosisResult, target: ChartTarget): void {
    if (target.stormKey) {
      if (this.stormsCharted.has(target.stormKey)) return;
      this.stormsCharted.add(target.stormKey);
    }
    this.track(() => this.postDiagnosisChart(result, target));
  }

  /** The closed loop's before/after chart, into the thread where the re-check was just posted. */
  afterCompaction(input: CompactionChartInput, target: ChartTarget): void {
    this.track(async () => {
      const config = this.services.inventory.get(input.node);
      if (!config) return;
      const nowMs = this.services.now().getTime();
      await this.sampler.sampleNow(input.node).catch(() => undefined);
      const fromMs = Math.max(nowMs - MAX_WINDOW_MS, Math.min(input.startMs - BEFORE_ALERT_MS, nowMs - HOUR));
      const data = await readChartData(this.services, this.history, config, { fromMs, toMs: nowMs }, this.sampleNote());
      const incident = input.incidentId ? await this.services.store.incidents.get(input.incidentId) : undefined;
      const marks = incident ? marksFromEvents(await this.services.store.incidents.events(incident.id), incident.source) : [];
      await this.post(compactionChart(data, input, input.condition, marks), target, `${input.node}-compaction`);
    });
  }

  /**
   * A page's chart: the incident node's latest chart, drawn once per incident a minute (a level pages several
   * people at once) and uploaded to each DM and the thread. No node or no data: nothing (the packet says enough).
   */
  afterPage(incidentId: string, target: PageChartTarget): void {
    this.track(async () => {
      const incident = await this.services.store.incidents.get(incidentId);
      if (!incident?.node) return;
      const node = incident.node;
      // No await from here to the cache update: the pages of one level, read at once, share one drawing.
      const nowMs = this.services.now().getTime();
      for (const [id, entry] of this.pageCharts) if (nowMs - entry.atMs > PAGE_CHART_REUSE_MS) this.pageCharts.delete(id);
      let cached = this.pageCharts.get(incidentId);
      if (!cached || nowMs - cached.atMs > PAGE_CHART_REUSE_MS) {
        const cause = incident.lastDiagnosis?.verdict.causes[0]?.cause;
        const drawing = (async () => {
          const outcome = await this.diagnosisOutcome(node, (cause ?? 'unknown') as Parameters<ChartService['diagnosisOutcome']>[1]);
          return 'spec' in outcome ? { outcome, png: await this.render(outcome.spec) } : { outcome };
        })();
        cached = { atMs: nowMs, drawing };
        this.pageCharts.set(incidentId, cached);
      }
      const drawn = await cached.drawing;
      const into: ChartTarget = { channel: target.channel, threadTs: target.incidentThread ? (incident.threadTs ?? undefined) : undefined };
      if ('spec' in drawn.outcome) await this.post(drawn.outcome, into, `${node}-error-rate`, drawn.png);
    });
  }

  /** The chart (or why there is none) for a node now; shared by the thread hooks, the shell and the bench. */
  async diagnosisOutcome(node: string, cause: DiagnosisResult['verdict']['causes'][number]['cause']): Promise<ChartOutcome> {
    const config = this.services.inventory.get(node);
    if (!config) return { none: `No chart: ${node} is not in the inventory.` };
    const nowMs = this.services.now().getTime();
    const incident = await this.services.store.incidents.openForNode(node);
    const opened = incident ? Date.parse(incident.openedAt) - BEFORE_ALERT_MS : nowMs - HOUR;
    const fromMs = Math.max(nowMs - MAX_WINDOW_MS, Math.min(nowMs - HOUR, opened));
    await this.sampler.sampleNow(node).catch((err: unknown) => this.services.log.warn({ err, node }, 'chart sample failed'));
    const data = await readChartData(this.services, this.history, config, { fromMs, toMs: nowMs }, this.sampleNote());
    const marks = incident ? marksFromEvents(await this.services.store.incidents.events(incident.id), incident.source) : [];
    return diagnosisChart(data, cause, marks);
  }

  private sampleNote(): string {
    const every = `${Math.round((this.options.sampleIntervalMs ?? 20_000) / 1000)} s`;
    return this.options.sampleAllNodes
      ? `the bot samples every node every ${every}: a diagnosis in a minute draws one`
      : `the bot samples a node every ${every} while it has an open incident`;
  }

  /** Resolves when no chart is being drawn or uploaded (tests, shutdown). */
  async idle(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.pending.size > 0) {
      if (Date.now() > deadline) throw new Error(`charts still busy after ${timeoutMs} ms`);
      await Promise.race([Promise.allSettled([...this.pending]), new Promise((r) => setTimeout(r, 50))]);
    }
  }

  /**
   * Bound when the service is built: chart work runs in that context, never in a caller's, so its store reads
   * wait for a caller's transaction to end instead of joining it (and no caller ever waits on a chart).
   */
  private readonly detached = AsyncResource.bind((work: () => Promise<void>) => work());

  private track(work: () => Promise<void>): void {
    const p = this.detached(work)
      .catch((err: unknown) => this.services.log.warn({ err }, 'chart failed; the text it illustrates stands'))
      .finally(() => this.pending.delete(p));
    this.pending.add(p);
  }

  private async postDiagnosisChart(result: DiagnosisResult, target: ChartTarget): Promise<void> {
    const cause = result.verdict.causes[0]?.cause ?? 'unknown';
    await this.post(await this.diagnosisOutcome(result.node, cause), target, `${result.node}-error-rate`);
  }

  /** Uploads a chart, or posts the line saying why there is none. */
  async post(outcome: ChartOutcome, target: ChartTarget, name: string, rendered?: Buffer): Promise<void> {
    const { messenger } = this.services;
    if ('none' in outcome) {
      await messenger.post(target.channel, textView(outcome.none), { threadTs: target.threadTs, priority: 'detail' });
      return;
    }
    const png = rendered ?? (await this.render(outcome.spec));
    const stamp = new Date(outcome.spec.toMs).toISOString().slice(0, 16).replace(/[-:T]/g, '');
    await messenger.uploadFile(
      target.channel,
      { bytes: png, filename: `${name.replace(/[^a-z0-9-]/gi, '_')}-${stamp}.png`, title: outcome.spec.title },
      { threadTs: target.threadTs, comment: outcome.summary, priority: 'detail' },
    );
  }

  render(spec: ChartSpec): Promise<Buffer> {
    return this.options.renderer.render(spec);
  }
}
