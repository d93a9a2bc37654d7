import { z } from 'zod';
import type { Services } from '../app/services';
import type { Incident } from '../incidents/incident-store';
import { peakFromPrometheus } from './impact-from-prometheus';
import { incidentFigures } from './incident-figures';
import { postmortemMarkdown } from './postmortem-markdown';

const recommendationsSchema = z.object({ recommendations: z.array(z.object({ title: z.string(), steps: z.array(z.string()) }).loose()) }).loose();

export interface Postmortem {
  filename: string;
  title: string;
  markdown: string;
}

/** The draft for an incident as the log has it now. */
export async function buildPostmortem(
  services: Pick<Services, 'store' | 'now' | 'config' | 'inventory' | 'metricNames'>,
  incident: Incident,
): Promise<Postmortem> {
  const entries = await services.store.timeline.list(incident.id);
  const diagnosis = recommendationsSchema.safeParse(incident.lastDiagnosis);
  const figures = incidentFigures(incident, entries);
  const markdown = postmortemMarkdown({
    incident,
    entries,
    figures,
    metricsPeak: await peakFromPrometheus(services, incident, { start: figures.impactStart, end: figures.impactEnd }, services.now()),
    runbookSteps: diagnosis.success ? diagnosis.data.recommendations.map((r) => ({ title: r.title, steps: r.steps })) : [],
    generatedAt: services.now(),
  });
  return { filename: `postmortem-${incident.id}.md`, title: `Postmortem draft: ${incident.id}`, markdown };
}

/**
 * Uploads the draft into the incident's thread. Returns false when there is nowhere to put it (no thread);
 * throws when Slack refuses, so the job that called it retries.
 */
export async function uploadPostmortem(
  services: Pick<Services, 'store' | 'now' | 'config' | 'inventory' | 'metricNames' | 'messenger'>,
  incidentId: string,
): Promise<boolean> {
  const incident = await services.store.incidents.get(incidentId);
  if (!incident?.channel || !incident.threadTs) return false;
  const draft = await buildPostmortem(services, incident);
  await services.messenger.uploadFile(
    incident.channel,
    { filename: draft.filename, title: draft.title, bytes: Buffer.from(draft.markdown, 'utf8') },
    {
      threadTs: incident.threadTs,
      priority: 'status',
      comment: `Postmortem draft for ${incident.id} from its timeline (\`/stemedb postmortem ${incident.id}\` regenerates it).`,
    },
  );
  return true;
}
