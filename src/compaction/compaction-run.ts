import { z } from 'zod';
import type { Services } from '../app/services';
import { StemedbError } from '../stemedb/stemedb-client';
import type { Lease } from '../store/lease';
import type { PostedMessage, Reply } from '../surfaces/chat-port';
import type { View } from '../surfaces/view';
import { conditionAfter, errorRateBetween, type ErrorRateReading } from './closed-loop';
import type { CompactionLock, CompactionLockStore } from './compaction-lock-store';
import { pause, watchCompaction } from './compaction-watch';
import type { LsmFigures, RunBefore, RunOutcome } from './compaction-types';
import { closedLoopView, failedView, interruptedView, progressView, summaryView, timedOutView, type RunInfo } from './progress-views';
import { readCounters, readLsmFigures } from './read-figures';

/**
 * The lock's time to live, pushed forward by every progress read: never shorter than three reads, so a live
 * watcher's lock cannot expire between two of them whatever `compaction.lockTtl` says.
 */
export function effectiveLockTtl(compaction: { lockTtl: number; progressInterval: number }): number {
  return Math.max(compaction.lockTtl, 3 * compaction.progressInterval);
}

/**
 * Where a run's messages go: the progress message, then the closed-loop re-check in its thread. A Reply's
 * public side: the shell's reply, a channel through the chat port, or the log for a resumed shell run.
 */
export type RunOutput = Pick<Reply, 'public'>;
/** What a compaction run uses of the bot (not the whole Services). */
export type CompactionRunServices = Pick<Services, 'charts' | 'config' | 'inventory' | 'log' | 'metricNames' | 'now' | 'stemedb' | 'store' | 'messenger'>;

export interface RunDeps {
  services: CompactionRunServices;
  store: CompactionLockStore;
  /** Aborted when the bot stops: watching ends, the lock stays for the next start to resume. */
  signal: AbortSignal;
  /** This process's watch lease: every write of a watched run is fenced by it (another replica may take over). */
  lease: Lease;
}

/**
 * The watch lease: `store.leaseTtl`, never shorter than three progress reads, so a live watcher renewing on
 * every read cannot lose it between two of them.
 */
export function watchLease(lease: Lease, compaction: { progressInterval: number }): Lease {
  return { owner: lease.owner, ttlMs: Math.max(lease.ttlMs, 3 * compaction.progressInterval) };
}

/** The run a lock describes, for the views. */
export function runInfoOf(lock: CompactionLock): RunInfo {
  return {
    node: lock.node,
    force: lock.force,
    holder: lock.holder,
    incidentId: lock.incidentId,
    startedAt: lock.startedAt ?? lock.acquiredAt,
    before: lock.before.lsm,
  };
}

/**
 * Sends the POST for an acquired lock, then watches it to the end. Every failure ends in the message, the
 * audit log and the run history, and releases the lock.
 */
export async function startAcquiredRun(deps: RunDeps, lock: CompactionLock, message: PostedMessage, output: RunOutput): Promise<void> {
  const { services, store } = deps;
  const node = services.inventory.get(lock.node)!;
  const client = services.stemedb(node);
  // Renewed before the POST: the figures read since the acquisition may have taken a good part of the lease.
  if (!(await store.renewWatch(lock.node, lock.token, deps.lease, services.now()))) return fencedOut(deps, lock);
  try {
    await client.startCompaction(lock.force, deps.signal);
  } catch (err) {
    const timedOut = err instanceof StemedbError && err.code === 'TIMEOUT';
    const reason = `${err instanceof Error ? err.message : String(err)}${timedOut ? ' (it may have started anyway: check `/stemedb stats` before retrying)' : ''}`;
    services.log.warn({ err, node: lock.node }, 'starting a compaction failed');
    if (!(await finish(deps, lock, 'failed', { error: reason }))) return fencedOut(deps, lock);
    await message.update(failedView(runInfoOf(lock), reason)).catch((e: unknown) => services.log.warn({ err: e }, 'compaction message update failed'));
    return;
  }
  const startedAt = services.now().toISOString();
  if (!(await store.update(lock.node, lock.token, { phase: 'running', startedAt }, deps.lease.owner))) return fencedOut(deps, lock);
  await watchAndFinish(deps, { ...lock, phase: 'running', startedAt }, message, output);
}

