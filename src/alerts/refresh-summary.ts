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
  return stormSummaryView(summary.alertname, members, stormThreshold, stormWindow);
}

/** Posts a storm summary once (its members' threads hang off it); later callers get the stored ts. */
export async function ensureSummaryPosted(ctx: AlertContext, id: number): Promise<{ channel: string; ts: string }> {
  return ctx.locks.run(`summary:${id}`, async () => {
    const summary = await ctx.alerts.summary(id);
    if (!summary) throw new Error(`storm summary ${id} is missing`);
    if (summary.ts) return { channel: summary.channel, ts: summary.ts };
    const view = (await renderSummary(ctx, id))!;
    const posted = await ctx.services.messenger.post(summary.channel, view, { priority: 'status' });
    await ctx.alerts.setSummaryMessage(id, posted.ts, viewHash(view));
    return { channel: summary.channel, ts: posted.ts };
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
