import { randomBytes } from 'node:crypto';
import type { Services } from '../app/services';
import type { NodeConfig } from '../config/schema';
import type { Lease } from '../store/lease';
import { channelAnswers, postedMessage, type PostedMessage } from '../surfaces/chat-port';
import type { View } from '../surfaces/view';
import type { CompactionService, ReplaceConfirmation } from './compaction-port';
import { breakerDecision } from './circuit-breaker';
import { authorizeCompaction } from './compaction-authorization';
import type { CompactionLock, CompactionLockStore } from './compaction-lock-store';
import {
  type CompactionRunServices,
  effectiveLockTtl,
  errorRateBefore,
  finish,
  resumeLock,
  runInfoOf,
  startAcquiredRun,
  watchLease,
  type RunDeps,
  type RunOutput,
} from './compaction-run';
import { auditActor, type CompactionActor, type CounterSnapshot } from './compaction-types';
import {
  blockedView,
  COMPACTION_ACTIONS,
  confirmView,
  dryRunView,
  parseConfirmValue,
  plainView,
  shellConfirmView,
  type ConfirmValue,
} from './compaction-views';
import { breakerText, busyText, evaluatePreconditions, type Preconditions } from './preconditions';
import { failedView, startingView } from './progress-views';
import { readCounters, readHostFigures, readLsmFigures } from './read-figures';
import { formatClock } from './time-text';

/** A confirmation older than this shows stale figures: it is refused, and the user asks again. */
export const CONFIRMATION_TTL_MS = 10 * 60_000;

export type { CompactionRequest, CompactionService, ReplaceConfirmation } from './compaction-port';

export interface CompactionServiceOptions {
  /** This process's lease owner (runtime): it watches the runs it starts or takes over (`store.leaseTtl`). */
  lease: Lease;
  /** False while this replica must not do engine work (PostgreSQL schema gate): it adopts no watch. */
  mayWork?: () => boolean;
}