/** Watches a running compaction until it ends, then reports, releases the lock and re-checks the alert. */
export async function watchAndFinish(deps: RunDeps, lock: CompactionLock, message: PostedMessage, output: RunOutput, note?: string): Promise<void> {
  const { services, store } = deps;
  const { compaction } = services.config;
  const node = services.inventory.get(lock.node);
  const run = runInfoOf(lock);
  if (!node) {
    if (!(await finish(deps, lock, 'interrupted', { reason: 'node no longer configured' }))) return fencedOut(deps, lock);
    await report(deps, message, interruptedView(run, lock.last, `${lock.node} is no longer in the configuration`, services.now()));
    return;
  }
  const client = services.stemedb(node);
  // Why onProgress said stop: this run's lock went to a new run (say so), or another process watches it now.
  let lost = 'run' as 'run' | 'watch';
  const lose = async () => {
    lost = await lostTo(deps, lock);
    return false;
  };
  const result = await watchCompaction({
    read: (signal) => readLsmFigures(client, services.now, signal),
    intervalMs: compaction.progressInterval,
    deadline: new Date(new Date(run.startedAt).getTime() + compaction.progressTimeout),
    now: services.now,
    signal: deps.signal,
    last: lock.last,
    async onProgress(last, lastError) {
      // Checked before every post: a watcher that stalled past its lease and was taken over stops here.
      if (!(await store.renewWatch(lock.node, lock.token, deps.lease, services.now()))) return lose();
      const expiresAt = new Date(services.now().getTime() + effectiveLockTtl(compaction)).toISOString();
      if (!(await store.update(lock.node, lock.token, { last, lastError, expiresAt }, deps.lease.owner))) return lose();
      // Not awaited: a channel held off by Slack (a 429, a busy pace) must not stall the watch past its lease.
      // Updates of one message coalesce in the queue, so the newest progress is what goes out.
      void report(deps, message, progressView(run, last, lastError, services.now(), note));
      return true;
    },
  });
  if (result.outcome === 'aborted') return;
  if (result.outcome === 'lost' && lost === 'watch') return fencedOut(deps, lock);
  if (result.outcome === 'lost') {
    services.log.warn({ node: lock.node }, 'compaction lock expired and was taken over while watching');
    await report(
      deps,
      message,
      interruptedView(run, result.last, 'its lock expired (`compaction.lockTtl` shorter than a progress interval?) and another run took over', services.now()),
    );
    return;
  }
  const durationMs = services.now().getTime() - new Date(run.startedAt).getTime();
  if (result.outcome === 'timeout') {
    // The audit record comes first: it is the durable truth, the message only shows it.
    if (!(await finish(deps, lock, 'timed_out', { after: result.last, error: result.lastError }, durationMs))) return fencedOut(deps, lock);
    await report(deps, message, timedOutView(run, result.last, result.lastError, compaction.progressTimeout));
    return;
  }
  if (!(await store.update(lock.node, lock.token, { last: result.last }, deps.lease.owner))) return fencedOut(deps, lock);
  if (!(await finish(deps, lock, 'succeeded', { after: result.last }, durationMs))) return fencedOut(deps, lock);
  // Said only when true: a run that found nothing pending is not one of the breaker's runs.
  const free =
    lock.before?.lsm?.pendingBytes === 0
      ? `0 bytes were pending compaction when it started: this run does not count toward \`compaction.maxPerNodePerHour\`.`
      : undefined;
  await report(deps, message, summaryView(run, result.last, durationMs, [note, free].filter(Boolean).join(' ') || undefined));
  await closeTheLoop(deps, lock, result.last, message, output);
}

/**
 * What a process does with a lock whose watch it claimed (a restart, or a takeover from a replica that died):
 * resume watching, or say what it last saw. `how` starts the note on the progress message.
 */
