import type { DiagnosisResult } from '../diagnosis/types';
import type { Incident } from '../incidents/incident-store';
import type { AlertContext } from './alert-context';
import { diagnosisGistOf } from './alert-views';
import { diagnosedDetail } from '../timeline/timeline-events';

/** A node's diagnosis answers its alerts that arrive up to this long after it started (a storm: one per node). */
export const DIAGNOSIS_REUSE_MS = 60_000;

/** The node's latest diagnosis when it answers this incident: it started after the incident opened, or just before. */
export async function reusableDiagnosis(ctx: AlertContext, incident: Incident): Promise<DiagnosisResult | undefined> {
  if (!incident.node) return undefined;
  const latest = await ctx.services.store.diagnoses.latest(incident.node);
  if (!latest || Date.parse(latest.result.startedAt) < Date.parse(incident.openedAt) - DIAGNOSIS_REUSE_MS) return undefined;
  return latest.result;
}

/** Puts a diagnosis on an incident once (its header, summary line and escalation packet show it). */
export async function applyDiagnosis(ctx: AlertContext, incident: Incident, result: DiagnosisResult): Promise<void> {
  if (diagnosisGistOf(incident)?.startedAt === result.startedAt) return;
  await ctx.services.store.withTx(async (tx) => {
    await tx.diagnoses.record(result.node, ctx.services.now(), result, incident.id);
    await tx.incidents.addEvent(incident.id, 'diagnosed', ctx.services.now(), 'bot', diagnosedDetail(result), `diagnosed:${result.startedAt}`);
  });
}
