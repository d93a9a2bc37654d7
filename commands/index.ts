import { audit } from './audit';
import { ack } from './ack';
import type { Command } from './command';
import { compact } from './compact';
import { diagnose } from './diagnose';
import { escalate } from './escalate';
import { help } from './help';
import { oncall } from './oncall';
import { report } from './report';
import { resolve } from './resolve';
import { slowQueries } from './slow-queries';
import { stats } from './stats';
import { status } from './status';
import { note } from './note';
import { postmortem } from './postmortem';
import { statsIncidents } from './stats-incidents';
import { timeline } from './timeline';

/** Every `/stemedb` subcommand, in the order `help` lists them. Register new ones here. */
export const COMMANDS: readonly Command<any>[] = [
  diagnose,
  stats,
  report,
  slowQueries,
  compact,
  audit,
  escalate,
  ack,
  resolve,
  status,
  oncall,
  timeline,
  note,
  postmortem,
  statsIncidents,
  help,
];
