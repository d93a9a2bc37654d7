import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { Env } from '../config/env';
import { loadConfig } from '../config/load-config';
import { toPlainText } from '../shell/plain-text';
import { timelineJson, timelineView } from '../timeline/timeline-view';
import { createSqliteUnitOfWork } from './sqlite-repositories';

/**
 * `stemedb-chatops timeline <incident> [--json]`: reads the bot's store read-only (the running bot keeps
 * writing it), prints the timeline. Exit 0 printed, 1 no such incident, 2 bad usage or no store.
 */
export async function runTimelineCli(options: { env: Env; configFile: string; incident?: string; json: boolean; extra: string[] }): Promise<number> {
  if (!options.incident || options.extra.length > 0 || !/^inc-[a-z0-9-]{1,60}$/.test(options.incident)) {
    process.stderr.write('Usage: stemedb-chatops timeline <incident> [--json] [--config FILE]   (an incident id such as inc-7f3a2c)\n');
    return 2;
  }
  const path = loadConfig(options.configFile).store.sqlitePath;
  if (path === ':memory:' || !existsSync(path)) {
    process.stderr.write(`no store at ${path} (store.sqlitePath): the bot has not recorded anything there yet\n`);
    return 2;
  }
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const store = createSqliteUnitOfWork(db);
    const incident = await store.incidents.get(options.incident);
    if (!incident) {
      process.stderr.write(`no incident ${options.incident} in ${path}\n`);
      return 1;
    }
    const entries = await store.timeline.list(incident.id);
    process.stdout.write(options.json ? `${JSON.stringify(timelineJson(incident, entries), null, 2)}\n` : `${toPlainText(timelineView(incident, entries).text)}\n`);
    return 0;
  } finally {
    db.close();
  }
}
