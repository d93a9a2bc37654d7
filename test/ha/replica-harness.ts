import { afterAll, beforeAll } from 'vitest';
import type { BotProcessOptions } from '../escalation/fixtures/bot-process';
import { spawnBotProcess, type BotProcess } from '../escalation/fixtures/spawn-bot-process';
import { startCaptureServer, type CaptureServer } from '../harness/capture-server';
import { startFakeSlack, type FakeSlack } from '../harness/fake-slack';
import { startPostgres, type RunningPostgres } from '../harness/postgres';

/** What every replica of a test shares: its database, the fake Slack, and the PagerDuty/webhook capture. */
export interface ReplicaHarness {
  readonly url: string;
  readonly fake: FakeSlack;
  readonly capture: CaptureServer;
  /** A real bot process on the test's database, stopped (resumed first, if the test froze it) after the file. */
  spawn(options: Omit<BotProcessOptions, 'postgresUrlEnv' | 'slackApiUrl' | 'pagerdutyUrl'>, env?: Record<string, string>): Promise<BotProcess>;
}

/**
 * Starts a throwaway PostgreSQL with one database, the fake Slack and the capture server before the file's
 * tests, and stops them and every replica spawned after it. Call inside a `describe`.
 */
export function useReplicaHarness(database: string): ReplicaHarness {
  let server: RunningPostgres | undefined;
  let url = '';
  let fake: FakeSlack | undefined;
  let capture: CaptureServer | undefined;
  const running: BotProcess[] = [];

  beforeAll(async () => {
    [server, fake, capture] = await Promise.all([startPostgres(), startFakeSlack(), startCaptureServer()]);
    url = await server.createDatabase(database);
  }, 30_000);
  afterAll(async () => {
    for (const p of running) {
      p.child.kill('SIGCONT');
      await p.stop();
    }
    await fake?.close();
    await capture?.close();
    await server?.stop();
  });

  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the replica harness is not started: use it inside a describe');
    return value;
  };
  return {
    get url() {
      return url;
    },
    get fake() {
      return started(fake);
    },
    get capture() {
      return started(capture);
    },
    async spawn(options, env = {}) {
      const p = await spawnBotProcess(
        {
          ...options,
          postgresUrlEnv: 'DATABASE_URL',
          slackApiUrl: started(fake).apiUrl,
          pagerdutyUrl: `${started(capture).url}/v2/enqueue`,
        },
        { DATABASE_URL: url, ...env },
      );
      running.push(p);
      return p;
    },
  };
}
