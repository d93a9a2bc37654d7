import type { PgSession } from '../store/postgres/pg-session';
import { parsedOrThrow } from '../store/postgres/pg-row-values';
import type { ReportStore } from './report-store';
import { nodeFiguresSchema } from './node-figures';

/**
 * The PostgreSQL twin of createReportStore. The claim is one `INSERT ... ON CONFLICT DO NOTHING` on the
 * (kind, period) key: of several replicas ticking at once exactly one inserts the row and posts. Periods are
 * ISO dates compared byte-wise (`COLLATE "C"`), whatever the database's collation.
 */
export function createPgReportStore(session: PgSession): ReportStore {
  return {
    async claim(kind, period, at, by) {
      return (
        (await session.run('INSERT INTO report_runs (kind, period, claimed_at, claimed_by) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [
          kind,
          period,
          at,
          by,
        ])) === 1
      );
    },
    async release(kind, period) {
      await session.run('DELETE FROM report_runs WHERE kind = $1 AND period = $2 AND posted_at IS NULL', [kind, period]);
    },
    async posted(kind, period, at, figures) {
      await session.withTx(async () => {
        await session.run('UPDATE report_runs SET posted_at = $1 WHERE kind = $2 AND period = $3', [at, kind, period]);
        for (const f of figures) {
          await session.run(
            'INSERT INTO report_figures (kind, period, node, figures_json) VALUES ($1, $2, $3, $4::jsonb) ON CONFLICT (kind, period, node) DO UPDATE SET figures_json = excluded.figures_json',
            [kind, period, f.node, JSON.stringify(f)],
          );
        }
      });
    },
    async previous(kind, period) {
      const row = await session.one<{ period: string }>(
        `SELECT period FROM report_runs WHERE kind = $1 AND posted_at IS NOT NULL ${period ? 'AND period COLLATE "C" < $2' : ''} ORDER BY period COLLATE "C" DESC LIMIT 1`,
        period ? [kind, period] : [kind],
      );
      if (!row) return undefined;
      const rows = await session.query<{ node: string; figures_json: unknown }>(
        'SELECT node, figures_json FROM report_figures WHERE kind = $1 AND period = $2',
        [kind, row.period],
      );
      // A damaged baseline is an error, as on SQLite: a report must not compare against half a row.
      return {
        period: row.period,
        figures: new Map(
          rows.map((r) => [r.node, parsedOrThrow(r.figures_json, nodeFiguresSchema, 'report_figures', `${kind}/${row.period}/${r.node}`, 'figures_json')]),
        ),
      };
    },
  };
}
