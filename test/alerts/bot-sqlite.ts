import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Db } from '../../src/store/database';

/**
 * A second connection to a test bot's SQLite file (`bot.sqlite` in its dir), for what the repositories do not
 * offer: raw counts to assert on and faults (a trigger) a test plants. WAL lets it read committed state while
 * the bot runs; the busy timeout waits out the bot's write transactions.
 */
export function openBotSqlite(dir: string): Db {
  const db = new Database(join(dir, 'bot.sqlite'));
  db.pragma('busy_timeout = 5000');
  return db;
}
