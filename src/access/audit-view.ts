import { clip, context, section } from '../render/blocks';
import type { AuditEntry } from '../store/audit-log';
import type { KnownBlock, View } from '../surfaces/view';

function actorText(actor: string): string {
  if (actor === 'local-shell') return 'local shell';
  if (actor === 'bot') return 'the bot';
  return /^[UW][A-Z0-9_]+$/.test(actor) ? `<@${actor}>` : actor;
}

function seconds(ms: number): string {
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms / 60_000)}m`;
}

/**
 * One line per entry: when, who, what on which node, how it ended (and why, for refusals and failures).
 * @example auditLine({ at: '2026-11-03T14:02:11.000Z', actor: 'U1', action: 'compact', node: 'stemedb-1', outcome: 'succeeded', durationMs: 6200, ... })
 */
export function auditLine(entry: AuditEntry): string {
  const { detail } = entry;
  const when = `${entry.at.slice(0, 10)} ${entry.at.slice(11, 19)} UTC`;
  const what = `${entry.action}${entry.node ? ` ${entry.node}` : ''}${detail.force === true ? ' (force)' : ''}${entry.incidentId ? ` [${entry.incidentId}]` : ''}`;
  const why = typeof detail.reason === 'string' ? detail.reason : typeof detail.error === 'string' ? detail.error : undefined;
  const outcome = `${entry.outcome}${entry.durationMs !== null ? ` in ${seconds(entry.durationMs)}` : ''}${why ? `: ${clip(why, 160)}` : ''}`;
  return `${when} · ${actorText(entry.actor)} · ${what} · *${outcome}*`;
}

const LINES_PER_SECTION = 15;

/** `/stemedb audit [n]`: the newest entries first. */
export function auditView(entries: readonly AuditEntry[], asked: number): View {
  const title =
    entries.length === 0 ? '*Audit log*: no entries yet.' : `*Audit log: the last ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}* (newest first)`;
  const lines = entries.map((e) => `• ${auditLine(e)}`);
  const blocks: KnownBlock[] = [section(title)];
  for (let i = 0; i < lines.length; i += LINES_PER_SECTION) blocks.push(section(lines.slice(i, i + LINES_PER_SECTION).join('\n')));
  const footer =
    asked > entries.length && entries.length > 0 ? `asked for ${asked}; that is all there is` : 'every compaction attempt, refusal and outcome is recorded';
  blocks.push(context(footer));
  return { text: [title, ...lines].join('\n'), blocks };
}