export async function resumeLock(
  deps: RunDeps,
  lock: CompactionLock,
  message: PostedMessage,
  output: RunOutput,
  how = 'resumed after a bot restart',
): Promise<void> {
  const { services } = deps;
  const now = services.now();
  const run = runInfoOf(lock);
  if (lock.expiresAt <= now.toISOString()) {
    const reason = 'the bot was stopped longer than `compaction.lockTtl`, so the lock expired; the outcome is unknown';
    if (!(await finish(deps, lock, 'interrupted', { reason: 'lock expired while the bot was down', after: lock.last }))) return fencedOut(deps, lock);
    await report(deps, message, interruptedView(run, lock.last, reason, now));
    return;
  }
  if (lock.phase === 'starting') {
    const node = services.inventory.get(lock.node);
    const lsm = node ? await readLsmFigures(services.stemedb(node), services.now, deps.signal).catch(() => null) : null;
    if (lsm?.running !== true) {
      const reason = `the bot restarted while starting it, and ${lock.node} ${lsm ? 'reports no compaction running' : 'could not be read'}`;
      if (!(await finish(deps, lock, 'interrupted', { reason: 'restarted while starting', after: lsm }))) return fencedOut(deps, lock);
      await report(deps, message, interruptedView(run, lsm ?? lock.last, reason, now));
      return;
    }
    if (!(await deps.store.update(lock.node, lock.token, { phase: 'running', startedAt: lock.acquiredAt }, deps.lease.owner))) return fencedOut(deps, lock);
    lock = { ...lock, phase: 'running', startedAt: lock.acquiredAt };
  }
  await watchAndFinish(deps, lock, message, output, `${how} at ${now.toISOString().slice(11, 19)} UTC`);
}

/**
 * After a fenced write failed: a new run holds the node ('run', the watcher says so on its message), or the
 * run is still this lock's, or finished, and another process watches it ('watch': this one posts nothing more).
 */
async function lostTo(deps: RunDeps, lock: CompactionLock): Promise<'run' | 'watch'> {
  const current = await deps.store.current(lock.node, deps.services.now());
  return current && current.token !== lock.token ? 'run' : 'watch';
}

function fencedOut(deps: RunDeps, lock: CompactionLock): void {
  deps.services.log.warn({ node: lock.node, runId: lock.runId }, 'compaction watch taken over by another process: this one stops watching');
}

async function report(deps: RunDeps, message: PostedMessage, view: View): Promise<void> {
  await message.update(view).catch((err: unknown) => deps.services.log.warn({ err, view: view.text.slice(0, 80) }, 'compaction message update failed'));
}

/**
 * Ends a run everywhere it is recorded: audit log, run history, incident timeline; releases the lock. Fenced
 * by this process's watch (false: another process watches the run and records its end), unless `fenced` is
 * false: a new run ending the expired one it took the lock from.
 */
export async function finish(
  deps: RunDeps,
  lock: CompactionLock,
  outcome: RunOutcome,
  detail: Record<string, unknown>,
  durationMs: number | null = null,
  { fenced = true } = {},
): Promise<boolean> {
  const { services, store } = deps;
  const at = services.now();
  const full = { force: lock.force, before: lock.before.lsm, ...detail };
  // One transaction: the timeline's "compacted" never disagrees with the run history and the lock.
  // `store` is a repository of this unit of work: its calls inside withTx join the transaction.
  const ended = await services.store.withTx(async (tx) => {
    // The release first: it decides, under the row's lock, whether this watcher may still end the run.
    if (!(await store.release(lock.node, lock.token, fenced ? deps.lease.owner : undefined)) && fenced) return false;
    if (lock.auditId !== null) await tx.audit.finish(lock.auditId, outcome, durationMs, full);
    await store.finishRun(lock.runId, outcome, at, { durationMs, ...full });
    if (lock.incidentId) await tx.incidents.addEvent(lock.incidentId, 'compacted', at, lock.holder, { outcome, durationMs, ...full });
    return true;
  });
  if (ended) services.log.info({ node: lock.node, outcome, durationMs, holder: lock.holder }, 'compaction finished');
  return ended;
}