export function createCompactionService(
  services: CompactionRunServices & Pick<Services, 'access'>,
  store: CompactionLockStore,
  options: CompactionServiceOptions,
): CompactionService {
  const abort = new AbortController();
  const deps: RunDeps = { services, store, signal: abort.signal, lease: watchLease(options.lease, services.config.compaction) };
  // Every flow in progress (stop() waits for them) and the watches they hold, token -> node (adopt() leaves those alone).
  const active = new Set<Promise<void>>();
  const heldTokens = new Map<string, string>();
  let adopting = false;
  const track = (node: string, work: Promise<void>) => {
    const tracked = work.catch((err: unknown) => services.log.error({ err, node }, 'compaction flow failed')).finally(() => active.delete(tracked));
    active.add(tracked);
    return tracked;
  };
  const audit = (actor: CompactionActor, node: string, incidentId: string | undefined, outcome: string, detail: Record<string, unknown>): Promise<number> =>
    services.store.audit.record(
      { actor: auditActor(actor), action: 'compact', node, incidentId, outcome, detail: { surface: actor.surface, ...detail } },
      services.now(),
    );

  async function preconditions(node: NodeConfig): Promise<{ pre: Preconditions; counters?: CounterSnapshot }> {
    const client = services.stemedb(node);
    const [stats, host, counters] = await Promise.all([
      readLsmFigures(client, services.now).then(
        (lsm) => ({ ok: true as const, lsm }),
        (err: unknown) => ({ ok: false as const, reason: err instanceof Error ? err.message : String(err) }),
      ),
      readHostFigures(node, { timeoutMs: services.config.diagnosis.checkTimeoutSeconds * 1000, log: services.log }),
      readCounters(client, services.metricNames).catch(() => undefined),
    ]);
    const at = services.now();
    const breaker = breakerDecision(await store.recentStarts(node.name, at), at, services.config.compaction.maxPerNodePerHour);
    const { disk, backup } = host;
    const snapshotMaxAgeMs = services.config.compaction.snapshotMaxAge;
    return {
      pre: evaluatePreconditions({ node: node.name, stats, disk, lock: await store.current(node.name, at), breaker, now: at, backup, snapshotMaxAgeMs }),
      counters,
    };
  }

  async function runConfirmed(value: ConfirmValue, actor: CompactionActor, output: RunOutput, replace: ReplaceConfirmation, via: string): Promise<void> {
    const { compaction } = services.config;
    const acquired = await store.acquire({
      node: value.node,
      holder: auditActor(actor),
      holderName: actor.userName,
      force: value.force,
      incidentId: value.incidentId,
      requestId: value.requestId,
      before: { lsm: null, errorRate: null, errorRateSource: null },
      at: services.now(),
      ttlMs: effectiveLockTtl(compaction),
      maxPerHour: compaction.maxPerNodePerHour,
      watch: deps.lease,
    });
    if (!acquired.ok) {
      const text =
        acquired.reason === 'duplicate'
          ? `This confirmation was already used at ${formatClock(acquired.usedAt)}: one confirmation starts at most one compaction.`
          : acquired.reason === 'held'
            ? `:no_entry: Not started: ${busyText(acquired.lock, services.now())}.`
            : `:no_entry: Not started: ${breakerText(value.node, acquired.decision)}`;
      await audit(actor, value.node, value.incidentId, 'refused', { force: value.force, reason: acquired.reason, requestId: value.requestId });
      await replace(plainView(text));
      return;
    }
    const { lock } = acquired;
    heldTokens.set(lock.token, lock.node);
    try {
      await runAcquired(lock, acquired.tookOverExpired, value, actor, output, replace, via);
    } finally {
      heldTokens.delete(lock.token);
    }
  }

  /** From the acquired lock to the end: audit, progress message, figures before, then the POST and the watch. */
  async function runAcquired(
    acquiredLock: CompactionLock,
    tookOver: CompactionLock | undefined,
    value: ConfirmValue,
    actor: CompactionActor,
    output: RunOutput,
    replace: ReplaceConfirmation,
    via: string,
  ): Promise<void> {
    let lock = acquiredLock;
    if (tookOver) await finish(deps, tookOver, 'interrupted', { reason: 'lock expired; taken over by a new run' }, null, { fenced: false });
    const auditId = await audit(actor, value.node, value.incidentId, 'started', { force: value.force, via, requestId: value.requestId });
    await store.update(lock.node, lock.token, { auditId }, deps.lease.owner);
    lock = { ...lock, auditId };
    await replace(
      plainView(
        `:gear: Compaction of ${value.node} confirmed (force: ${value.force ? 'yes' : 'no'}); progress follows${actor.surface === 'slack' ? ' in the thread' : ''}.`,
      ),
    ).catch((err: unknown) => services.log.warn({ err }, 'replacing the confirmation failed'));
    let message: PostedMessage;
    try {
      message = await output.public(startingView(runInfoOf(lock)));
    } catch (err) {
      await finish(deps, lock, 'failed', { error: `could not post the progress message: ${err instanceof Error ? err.message : String(err)}` });
      await replace(plainView(`:x: Compaction of ${value.node} not started: the bot could not post in this channel (is it invited?).`)).catch(() => undefined);
      return;
    }
    await store.update(
      lock.node,
      lock.token,
      { channel: message.channel ?? null, messageTs: message.ts ?? null, threadTs: value.threadTs ?? null },
      deps.lease.owner,
    );
    const node = services.inventory.get(value.node)!;
    const [lsm, rate] = await Promise.all([
      readLsmFigures(services.stemedb(node), services.now, abort.signal).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err)))),
      errorRateBefore(services, lock, value.counters, abort.signal),
    ]);
    if (lsm instanceof Error) {
      if (await finish(deps, lock, 'failed', { error: lsm.message }))
        await message.update(failedView(runInfoOf(lock), `${value.node} is not reachable: ${lsm.message}`)).catch(() => undefined);
      return;
    }
    const before = { lsm, ...rate };
    await store.update(lock.node, lock.token, { before }, deps.lease.owner);
    if (lsm.pendingBytes === 0) await store.markNothingPending(lock.runId);
    await startAcquiredRun(deps, { ...lock, before }, message, output);
  }

  /**
   * Adopts the runs nobody watches (free, or the watcher's lease ran out: it died or stalled) whose watch this
   * process claims; a run another process watches is left to it. At start-up and on every replica poll.
   */
  async function adopt(how: string): Promise<void> {
    if (adopting || abort.signal.aborted || options.mayWork?.() === false) return;
    adopting = true;
    try {
      for (const lock of await store.unwatched(services.now())) {
        if (heldTokens.has(lock.token) || abort.signal.aborted) continue;
        if (!(await store.claimWatch(lock.node, lock.token, deps.lease, services.now()))) continue;
        if (abort.signal.aborted) {
          await store.releaseWatch(lock.node, lock.token, deps.lease.owner);
          continue;
        }
        const output = lock.channel ? channelAnswers(services.messenger, lock.channel, lock.threadTs ?? undefined) : logOutput(services);
        const message: PostedMessage =
          lock.channel && lock.messageTs
            ? postedMessage(services.messenger, { channel: lock.channel, ts: lock.messageTs })
            : {
                update: async (view) =>
                  void (view.progress || services.log.warn({ node: lock.node, text: view.text }, 'compaction (resumed, no message to update)')),
              };
        services.log.info({ node: lock.node, phase: lock.phase, expiresAt: lock.expiresAt, how }, 'watching a compaction found in the store');
        heldTokens.set(lock.token, lock.node);
        void track(
          lock.node,
          resumeLock(deps, lock, message, output, how).finally(() => heldTokens.delete(lock.token)),
        );
      }
    } finally {
      adopting = false;
    }
  }

  return {
    async request(req, reply) {
      const { node, actor, force } = req;
      const auth = await authorizeCompaction(services, actor, node.name, req.incidentId, req.channelId);
      if (!auth.allowed) {
        await audit(actor, node.name, req.incidentId, 'refused', { force, reason: 'not allowed' });
        await reply.private(plainView(auth.refusal));
        return;
      }
      const { pre, counters } = await preconditions(node);
      if (req.dryRun) {
        await audit(actor, node.name, req.incidentId, 'dry_run', { force, ready: pre.ready, blockers: pre.blockers });
        await reply.private(dryRunView(pre, node.name, force));
        return;
      }
      if (!pre.ready) {
        await audit(actor, node.name, req.incidentId, 'refused', { force, reason: 'preconditions', blockers: pre.blockers });
        await reply.private(blockedView(pre, node.name, force));
        return;
      }
      const value: ConfirmValue = {
        requestId: randomBytes(9).toString('hex'),
        node: node.name,
        force,
        ...(req.incidentId ? { incidentId: req.incidentId } : {}),
        ...(req.channelId ? { channel: req.channelId } : {}),
        ...(req.threadTs ? { threadTs: req.threadTs } : {}),
        issuedAtMs: services.now().getTime(),
        ...(counters ? { counters } : {}),
      };
      if (actor.surface === 'slack') {
        // Only the requester sees the ephemeral confirmation, so only they may click it.
        const pendingId = await services.store.pendingActions.issue(
          { kind: COMPACTION_ACTIONS.confirm, params: value, allowedUsers: [actor.userId], ttlMs: CONFIRMATION_TTL_MS },
          services.now(),
        );
        return void (await reply.private(confirmView(pre, value, pendingId)));
      }
      if (!req.yes) return void (await reply.private(shellConfirmView(pre, node.name, force)));
      await track(
        node.name,
        runConfirmed(value, actor, reply, (view) => reply.private(view), auth.via),
      );
    },

    async confirmation(kind, redeemed, pendingId, actor) {
      const at = services.now();
      const value = redeemed.action ? parseConfirmValue(redeemed.action.params) : undefined;
      if (redeemed.ok && value) return value;
      const reason = redeemed.ok ? 'unreadable' : redeemed.reason;
      await services.store.audit.record(
        {
          actor: auditActor(actor),
          action: 'compact',
          node: value?.node ?? null,
          incidentId: value?.incidentId ?? null,
          outcome: 'refused',
          detail: { surface: actor.surface, reason: `${kind}: confirmation ${reason}`, pendingId: pendingId.slice(0, 64) },
        },
        at,
      );
      services.log.warn({ user: actor.userId, kind, reason }, 'refused a compaction confirmation click');
      return { problem: clickRefusal(reason, value, redeemed.action?.usedAt ?? null, redeemed.action?.allowedUsers ?? []) };
    },

    async confirm(value, actor, replace) {
      const node = services.inventory.get(value.node);
      if (!node) return void (await replace(plainView(`\`${value.node}\` is no longer a configured node: nothing was started.`)));
      if (services.now().getTime() - value.issuedAtMs > CONFIRMATION_TTL_MS) {
        await audit(actor, value.node, value.incidentId, 'refused', { force: value.force, reason: 'confirmation expired', requestId: value.requestId });
        return void (await replace(
          plainView(
            `This confirmation is more than ${CONFIRMATION_TTL_MS / 60_000} minutes old and its figures are stale: run \`/stemedb compact ${value.node}\` again.`,
          ),
        ));
      }
      const auth = await authorizeCompaction(services, actor, value.node, value.incidentId, value.channel);
      if (!auth.allowed) {
        await audit(actor, value.node, value.incidentId, 'refused', { force: value.force, reason: 'not allowed', requestId: value.requestId });
        return void (await replace(plainView(auth.refusal)));
      }
      if (!value.channel)
        return void (await replace(plainView('The bot cannot tell which channel to report progress in: run `/stemedb compact` in a channel.')));
      await track(value.node, runConfirmed(value, actor, channelAnswers(services.messenger, value.channel, value.threadTs), replace, auth.via));
    },

    async cancel(value, actor, replace) {
      await audit(actor, value.node, value.incidentId, 'cancelled', { force: value.force, requestId: value.requestId });
      await replace(plainView(`Compaction of ${value.node} cancelled: nothing was changed.`));
    },

    resume: () => adopt('resumed after a bot restart'),

    async takeOver() {
      await adopt('taken over from a replica that stopped watching').catch((err: unknown) =>
        services.log.warn({ err }, 'looking for compaction watches to take over failed'),
      );
    },

    async stop() {
      const watching = [...heldTokens];
      abort.abort();
      await Promise.allSettled([...active]);
      // Handed over at once: another replica (or the next start) resumes without waiting for the lease.
      for (const [token, node] of watching)
        await store
          .releaseWatch(node, token, deps.lease.owner)
          .catch((err: unknown) => services.log.warn({ err, node }, 'releasing a compaction watch failed'));
    },
  };
}

