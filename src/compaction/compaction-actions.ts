import type { Services } from '../app/services';
import { DIAGNOSIS_ACTIONS } from '../render/diagnosis-blocks';
import { buttonTarget } from '../slack/diagnosis-actions';
import { clickedButton, interactionContext, replaceOriginal, tellClicker, type ClickedButton } from '../slack/interaction-context';
import type { InteractionModule } from '../slack/interaction-module';
import type { CompactionService } from './compaction-service';
import { COMPACTION_ACTIONS, plainView } from './compaction-views';

/**
 * The Compact button of diagnosis and alert messages (value names the incident, or the node; the runbook's
 * remedy, so `force: true`), and the Confirm / Cancel buttons of the confirmation (a pending action's id).
 */
export const compactionActions: InteractionModule = (app, { services, chat }) => {
  app.action(DIAGNOSIS_ACTIONS.compact, async ({ ack, body, respond }) => {
    await ack();
    const button = clickedButton(body);
    const ctx = interactionContext(button, respond, services, chat);
    await guarded(services, tellClicker(respond), async (service) => {
      // The node comes from the incident (or the inventory) the button names; force is the runbook's, fixed here.
      const target = await buttonTarget(services, button, 'compact');
      if ('problem' in target) return void (await ctx.reply.private(plainView(target.problem)));
      await service.request(
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
      );
    });
  });

  for (const [actionId, kind] of [[COMPACTION_ACTIONS.confirm, 'confirm'], [COMPACTION_ACTIONS.cancel, 'cancel']] as const) {
    app.action(actionId, async ({ ack, body, respond }) => {
      await ack();
      const button = clickedButton(body);
      // Answers replace the ephemeral confirmation, so its buttons cannot be clicked again.
      const replace = replaceOriginal(respond);
      // The value is only the pending confirmation's id: the service takes everything else from the store.
      await guarded(services, tellClicker(respond), (service) => service.clicked(kind, button.value, actorOf(button), replace));
    });
  }
};

function actorOf(button: ClickedButton) {
  return { userId: button.userId, userName: button.userName, surface: 'slack' as const };
}

/** A failing handler tells the clicker in one sentence; the log gets the stack. */
async function guarded(services: Services, tell: (text: string) => Promise<void>, work: (service: CompactionService) => Promise<void>): Promise<void> {
  try {
    await work(services.compaction);
  } catch (err) {
    services.log.error({ err }, 'compaction button failed');
    await tell(':warning: Something went wrong with that compaction request; the bot\'s log has the details.');
  }
}
