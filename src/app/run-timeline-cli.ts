import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { Env } from '../config/env';
import { loadConfig } from '../config/load-config';
import { toPlainText } from '../shell/plain-text';
import { timelineJson, timelineView } from '../timeline/timeline-view';
import { createSqliteUnitOfWork } from './sqlite-repositories';
import { createPostgresUnitOfWork } from './postgres-repositories';
import type { Repositories } from './repositories';
import { createPgPool } from '../store/postgres/pg-pool';

/**
 * `stemedb-chatops timeline <incident> [--json]`: reads the bot's store read-only (the running bot keeps
 * writing it), prints the timeline. Exit 0 printed, 1 no such incident, 2 bad usage or no store.
 */
export async function runTimelineCli(options: { env: Env; configFile: string; incident?: string; json: boolean; extra: string[] }): Promise<number> {
  if (!options.incident || options.extra.length > 0 || !/^inc-[a-z0-9-]{1,60}$/.test(options.incident)) {
    process.stderr.write('Usage: stemedb-chatops timeline <incident> [--json] [--config FILE]   (an incident id such as inc-7f3a2c)\n');
    return 2;
  }
  const storeConfig = loadConfig(options.configFile).store;
  if (storeConfig.postgres) {
    const pool = createPgPool(storeConfig.postgres, process.env, { max: 1, applicationName: 'stemedb-chatops timeline' });
    try {
      return await printTimeline(createPostgresUnitOfWork(pool), options.incident, options.json, `PostgreSQL ($${storeConfig.postgres.urlEnv})`);
    } finally {
      await pool.end();
    }
  }
  const path = storeConfig.sqlitePath;
  if (path === ':memory:' || !existsSync(path)) {
    process.stderr.write(`no store at ${path} (store.sqlitePath): the bot has not recorded anything there yet\n`);
    return 2;
  }
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return await printTimeline(createSqliteUnitOfWork(db), options.incident, options.json, path);
  } finally {
    db.close();
  }
}

async function printTimeline(store: Repositories, id: string, json: boolean, where: string): Promise<number> {
  const incident = await store.incidents.get(id);
  if (!incident) {
    process.stderr.write(`no incident ${id} in ${where}\n`);
    return 1;
  }
  const entries = await store.timeline.list(incident.id);
  process.stdout.write(json ? `${JSON.stringify(timelineJson(incident, entries), null, 2)}\n` : `${toPlainText(timelineView(incident, entries).text)}\n`);
  return 0;
}