/** A resumed shell run has nowhere to post: the log gets the outcome. */
function logOutput(services: Pick<Services, 'log'>): RunOutput {
  const update = async (view: View) => void (view.progress || services.log.warn({ text: view.text }, 'compaction update'));
  return { public: async (view) => (await update(view), { update }) };
}

/** What the clicker is told when a Confirm / Cancel click is refused. */
function clickRefusal(reason: string, value: ConfirmValue | undefined, usedAt: string | null, allowedUsers: readonly string[]): string {
  const again = `run \`/stemedb compact ${value?.node ?? '<node>'}\` again`;
  switch (reason) {
    case 'used':
      return `This confirmation was already used${usedAt ? ` at ${formatClock(new Date(usedAt))}` : ''}: one confirmation starts at most one compaction.`;
    case 'expired':
      return `This confirmation is more than ${CONFIRMATION_TTL_MS / 60_000} minutes old and its figures are stale: ${again}.`;
    case 'not_allowed':
      return `:no_entry: This confirmation was issued to ${allowedUsers.map((u) => `<@${u}>`).join(', ')}: only they can confirm it. Your attempt was recorded in the audit log.`;
    default:
      return `:no_entry: This bot never issued that confirmation (or cannot read it): nothing was started. To compact, ${again}. Your attempt was recorded in the audit log.`;
  }
}
