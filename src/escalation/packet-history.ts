import type { IncidentEvent } from '../incidents/incident-store';
import { formatPercent } from '../render/format';
import { clockTime, escapeSlack } from './packet-text';
import { actorText } from './plan-effects';

const MAX_LINES = 8;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

function line(e: IncidentEvent): string | undefined {
  const at = clockTime(Date.parse(e.at));
  const by = e.actor ? actorText(e.actor) : 'someone';
  const d = e.detail;
  const reasons = Array.isArray(d.reasons) && d.reasons.length > 0 ? `: ${escapeSlack((d.reasons as unknown[]).map(String).join('; ').slice(0, 200))}` : '';
  switch (e.kind) {
    case 'escalated': {
      const level = str(d.levelName) ? ` (${escapeSlack(str(d.levelName)!)})` : '';
      if (d.trigger === 'alert' || d.trigger === 'auto') return `${at} escalated automatically${level}, the diagnosis met the runbook's criteria${reasons}`;
      return `${at} ${by} escalated${d.further ? ' further' : ''}${level}${reasons}`;
    }
    case 'acked':
      return `${at} ${by} acknowledged`;
    case 'compacted': {
      const duration = num(d.durationMs) !== undefined ? ` in ${Math.round(num(d.durationMs)! / 1000)}s` : '';
      return `${at} compaction by ${by}: ${escapeSlack(str(d.outcome) ?? 'unknown outcome')}${duration}`;
    }
    case 'compaction_recheck': {
      const before = num(d.errorRateBefore);
      const after = num(d.errorRateAfter);
      const rates = after !== undefined ? `, error rate ${before !== undefined ? `${formatPercent(before)} → ` : ''}${formatPercent(after)}` : '';
      return `${at} re-check after compaction: ${escapeSlack(str(d.condition) ?? 'unknown')}${rates}`;
    }
    case 'silenced':
      return `${at} ${by} silenced the alert${str(d.endsAt) ? ` until ${clockTime(Date.parse(str(d.endsAt)!))}` : ''}`;
    default:
      return undefined;
  }
}

/**
 * What was already done on the incident, for the packet: escalations (who, why), acks, compactions with their
 * outcome and re-check, silences. The latest `MAX_LINES`, oldest first. Pure.
 */
export function incidentHistory(events: readonly IncidentEvent[]): string[] {
  return events.flatMap((e) => line(e) ?? []).slice(-MAX_LINES);
}
