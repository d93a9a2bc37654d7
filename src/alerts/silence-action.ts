import { z } from 'zod';
import { auditUnknownTarget } from '../access/action-rules';
import type { Incident } from '../incidents/incident-store';
import type { InteractionModule } from '../slack/interaction-module';
import { ruledButton } from '../slack/ruled-button';
import { textView } from '../render/blocks';
import { escapeMrkdwn, formatDuration, formatUtc } from './alert-format';
import { ALERT_ACTIONS } from './alert-views';
import { createSilence } from './alertmanager-silences';

const valueSchema = z.object({ incidentId: z.string().min(1) });

/**
 * "Silence 1h" on an alert header: an operator silences exactly this alert's labels in Alertmanager
 * (v2 API), audited, and the thread says who, until when and the silence id. The click goes through the
 * button middleware (slack/ruled-button.ts): the incident is looked up from the value, then the silence rule.
 */
export const silenceAction: InteractionModule = (app, deps) => {
  const { services } = deps;
  ruledButton<{ incident: Incident }>(app, deps, {
    actionId: ALERT_ACTIONS.silence,
    async target(button) {
      const parsed = valueSchema.safeParse(
        (() => {
          try {
            return JSON.parse(button.value) as unknown;
          } catch {
            return undefined;
          }
        })(),
      );
      const incident = parsed.success ? await services.store.incidents.get(parsed.data.incidentId) : undefined;
      if (incident) return { incident };
      const reason = 'That button refers to an incident the bot does not know: nothing was done.';
      await auditUnknownTarget(services, { userId: button.userId, action: 'silence', channelId: button.channelId, value: button.value, reason });
      return { problem: reason };
    },
    rule: ({ incident }) => ({ action: 'silence', label: `silence ${escapeMrkdwn(incident.alertname ?? 'this alert')}`, incident }),
    async run(ctx, { incident }, button) {
      const { config, store } = services;
      if (!config.alertmanager) return void (await ctx.reply.private(textView('Silences need `alertmanager.url` in the config.')));
      const now = services.now();
      const base = { actor: button.userId, action: 'silence', node: incident.node, incidentId: incident.id };
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
          textView(
            `:no_bell: <@${button.userId}> silenced ${escapeMrkdwn(incident.alertname ?? 'this alert')} for ${formatDuration(duration)}, until ${formatUtc(endsAt)} (Alertmanager silence \`${silenceId}\`).`,
          ),
        );
      } catch (err) {
        services.log.warn({ err, incidentId: incident.id }, 'creating the Alertmanager silence failed');
        await store.audit.finish(auditId, 'failed', Date.now() - now.getTime(), { error: (err as Error).message });
        await ctx.reply.private(textView(`:warning: Could not create the silence: ${(err as Error).message}`));
      }
    },
  });
};
