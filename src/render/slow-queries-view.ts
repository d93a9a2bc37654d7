import type { SlowQuery } from '../stemedb/stemedb-client';
import type { View } from '../surfaces/view';
import { clip, context, section } from './blocks';

const SHOWN = 10;

function formatValue(value: unknown): string {
  if (typeof value === 'string') return clip(value.replace(/`/g, "'"), 300);
  return clip(JSON.stringify(value) ?? String(value), 300);
}

/** One line per query with whatever fields the node sent: the runbook promises only "a JSON array". */
export function slowQueryLine(query: SlowQuery, index: number): string {
  const fields = Object.entries(query).map(([k, v]) => `${k}: \`${formatValue(v)}\``);
  return `${index + 1}. ${fields.join(' · ') || '(empty entry)'}`;
}

export function slowQueriesView(node: string, queries: readonly SlowQuery[], at: Date): View {
  const footer = `from ${node} /v1/admin/slow-queries at ${at.toISOString()}`;
  if (queries.length === 0) {
    const text = `*Slow queries on ${node}*: none reported.`;
    return { text: `${text}\n_${footer}_`, blocks: [section(text), context(footer)] };
  }
  const lines = queries.slice(0, SHOWN).map(slowQueryLine);
  const more = queries.length > SHOWN ? `\n…and ${queries.length - SHOWN} more` : '';
  const title = `*Slow queries on ${node}* (${queries.length}) - long-running transactions hold the write lock (runbook: lock contention)`;
  const body = `${title}\n${lines.join('\n')}${more}`;
  return { text: `${body}\n_${footer}_`, blocks: [section(body), context(footer)] };
}
