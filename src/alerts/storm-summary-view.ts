import { findingLabel } from '../diagnosis/verdict';
import type { Incident } from '../incidents/incident-store';
import { clip, context, header, LIMITS, section } from '../render/blocks';
import { formatPercent } from '../render/format';
import type { KnownBlock, View } from '../surfaces/view';
import { escapeMrkdwn, formatDuration, plainTextSafe } from './alert-format';
import { diagnosisGistOf } from './alert-views';

export interface SummaryMember {
  incident: Incident;
  nodeLabel: string | null;
}

const MAX_SUMMARY_LINES = 100;
const LINES_PER_SECTION = 25;

/**
 * A storm's one message per alert name: a line per node (firing/resolved counts, the diagnosis gist), updated
 * in place instead of a message per alert.
 */
export function stormSummaryView(alertname: string, members: readonly SummaryMember[], threshold: number, windowMs: number, marker?: string): View {
  const byNode = new Map<string, SummaryMember[]>();
  for (const m of members) {
    const key = m.incident.node ?? `${m.nodeLabel ?? '(no node label)'} (not in the inventory)`;
    byNode.set(key, [...(byNode.get(key) ?? []), m]);
  }
  const firingNodes = [...byNode.values()].filter((ms) => ms.some((m) => m.incident.status === 'open')).length;
  const lines = [...byNode.entries()].map(([node, ms]) => summaryLine(node, ms));
  const shown = lines.slice(0, MAX_SUMMARY_LINES);
  const more = lines.length - shown.length;
  const title = `:rotating_light: Alert storm: ${alertname} on ${byNode.size} node(s), ${firingNodes} still firing`;
  const intro = `More than ${threshold} new alerts in ${formatDuration(windowMs)}: one summary per alert name, updated in place. Each node's diagnosis is in this thread.`;
  // `marker`: the summary's post is found by it when its poster died before recording it.
  const blocks: KnownBlock[] = [header(plainTextSafe(title)), marker ? ({ ...context(intro), block_id: marker } as KnownBlock) : context(intro)];
  for (let i = 0; i < shown.length; i += LINES_PER_SECTION)
    blocks.push(
      section(
        shown
          .slice(i, i + LINES_PER_SECTION)
          .map((l) => l.markdown)
          .join('\n'),
      ),
    );
  if (more > 0) blocks.push(context(`…and ${more} more node(s)`));
  // Alert names and node labels come from Alertmanager: escaped in the fallback text as in the blocks.
  const text = [
    `:rotating_light: Alert storm: ${escapeMrkdwn(alertname)} on ${byNode.size} node(s), ${firingNodes} still firing`,
    ...lines.map((l) => l.text),
  ].join('\n');
  return { text: clip(text, 3000), blocks: fitTotal(blocks) };
}

function summaryLine(node: string, members: readonly SummaryMember[]): { markdown: string; text: string } {
  const firing = members.filter((m) => m.incident.status === 'open').length;
  const resolved = members.length - firing;
  const gist = members.map((m) => diagnosisGistOf(m.incident)).find(Boolean);
  const verdict = gist
    ? `${findingLabel(gist.verdict.causes[0]!)} (${gist.verdict.severity}), ${formatPercent(gist.errorRate)} errors`
    : members[0]!.incident.node
      ? 'diagnosing…'
      : 'no diagnosis';
  const state = firing > 0 ? `${firing} firing${resolved ? `, ${resolved} resolved` : ''}` : `resolved (${resolved})`;
  const emoji = firing > 0 ? ':red_circle:' : ':white_check_mark:';
  return { markdown: `${emoji} \`${escapeMrkdwn(node)}\`: ${state} · ${verdict}`, text: `${escapeMrkdwn(node)}: ${state}; ${verdict}` };
}

/** Keeps the summary within Slack's total size by dropping node sections from the end. */
function fitTotal(blocks: KnownBlock[]): KnownBlock[] {
  const out = [...blocks];
  let dropped = false;
  while (JSON.stringify(out).length > LIMITS.totalChars - 500 && out.length > 3) {
    out.pop();
    dropped = true;
  }
  if (dropped) out.push(context('…more nodes not shown: see the thread'));
  return out;
}
