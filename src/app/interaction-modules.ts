import { silenceAction } from '../alerts/silence-action';
import { compactionActions } from '../compaction/compaction-actions';
import { escalationActions } from '../escalation/escalation-actions';
import { appHome } from '../home/app-home';
import { diagnosisActions } from '../slack/diagnosis-actions';
import type { InteractionModule } from '../slack/interaction-module';
import { timelineNoteShortcut } from '../slack/timeline-note-shortcut';

/** Every feature's buttons and modals; a feature adds one line here. */
export const INTERACTION_MODULES: readonly InteractionModule[] = [
  diagnosisActions,
  silenceAction,
  compactionActions,
  escalationActions,
  timelineNoteShortcut,
  appHome,
];
