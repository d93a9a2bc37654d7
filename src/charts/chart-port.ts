import type { DiagnosisResult } from '../diagnosis/types';
import type { ChartOutcome, ChartSpec } from './chart-types';
import type { CompactionCondition } from './compaction-chart';
import type { SampleHistory } from './sample-history';

/** Charts in threads as the rest of the bot sees them; implemented by chart-service.ts. */

export interface ChartTarget {
  channel: string;
  threadTs?: string;
  /** A storm summary's thread: it gets one chart, whatever number of alerts it holds. */
  stormKey?: string;
}

/** Where a page's chart goes: the DM's channel, or the incident's thread in `channel` (a level post). */
export interface PageChartTarget {
  channel: string;
  incidentThread: boolean;
}

/** A compaction's before/after chart: the run's window, the measured re-check and the condition it addressed. */
export interface CompactionChartInput {
  node: string;
  startMs: number;
  endMs: number;
  measuredAfter?: { atMs: number; errorRate: number };
  condition: CompactionCondition;
  incidentId?: string | null;
}

export interface ChartPort {
  /** The bot's own samples (disk, SSTs, error rate), read by the shell and tests. */
  readonly history: SampleHistory;
  start(): void;
  stop(): Promise<void>;
  afterDiagnosis(result: DiagnosisResult, target: ChartTarget): void;
  afterCompaction(input: CompactionChartInput, target: ChartTarget): void;
  afterPage(incidentId: string, target: PageChartTarget): void;
  diagnosisOutcome(node: string, cause: DiagnosisResult['verdict']['causes'][number]['cause']): Promise<ChartOutcome>;
  idle(timeoutMs?: number): Promise<void>;
  post(outcome: ChartOutcome, target: ChartTarget, name: string, rendered?: Buffer): Promise<void>;
  render(spec: ChartSpec): Promise<Buffer>;
}
