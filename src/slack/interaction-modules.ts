import type { App } from '@slack/bolt';
import type { Services } from '../app/services';
import { compactionActions } from '../compaction/compaction-actions';
import { silenceAction } from '../alerts/silence-action';
import { escalationActions } from '../escalation/escalation-actions';
import { noteShortcut } from '../timeline/note-shortcut';
import { appHome } from '../home/app-home';
import { diagnosisActions } from './diagnosis-actions';
import type { SlackQueue } from './slack-queue';

/** What a feature's Slack listeners (buttons, modals) get. */
export interface SlackDeps {
  services: Services;
  queue: SlackQueue;
}

export type InteractionModule = (app: App, deps: SlackDeps) => void;

/** Every feature's buttons and modals; a feature adds one line here. */
export const INTERACTION_MODULES: InteractionModule[] = [diagnosisActions, silenceAction, compactionActions, escalationActions, noteShortcut, appHome];
