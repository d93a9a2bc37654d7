import { DIAGNOSIS_ACTIONS } from '../render/diagnosis-blocks';
import { buttonTarget } from '../slack/diagnosis-actions';
import type { ClickedButton } from '../slack/interaction-context';
import type { InteractionModule } from '../slack/interaction-module';
import { ruledButton } from '../slack/ruled-button';
import { incidentFor } from './compaction-authorization';
import type { View } from '../surfaces/view';
import { COMPACTION_ACTIONS, plainView, type ConfirmValue } from './compaction-views';

/**
 * The Compact button of diagnosis and alert messages (value names the incident, or the node; the runbook's
 * remedy, so `force: true`), and the Confirm / Cancel buttons of the confirmation (a pending action's id).
 * All three go through the button middleware (slack/ruled-button.ts): ack first, the confirmation record
 * redeemed, the compact rule (channel, operators or paged responders; refusals audited), then the service.
 */
export const compactionActions: InteractionModule = (app, deps) => {
  const { services } = deps;
  ruledButton(app, deps, {
    actionId: DIAGNOSIS_ACTIONS.compact,
    // The node comes from the incident (or the inventory) the button names; force is the runbook's, fixed here.
    target: (button) => buttonTarget(services, button, 'compact'),
    rule: (target) => ({ action: 'compact', label: `compact ${target.node.name}`, incident: target.incident, node: target.node.name }),
    run: (ctx, target, button) =>
      services.compaction.request(
        {
          node: target.node,
          force: true,
          dryRun: false,
          yes: false,
          incidentId: target.incident?.id,
          actor: actorOf(button),
          channelId: button.channelId,
          threadTs: button.threadTs ?? button.messageTs,
        },
        ctx.reply,
      ),
  });

  for (const [actionId, kind] of [
    [COMPACTION_ACTIONS.confirm, 'confirm'],
    [COMPACTION_ACTIONS.cancel, 'cancel'],
  ] as const) {
    // The value is only the pending confirmation's id: everything else comes from the stored record.
    ruledButton<ConfirmValue>(app, deps, {
      actionId,
      confirms: COMPACTION_ACTIONS.confirm,
      replaceOriginal: true,
      target: (button, redeemed) =>
        redeemed ? services.compaction.confirmation(kind, redeemed, button.value, actorOf(button)) : { problem: 'not a confirmation' },
      rule: async (value) =>
        kind === 'confirm'
          ? { action: 'compact', label: `compact ${value.node}`, incident: await incidentFor(services, value.node, value.incidentId), node: value.node }
          : { action: 'other', auditAction: 'compact', label: `cancel the compaction of ${value.node}`, node: value.node },
      async run(ctx, value, button) {
        const replace = (view: View) => ctx.reply.private(view);
        if (kind === 'cancel') return services.compaction.cancel(value, actorOf(button), replace);
        // A confirmed run lasts minutes and the service tracks it (stop, restart): it must not hold a slot of the
        // after-ack work pool, which a stopping bot waits for.
        void services.compaction.confirm(value, actorOf(button), replace).catch(async (err: unknown) => {
          services.log.error({ err, node: value.node }, 'compaction confirmation failed');
          await replace(plainView(":warning: Something went wrong with that compaction request; the bot's log has the details.")).catch(() => undefined);
        });
      },
    });
  }
};

function actorOf(button: ClickedButton) {
  return { userId: button.userId, userName: button.userName, surface: 'slack' as const };
}
