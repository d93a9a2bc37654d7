import { postOnce, summaryMarker } from '../pagers/post-once';
import { viewHash, type AlertContext } from './alert-context';
import { stormSummaryView, type SummaryMember } from './storm-summary-view';
import type { View } from '../surfaces/view';

async function renderSummary(ctx: AlertContext, id: number): Promise<View | undefined> {
  const summary = await ctx.alerts.summary(id);
  if (!summary) return undefined;
  const incidents = ctx.services.store.incidents;
  const members: SummaryMember[] = [];
  for (const t of await ctx.alerts.summaryMembers(id)) {
    const incident = await incidents.get(t.incidentId);
    if (incident) members.push({ incident, nodeLabel: t.nodeLabel });
  }
  const { stormThreshold, stormWindow } = ctx.services.config.alerts;
  return stormSummaryView(summary.alertname, members, stormThreshold, stormWindow, summaryMarker(id));
}

/**
 * Posts a storm summary once (its members' threads hang off it); later callers get the stored ts. Members'
 * sync jobs run on every replica: the post is claimed in the store (`summary:<id>`), so one replica posts and
 * the others wait for its ts, and one taking over from a poster that died looks for its summary first.
 */
export async function ensureSummaryPosted(ctx: AlertContext, id: number): Promise<{ channel: string; ts: string }> {
  return ctx.locks.run(`summary:${id}`, async () => {
    const summary = await ctx.alerts.summary(id);
    if (!summary) throw new Error(`storm summary ${id} is missing`);
    if (summary.ts) return { channel: summary.channel, ts: summary.ts };
    let hash: string | null = null;
    const result = await postOnce(
      { claims: ctx.services.store.postClaims, lease: ctx.lease, now: ctx.services.now, directory: ctx.directory },
      {
        key: `summary:${id}`,
        channel: summary.channel,
        marker: summaryMarker(id),
        sinceMs: Date.parse(summary.createdAt),
        known: async () => {
          const s = await ctx.alerts.summary(id);
          return s?.ts ? { channel: s.channel, ts: s.ts } : undefined;
        },
        post: async (beforeSend) => {
          const view = (await renderSummary(ctx, id))!;
          hash = viewHash(view);
          return ctx.services.messenger.post(summary.channel, view, { priority: 'status', beforeSend });
        },
      },
    );
    if (!result) throw new Error(`storm summary ${id} could not be posted`);
    // Found rather than posted here: no hash, so the refresh brings its content up to date.
    await ctx.alerts.setSummaryMessage(id, result.message.ts, result.adopted ? null : hash);
    return { channel: summary.channel, ts: result.message.ts };
  });
}

/** The `summary` job: posts the summary if needed, else updates it in place when its content changed. */
export async function refreshSummary(ctx: AlertContext, id: number): Promise<void> {
  const posted = await ensureSummaryPosted(ctx, id);
  await ctx.locks.run(`summary:${id}`, async () => {
    const summary = (await ctx.alerts.summary(id))!;
    const view = (await renderSummary(ctx, id))!;
    const hash = viewHash(view);
    if (hash === summary.hash) return;
    await ctx.services.messenger.update(posted.channel, posted.ts, view, 'status');
    await ctx.alerts.setSummaryHash(id, hash);
  });
}
