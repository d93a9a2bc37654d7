import { formatPercent } from '../render/format';
import type { EscalationPacket } from './escalation-packet';

/** Slack's three control characters, so user text can never become a mention or a link. */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** "10:06:02 UTC": the same for every reader and in the shell. */
export function clockTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(11, 19)} UTC`;
}

/** The packet as mrkdwn sections: why, diagnosis, error metrics, log excerpts, runbook. */
export function packetSections(packet: EscalationPacket): string[] {
  const out: string[] = [];
  out.push(`*Why*\n${packet.reasons.length > 0 ? packet.reasons.map((r) => `• ${escapeSlack(r)}`).join('\n') : '• escalated by hand (no reason given)'}`);
  const d = packet.diagnosis;
  if (d) {
    const evidence = d.causes.flatMap((c) => c.evidence.slice(0, 2).map((e) => `• ${escapeSlack(e)}`));
    const when = d.stale ? `as of ${clockTime(Date.parse(d.at))}, refreshing: this message is updated when the new one is in` : d.at;
    out.push(`*Latest diagnosis* (${when}, ${d.severity})\n${escapeSlack(d.summary)}${evidence.length > 0 ? `\n${evidence.join('\n')}` : ''}`);
  } else {
    out.push('*Latest diagnosis*\nnone recorded for this incident yet: run `/stemedb diagnose <node>`');
  }
  const m = packet.errorMetrics;
  if (m) {
    const ops = m.byOperation.map((o) => `${o.operation} ${formatPercent(o.errorRate)} (${o.errors}/${o.operations})`).join(', ');
    const window = m.source ? ` from ${m.source}${m.windowSeconds ? ` over ${m.windowSeconds}s` : ''}` : '';
    out.push(`*Error metrics*${window}\nerror rate ${formatPercent(m.errorRate)}${ops ? `; by operation: ${ops}` : ''}`);
  }
  if (packet.done && packet.done.length > 0) out.push(`*Done so far*\n${packet.done.map((l) => `• ${l}`).join('\n')}`);
  if (packet.logExcerpts.length > 0) {
    out.push(`*Log excerpts*\n\`\`\`${packet.logExcerpts.map((l) => escapeSlack(l.replace(/`/g, "'"))).join('\n')}\`\`\``);
  }
  out.push(`*Runbook*: <${packet.runbookUrl}|High Storage Error Rate> (Escalation section)`);
  return out;
}

/** The same content as PagerDuty `custom_details` and in webhook bodies. */
export function packetDetails(packet: EscalationPacket): Record<string, unknown> {
  return {
    incident: packet.incidentId,
    node: packet.node,
    title: packet.title,
    reasons: packet.reasons,
    diagnosis_summary: packet.diagnosis?.summary ?? null,
    diagnosis_at: packet.diagnosis?.at ?? null,
    diagnosis_stale: packet.diagnosis?.stale ?? false,
    done: packet.done ?? [],
    causes: packet.diagnosis?.causes ?? [],
    error_rate: packet.errorMetrics?.errorRate ?? null,
    error_metrics: packet.errorMetrics?.byOperation ?? [],
    log_excerpts: packet.logExcerpts,
    runbook: packet.runbookUrl,
  };
}

/** One line for a PagerDuty summary or a notification: node, cause, error rate. */
export function packetHeadline(packet: EscalationPacket): string {
  const what = packet.diagnosis?.summary ?? packet.reasons[0] ?? 'escalated by hand';
  return `${packet.node ?? 'StemeDB'}: ${what}`;
}
