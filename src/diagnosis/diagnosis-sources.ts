import type { NodeConfig } from '../config/schema';
import type { HostCommandResult, HostExecutor, HostSession } from '../exec/host-executor';
import { parseExposition, type ParsedExposition } from '../prometheus/parse-exposition';
import type { SlowQuery, StemedbClient, StorageStats } from '../stemedb/stemedb-client';
import { hostCommands, type HostCommandId } from './host-commands';

export interface ScrapePair {
  first: ParsedExposition;
  second: ParsedExposition;
  elapsedSeconds: number;
}

/**
 * What the checks read, fetched at most once per diagnosis and shared: two checks that need `/metrics` or
 * the log share one scrape or one read, and all host commands share one SSH connection.
 */
export interface DiagnosisSources {
  node: NodeConfig;
  /** The first `/metrics` scrape (resolves before the pair does). */
  scrape(): Promise<ParsedExposition>;
  /** Two scrapes `sampleSeconds` apart, for rates. */
  scrapePair(): Promise<ScrapePair>;
  storageStats(): Promise<StorageStats>;
  slowQueries(): Promise<SlowQuery[]>;
  host(id: HostCommandId): Promise<HostCommandResult>;
  /** Ends the SSH connection and cancels HTTP calls still running. */
  close(): Promise<void>;
}

export interface SourceOptions {
  node: NodeConfig;
  client: StemedbClient;
  executor: HostExecutor;
  sampleSeconds: number;
  logWindowMinutes: number;
  commandTimeoutMs: number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export function createDiagnosisSources(options: SourceOptions): DiagnosisSources {
  const { node, client, executor } = options;
  const abort = new AbortController();
  const sleep = options.sleep ?? abortableSleep;
  const commands = hostCommands(node, { logWindowMinutes: options.logWindowMinutes, timeoutMs: options.commandTimeoutMs });
  const once = <T>(load: () => Promise<T>) => {
    let promise: Promise<T> | undefined;
    return () => (promise ??= load());
  };
  const timedScrape = async () => ({ at: Date.now(), parsed: parseExposition(await client.metricsText(abort.signal)) });
  const firstScrape = once(timedScrape);
  const scrapePair = once(async () => {
    const first = await firstScrape();
    await sleep(Math.max(0, options.sampleSeconds * 1000 - (Date.now() - first.at)), abort.signal);
    const second = await timedScrape();
    return { first: first.parsed, second: second.parsed, elapsedSeconds: (second.at - first.at) / 1000 };
  });
  let session: Promise<HostSession> | undefined;
  const hostResults = new Map<HostCommandId, Promise<HostCommandResult>>();

  return {
    node,
    scrape: async () => (await firstScrape()).parsed,
    scrapePair,
    storageStats: once(() => client.storageStats(abort.signal)),
    slowQueries: once(() => client.slowQueries(abort.signal)),
    host(id) {
      let result = hostResults.get(id);
      if (!result) {
        session ??= executor.connect();
        result = session.then((s) => s.run(commands[id]));
        hostResults.set(id, result);
      }
      return result;
    },
    async close() {
      abort.abort();
      const s = await session?.catch(() => undefined);
      await s?.close().catch(() => undefined);
    },
  };
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Error('cancelled'));
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(new Error('cancelled'));
    });
  });
}
