import { NOTE_SHORTCUT, noteFromShortcut } from '../timeline/note-shortcut';
import type { InteractionModule } from './interaction-module';

/** The "Add to timeline" message shortcut on Slack: the answer is an ephemeral to whoever used it. */
export const timelineNoteShortcut: InteractionModule = (app, { services }) => {
  app.shortcut(NOTE_SHORTCUT, async ({ ack, body, respond }) => {
    await ack();
    const answer = await noteFromShortcut(services, body);
    await respond({ response_type: 'ephemeral', replace_original: false, text: answer }).catch((err: unknown) =>
      services.log.warn({ err }, 'shortcut reply failed'),
    );
  });
};
