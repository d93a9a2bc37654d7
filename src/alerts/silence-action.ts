import { z } from 'zod';
import { auditUnknownTarget, authorizeAction } from '../access/action-rules';
import { clickedButton, interactionContext } from '../slack/interaction-context';
import type { InteractionModule } from '../slack/interaction-module';
import { textView } from '../render/blocks';
import { escapeMrkdwn, formatDuration, formatUtc } from './alert-format';
import { ALERT_ACTIONS } from './alert-views';
import { createSilence } from './alertmanager-silences';

const valueSchema = z.object({ incidentId: z.string().min(1) });

/**
 * "Silence 1h" on an alert header: an operator silences exactly this alert's labels in Alertmanager
 * (v2 API), audited, and the thread says who, until when and the silence id.
 */
export const silenceAction: InteractionModule = (app, { services, chat }) => {
  app.action(ALERT_ACTIONS.silence, async ({ ack, body, respond }) => {
    await ack();
    const button = clickedButton(body);
    const ctx = interactionContext(button, respond, services, chat);
    const { config, store } = services;
    let parsed: z.infer<typeof valueSchema> | undefined;
    try {
      parsed = valueSchema.parse(JSON.parse(button.value));
    } catch {
      parsed = undefined;
    }
    const incident = parsed ? await store.incidents.get(parsed.incidentId) : undefined;
    if (!incident) {
      const reason = 'That button refers to an incident the bot does not know: nothing was done.';
      await auditUnknownTarget(services, { userId: button.userId, action: 'silence', channelId: button.channelId, value: button.value, reason });
      return void (await ctx.reply.private(textView(reason)));
    }
    if (!config.alertmanager) return void (await ctx.reply.private(textView('Silences need `alertmanager.url` in the config.')));
    const now = services.now();
    const base = { actor: button.userId, action: 'silence', node: incident.node, incidentId: incident.id };
    const rule = await authorizeAction(services, { action: 'silence', label: `silence ${escapeMrkdwn(incident.alertname ?? 'this alert')}`, userId: button.userId, surface: 'slack', channelId: button.channelId, incident, via: 'button' });
    if (!rule.allowed) return void (await ctx.reply.private(textView(rule.refusal)));
    const duration = config.alerts.silenceDuration;
    const endsAt = new Date(now.getTime() + duration);
    const auditId = await store.audit.record({ ...base, outcome: 'started', detail: { labels: incident.labels, endsAt: endsAt.toISOString() } }, now);
    try {
      const silenceId = await createSilence(
        config.alertmanager.url,
        {
          labels: incident.labels,
          startsAt: now,
          endsAt,
          createdBy: `stemedb-chatops: ${button.userName ?? button.userId}`,
          comment: `Silenced from Slack by ${button.userName ?? button.userId} for incident ${incident.id}`,
        },
        config.stemedb.requestTimeout,
      );
      await store.withTx(async (tx) => {
        await tx.audit.finish(auditId, 'succeeded', Date.now() - now.getTime(), { silenceId, endsAt: endsAt.toISOString() });
        await tx.incidents.addEvent(incident.id, 'silenced', now, button.userId, { silenceId, endsAt: endsAt.toISOString() });
      });
      await ctx.reply.public(
        textView(`:no_bell: <@${button.userId}> silenced ${escapeMrkdwn(incident.alertname ?? 'this alert')} for ${formatDuration(duration)}, until ${formatUtc(endsAt)} (Alertmanager silence \`${silenceId}\`).`),
      );
    } catch (err) {
      services.log.warn({ err, incidentId: incident.id }, 'creating the Alertmanager silence failed');
      await store.audit.finish(auditId, 'failed', Date.now() - now.getTime(), { error: (err as Error).message });
      await ctx.reply.private(textView(`:warning: Could not create the silence: ${(err as Error).message}`));
    }
  });
};
