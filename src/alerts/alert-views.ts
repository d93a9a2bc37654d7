import { z } from 'zod';
import { findingLabel } from '../diagnosis/verdict';
import { CAUSES } from '../diagnosis/types';
import type { Incident } from '../incidents/incident-store';
import { actions, clip, context, header, section, type ButtonSpec } from '../render/blocks';
import { DIAGNOSIS_ACTIONS } from '../render/diagnosis-blocks';
import { formatPercent } from '../render/format';
import type { KnownBlock, View } from '../surfaces/view';
import { escapeMrkdwn, formatDuration, formatUtc, plainTextSafe, slackLink } from './alert-format';
import type { StoredAlert } from './alert-store';
import { threadMarker } from '../pagers/post-once';

/** The alert header's own button; the others are the diagnosis buttons other features listen on. */
export const ALERT_ACTIONS = { silence: 'alert_silence' } as const;

/** What the header needs to know about the incident's latest diagnosis (read back from the store). */
const diagnosisGist = z.object({
  errorRate: z.number().nullable(),
  startedAt: z.string(),
  verdict: z.object({ causes: z.array(z.object({ cause: z.enum(CAUSES), recovering: z.boolean().optional() })).min(1), severity: z.string() }),
});
export type DiagnosisGist = z.output<typeof diagnosisGist>;

/** The gist of an incident's stored diagnosis, or undefined when it has none (or not one we recognise). */
export function diagnosisGistOf(incident: Pick<Incident, 'lastDiagnosis'>): DiagnosisGist | undefined {
  const parsed = diagnosisGist.safeParse(incident.lastDiagnosis);
  return parsed.success ? parsed.data : undefined;
}

export interface HeaderInput {
  incident: Incident;
  alert: StoredAlert;
  /** The alert's node label value and the label's name (for "not in the inventory"). */
  nodeLabel: string | null;
  nodeLabelName: string;
  memory: readonly string[];
  runbookUrl: string;
  /** Set when `alertmanager.url` is configured: the Silence button's label ("Silence 1h"). */
  silenceLabel?: string;
}

/** The alert's header message: what fired where, the figures, links, history and the buttons; resolved or not. */
export function headerView(input: HeaderInput): View {
  const { incident, alert } = input;
  const resolved = incident.status === 'resolved';
  const name = alert.labels.alertname ?? incident.alertname ?? 'alert';
  const where = incident.node ?? input.nodeLabel ?? 'an unknown node';
  const severity = alert.labels.severity ?? incident.severity ?? 'unknown';
  const summary = alert.annotations.summary ?? incident.title;
  // Rules can template anything into a description: keep it from crowding out the figures.
  const description = alert.annotations.description ? clip(alert.annotations.description, 1500) : undefined;
  const gist = diagnosisGistOf(incident);
  const lasted =
    resolved && incident.resolvedAt ? formatDuration(Date.parse(incident.resolvedAt) - Date.parse(incident.episode ?? incident.openedAt)) : undefined;

  const title = resolved ? `:white_check_mark: RESOLVED: ${name} on ${where}` : `:rotating_light: ${name} on ${where} (${severity})`;
  const status = resolved ? `*Resolved* after ${lasted} (${formatUtc(incident.resolvedAt!)})` : `*Firing* since ${formatUtc(alert.startsAt)}`;
  const nodeLine = incident.node
    ? `*Node:* \`${incident.node}\`${input.nodeLabel && input.nodeLabel !== incident.node ? ` (${input.nodeLabelName} \`${escapeMrkdwn(input.nodeLabel)}\`)` : ''}`
    : `*Node:* ${input.nodeLabel ? `\`${escapeMrkdwn(input.nodeLabel)}\`` : `no \`${input.nodeLabelName}\` label`} is not in the inventory: no automatic diagnosis`;
  const rate = gist
    ? `*Error rate:* ${formatPercent(gist.errorRate)} · *likely cause:* ${findingLabel(gist.verdict.causes[0]!)} _(diagnosed ${formatUtc(gist.startedAt)})_`
    : incident.node
      ? '*Error rate:* measuring…'
      : undefined;
  const links = [slackLink(alert.generatorURL, 'Prometheus'), slackLink(alert.annotations.runbook_url ?? input.runbookUrl, 'Runbook')].filter(Boolean);

  const blocks: KnownBlock[] = [
    header(plainTextSafe(title)),
    section(`*${escapeMrkdwn(summary)}*${description ? `\n${escapeMrkdwn(description)}` : ''}`),
    section([status, nodeLine, `*Severity:* ${escapeMrkdwn(severity)}`, rate].filter(Boolean).join('\n')),
  ];
  if (input.memory.length > 0) blocks.push(context(`:brain: ${input.memory.join(' ')}`));
  // The marker: a replica taking over a post whose holder died finds this header instead of posting another.
  blocks.push({ ...context([...links, `incident \`${incident.id}\``].join(' · ')), block_id: threadMarker(incident.id) } as KnownBlock);
  const buttons = resolved ? [] : headerButtons(incident, input.silenceLabel);
  if (buttons.length > 0) blocks.push(actions(buttons, `alert:${incident.id}`));

  // The fallback text is what notifications show and Slack parses for mentions: escape alert text here too.
  const e = escapeMrkdwn;
  const text = [
    resolved ? `RESOLVED: ${e(name)} on ${e(where)} after ${lasted}` : `${e(name)} on ${e(where)} (${e(severity)}): ${e(summary)}`,
    incident.node ? undefined : `${input.nodeLabel ? e(input.nodeLabel) : `(no ${input.nodeLabelName} label)`} is not in the inventory: no automatic diagnosis`,
    gist ? `Error rate ${formatPercent(gist.errorRate)}; likely cause: ${findingLabel(gist.verdict.causes[0]!)}` : undefined,
    ...input.memory,
    `Incident ${incident.id}`,
    description && e(description),
  ].filter(Boolean);
  return { text: clip(text.join('\n'), 3000), blocks };
}

