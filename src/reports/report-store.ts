import type { Sync } from '../store/sqlite/tx-gate';
import type { Db } from '../store/database';
import type { Migration } from '../store/database';
import { nodeFiguresSchema, type NodeFigures } from './node-figures';

/** The weekly report's tables (versions 60-69). Appended to MIGRATIONS; never edit one once applied. */
export const REPORT_MIGRATIONS: Migration[] = [
  {
    version: 60,
    name: 'weekly report runs and the figures they showed',
    sql: `
      CREATE TABLE report_runs (
        kind TEXT NOT NULL,               -- 'weekly'
        period TEXT NOT NULL,             -- the scheduled occurrence's local date
        claimed_at TEXT NOT NULL,
        claimed_by TEXT NOT NULL,         -- process id, for the log
        posted_at TEXT,
        PRIMARY KEY (kind, period)        -- the once-per-period guarantee: one row, whoever inserts it first
      );
      CREATE TABLE report_figures (
        kind TEXT NOT NULL,
        period TEXT NOT NULL,
        node TEXT NOT NULL,
        figures_json TEXT NOT NULL,
        PRIMARY KEY (kind, period, node)
      );
    `,
  },
];

export interface ReportStore {
  /** True for the one caller that inserted the period's row (any process on this store). */
  claim(kind: string, period: string, at: Date, by: string): Promise<boolean>;
  /** Gives a claimed period back after a failed post, so the next tick tries again. */
  release(kind: string, period: string): Promise<void>;
  /** Marks the period posted and keeps its figures as next week's baseline. */
  posted(kind: string, period: string, at: Date, figures: NodeFigures[]): Promise<void>;
  /** The figures of the latest posted period before `period` (any period when undefined). */
  previous(kind: string, period?: string): Promise<{ period: string; figures: Map<string, NodeFigures> } | undefined>;
}

export function createReportStore(db: Db): Sync<ReportStore> {
  return {
    claim(kind, period, at, by) {
      return (
        db.prepare('INSERT OR IGNORE INTO report_runs (kind, period, claimed_at, claimed_by) VALUES (?, ?, ?, ?)').run(kind, period, at.toISOString(), by)
          .changes === 1
      );
    },
    release(kind, period) {
      db.prepare('DELETE FROM report_runs WHERE kind = ? AND period = ? AND posted_at IS NULL').run(kind, period);
    },
    posted(kind, period, at, figures) {
      db.transaction(() => {
        db.prepare('UPDATE report_runs SET posted_at = ? WHERE kind = ? AND period = ?').run(at.toISOString(), kind, period);
        const insert = db.prepare('INSERT OR REPLACE INTO report_figures (kind, period, node, figures_json) VALUES (?, ?, ?, ?)');
        for (const f of figures) insert.run(kind, period, f.node, JSON.stringify(f));
      })();
    },
    previous(kind, period) {
      const row = db
        .prepare(`SELECT period FROM report_runs WHERE kind = ? AND posted_at IS NOT NULL ${period ? 'AND period < ?' : ''} ORDER BY period DESC LIMIT 1`)
        .get(...(period ? [kind, period] : [kind])) as { period: string } | undefined;
      if (!row) return undefined;
      const rows = db.prepare('SELECT node, figures_json FROM report_figures WHERE kind = ? AND period = ?').all(kind, row.period) as {
        node: string;
        figures_json: string;
      }[];
      return { period: row.period, figures: new Map(rows.map((r) => [r.node, nodeFiguresSchema.parse(JSON.parse(r.figures_json))])) };
    },
  };
}