/** After a successful compaction: is the alert's condition gone? Measured like the diagnosis measures it. */
async function closeTheLoop(deps: RunDeps, lock: CompactionLock, lsm: LsmFigures, message: PostedMessage, output: RunOutput): Promise<void> {
  const { services } = deps;
  const node = services.inventory.get(lock.node)!;
  const client = services.stemedb(node);
  let after: ErrorRateReading | { error: string };
  let lsmAfter: LsmFigures | null = lsm;
  try {
    const first = await readCounters(client, services.metricNames, deps.signal);
    if (!(await pause(services.config.diagnosis.sampleSeconds * 1000, deps.signal))) return;
    const second = await readCounters(client, services.metricNames, deps.signal);
    after = errorRateBetween(first, second);
    lsmAfter = await readLsmFigures(client, services.now, deps.signal).catch(() => lsm);
  } catch (err) {
    if (deps.signal.aborted) return;
    after = { error: err instanceof Error ? err.message : String(err) };
  }
  const state = conditionAfter(lock.before.errorRate, 'error' in after ? null : after.errorRate);
  // "The alert's condition" only when an alert is open on the node: otherwise the 1% line is just a threshold.
  const incident = lock.incidentId ? await services.store.incidents.get(lock.incidentId) : await services.store.incidents.openForNode(lock.node);
  const alert = incident?.alertname && incident.status === 'open' ? incident.alertname : null;
  const view = closedLoopView(runInfoOf(lock), state, { errorRate: lock.before.errorRate, source: lock.before.errorRateSource }, after, lsmAfter, alert);
  await output.public(view, message.ts ? { threadTs: message.ts } : {}).catch((err: unknown) => services.log.warn({ err }, 'posting the re-check failed'));
  // The same verdict, seen: a before/after chart follows the re-check in its thread.
  const measuredAfter = 'error' in after || after.errorRate === null ? undefined : { atMs: services.now().getTime(), errorRate: after.errorRate };
  services.charts.afterCompaction(
    {
      node: lock.node,
      startMs: Date.parse(lock.startedAt ?? lock.acquiredAt),
      endMs: Date.parse(lsm.at),
      measuredAfter,
      condition: state,
      incidentId: lock.incidentId,
    },
    { channel: message.channel ?? lock.channel ?? 'shell', threadTs: lock.threadTs ?? message.ts },
  );
  if (lock.incidentId) {
    await services.store.incidents.addEvent(lock.incidentId, 'compaction_recheck', services.now(), 'bot', {
      condition: state,
      errorRateBefore: lock.before.errorRate,
      errorRateAfter: 'error' in after ? null : after.errorRate,
    });
  }
}

const lastDiagnosisSchema = z.object({ errorRate: z.number().nullable() }).loose();

/** Shortest window the before-rate is measured over; the shell confirms instantly, so it waits this long. */
const MIN_BEFORE_WINDOW_MS = 1_000;

/**
 * The error rate just before the run: measured from the counters read with the confirmation's figures to
 * now, else the incident's last diagnosis, else unknown.
 */
export async function errorRateBefore(
  services: CompactionRunServices,
  lock: Pick<CompactionLock, 'node' | 'incidentId'>,
  counters: Parameters<typeof errorRateBetween>[0] | undefined,
  signal: AbortSignal,
): Promise<Pick<RunBefore, 'errorRate' | 'errorRateSource'>> {
  const node = services.inventory.get(lock.node)!;
  if (counters) {
    try {
      if (!(await pause(MIN_BEFORE_WINDOW_MS - (Date.now() - counters.atMs), signal))) return { errorRate: null, errorRateSource: null };
      const reading = errorRateBetween(counters, await readCounters(services.stemedb(node), services.metricNames, signal));
      if (reading.errorRate !== null)
        return { errorRate: reading.errorRate, errorRateSource: `measured over ${reading.windowSeconds.toFixed(1)}s before the run` };
    } catch (err) {
      services.log.info({ err, node: lock.node }, 'could not measure the error rate before compacting');
    }
  }
  const incident = lock.incidentId ? await services.store.incidents.get(lock.incidentId) : undefined;
  const diagnosis = lastDiagnosisSchema.safeParse(incident?.lastDiagnosis);
  if (diagnosis.success && diagnosis.data.errorRate !== null) return { errorRate: diagnosis.data.errorRate, errorRateSource: "the incident's last diagnosis" };
  return { errorRate: null, errorRateSource: null };
}
