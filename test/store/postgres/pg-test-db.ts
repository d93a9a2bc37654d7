import pg from 'pg';
import type { RunningPostgres } from '../../harness/postgres';

let counter = 0;

/** A fresh database on the shared throwaway server, and the pools opened on it (closed by `close`). */
export async function freshDatabase(server: RunningPostgres, prefix: string): Promise<{ url: string; pool(max?: number): pg.Pool; close(): Promise<void> }> {
  const url = await server.createDatabase(`${prefix}_${process.pid}_${++counter}`);
  const pools: pg.Pool[] = [];
  return {
    url,
    pool(max = 4) {
      const p = new pg.Pool({ connectionString: url, max });
      p.on('error', () => undefined);
      pools.push(p);
      return p;
    },
    async close() {
      await Promise.all(pools.map((p) => p.end()));
    },
  };
}
