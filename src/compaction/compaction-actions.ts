import type { RespondFn } from '@slack/bolt';
import type { Services } from '../app/services';
import { DIAGNOSIS_ACTIONS } from '../render/diagnosis-blocks';
import { parseButtonValue } from '../slack/diagnosis-actions';
import { clickedButton, interactionContext, type ClickedButton } from '../slack/interaction-context';
import type { InteractionModule } from '../slack/interaction-modules';
import type { View } from '../surfaces/view';
import type { CompactionService } from './compaction-service';
import { COMPACTION_ACTIONS, parseConfirmValue, plainView } from './compaction-views';

/**
 * The Compact button of diagnosis and alert messages (value `{node, incidentId?}`; the runbook's remedy, so
 * `force: true`), and the Confirm / Cancel buttons of the confirmation.
 */
export const compactionActions: InteractionModule = (app, { services, queue }) => {
  app.action(DIAGNOSIS_ACTIONS.compact, async ({ ack, body, respond }) => {
    await ack();
    const button = clickedButton(body);
    const ctx = interactionContext(button, respond, services, queue);
    await guarded(services, respond, async (service) => {
      const value = parseButtonValue(button.value);
      const node = value && services.inventory.get(value.node);
      if (!value || !node) return void (await ctx.reply.private(plainView('That button refers to a node that is no longer configured.')));
      await service.request(
        {
          node,
          force: true,
          dryRun: false,
          yes: false,
          incidentId: value.incidentId,
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
      const replace = replacer(respond);
      await guarded(services, respond, async (service) => {
        const value = parseConfirmValue(button.value);
        if (!value) return void (await replace(plainView('That confirmation could not be read: run `/stemedb compact <node>` again.')));
        const withChannel = { ...value, channel: value.channel ?? button.channelId };
        await (kind === 'confirm' ? service.confirm(withChannel, actorOf(button), replace) : service.cancel(withChannel, actorOf(button), replace));
      });
    });
  }
};

function actorOf(button: ClickedButton) {
  return { userId: button.userId, userName: button.userName, surface: 'slack' as const };
}

/** Answers replace the ephemeral confirmation, so its buttons cannot be clicked again. */
function replacer(respond: RespondFn): (view: View) => Promise<void> {
  return async (view) => void (await respond({ replace_original: true, response_type: 'ephemeral', text: view.text, blocks: view.blocks }));
}

/** A failing handler tells the clicker in one sentence; the log gets the stack. */
async function guarded(services: Services, respond: RespondFn, work: (service: CompactionService) => Promise<void>): Promise<void> {
  try {
    if (!services.compaction) throw new Error('the compaction service is not running');
    await work(services.compaction);
  } catch (err) {
    services.log.error({ err }, 'compaction button failed');
    await respond({ response_type: 'ephemeral', replace_original: false, text: ':warning: Something went wrong with that compaction request; the bot\'s log has the details.' }).catch(() => undefined);
  }
}
