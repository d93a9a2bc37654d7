import type { DiagnosisResult } from '../diagnosis/types';
import type { Incident } from '../incidents/incident-store';
import type { ChainReport } from './chain-check';
import type { EscalationRecord, EscalationStore, EscalationTrigger } from './escalation-store';
import type { EscalationSummary } from './escalation-summary';
import type { PageOutbox } from './page-outbox';

/** Escalation paging as the rest of the bot sees it; implemented by escalation-service.ts. */

export interface EscalateRequest {
  /** A configured node; the escalation joins its open incident or opens one. */
  node?: string;
  /** An incident named by a button or an argument. */
  incidentId?: string;
  by: string;
  trigger: EscalationTrigger;
  reasons: string[];
  /** Where it was asked for: the header goes there when `slack.alertChannel` is not set. */
  originChannel?: string;
  /** `--level N` (0-based here): page that level now. Without it: the next level up, or the first. */
  level?: number;
  /** Who ran the diagnosis that met the criteria (trigger `auto`). */
  diagnosedBy?: string;
}

export type EscalateOutcome =
  | { kind: 'started'; escalation: EscalationRecord; incident: Incident; openedIncident: boolean; level: number; afterAck?: { by: string; level: number } }
  | { kind: 'already_active'; escalation: EscalationRecord; incident: Incident }
  /** The running chain now pages `level` (it was waiting on `from`). */
  | { kind: 'moved_up'; escalation: EscalationRecord; incident: Incident; level: number; from: number | null }
  /** Nothing above: the chain already pages (or an ack came from) its last level; `--level 1` repeats it. */
  | { kind: 'at_last_level'; escalation: EscalationRecord; incident: Incident }
  | { kind: 'bad_level'; levels: number }
  | { kind: 'not_configured' }
  | { kind: 'no_incident'; incidentId?: string }
  | { kind: 'incident_resolved'; incident: Incident }
  | { kind: 'skipped'; incident: Incident; reason: string };

export type AckOutcome =
  | { kind: 'acked'; escalation: EscalationRecord; incident: Incident }
  | { kind: 'already_acked'; escalation: EscalationRecord; incident: Incident }
  | { kind: 'not_escalating'; incident: Incident }
  | { kind: 'no_incident' };

export interface ResolveOutcome {
  incident: Incident | undefined;
  resolvedNow: boolean;
  stoppedEscalation: boolean;
  /** PagerDuty services (routing keys) told to resolve: only those a trigger reached. */
  pagerdutyResolves: number;
}

export interface EscalationPort {
  /** The records behind the chains (read by `status`, App Home and tests). */
  readonly escalations: EscalationStore;
  readonly outbox: PageOutbox;
  /**
   * The incident's thread, posted by `post` unless it exists or is being posted (by any process). `post`
   * passes `beforeSend` to the chat port: it fences the post by this process's claim on it.
   */
  ensureThread(
    incidentId: string,
    post: (beforeSend: () => Promise<void>) => Promise<{ channel: string; ts: string } | undefined>,
  ): Promise<{ channel: string; ts: string } | undefined>;
  escalate(request: EscalateRequest): Promise<EscalateOutcome>;
  acknowledge(incidentId: string, by: string): Promise<AckOutcome>;
  resolveIncident(incidentId: string, by: string): Promise<ResolveOutcome>;
  afterDiagnosis(result: DiagnosisResult, origin: { channelId?: string; userId?: string }): Promise<EscalateOutcome | undefined>;
  summary(incidentId: string): Promise<EscalationSummary | undefined>;
  activeIncidents(): Promise<Incident[]>;
  checkChain(): Promise<ChainReport>;
}