function headerButtons(incident: Incident, silenceLabel: string | undefined): ButtonSpec[] {
  const buttons: ButtonSpec[] = [];
  if (incident.node) {
    const value = JSON.stringify({ node: incident.node, incidentId: incident.id });
    buttons.push(
      { text: 'Run diagnosis again', actionId: DIAGNOSIS_ACTIONS.rerun, value },
      { text: 'Compact', actionId: DIAGNOSIS_ACTIONS.compact, value },
      { text: 'Escalate', actionId: DIAGNOSIS_ACTIONS.escalate, value, style: 'danger' },
    );
  }
  if (silenceLabel) buttons.push({ text: silenceLabel, actionId: ALERT_ACTIONS.silence, value: JSON.stringify({ incidentId: incident.id }) });
  return buttons;
}

/** Posted in the thread at once; the diagnosis replaces it. */
export function diagnosingView(node: string): View {
  const text = `Diagnosing ${node}… (runbook investigation steps 1-5; the result replaces this message)`;
  return {
    text,
    blocks: [section(`:hourglass_flowing_sand: *Diagnosing ${node}…* (runbook investigation steps 1-5; the result replaces this message)`)],
    progress: true,
  };
}

/** In the thread of an alert for a node the bot does not know. */
export function unknownNodeView(input: { nodeLabel: string | null; nodeLabelName: string; known: readonly string[]; runbookUrl: string }): View {
  const what = input.nodeLabel ? `\`${escapeMrkdwn(input.nodeLabel)}\`` : `This alert has no \`${input.nodeLabelName}\` label, so it`;
  const markdown = `:grey_question: ${what}${input.nodeLabel ? ` (label \`${input.nodeLabelName}\`)` : ''} is not a node in the inventory, so the bot cannot diagnose it. Configured nodes: ${input.known.map((n) => `\`${n}\``).join(', ')}. Add it to \`stemedb.nodes\` (its name or API host:port), or follow the ${slackLink(input.runbookUrl, 'runbook') ?? 'runbook'} by hand.`;
  const text = `${input.nodeLabel ? escapeMrkdwn(input.nodeLabel) : `(no ${input.nodeLabelName} label)`} is not a node in the inventory, so the bot cannot diagnose it. Configured nodes: ${input.known.join(', ')}.`;
  return { text, blocks: [section(markdown)] };
}

/** When a diagnosis could not run at all (checks failing individually still give a result). */
export function diagnosisFailedView(node: string, reason: string): View {
  const text = `The diagnosis of ${node} could not run: ${escapeMrkdwn(reason)}. Try "Run diagnosis again", or follow the runbook by hand.`;
  return { text, blocks: [section(`:warning: ${text}`)] };
}

/** The thread's note when Alertmanager says the alert cleared. */
export function resolvedNoteView(incident: Incident, alertname: string): View {
  const lasted = formatDuration(Date.parse(incident.resolvedAt ?? '') - Date.parse(incident.episode ?? incident.openedAt));
  const where = incident.node ?? 'an unknown node';
  const text = `Resolved: Alertmanager reports ${escapeMrkdwn(alertname)} on ${escapeMrkdwn(where)} cleared at ${formatUtc(incident.resolvedAt ?? '')}, after ${lasted} firing.`;
  return { text, blocks: [section(`:white_check_mark: ${text}`)] };
}
