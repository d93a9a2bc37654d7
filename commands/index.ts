import type { Command } from './command';
import { diagnose } from './diagnose';
import { help } from './help';
import { slowQueries } from './slow-queries';
import { stats } from './stats';

/** Every `/stemedb` subcommand, in the order `help` lists them. Register new ones here. */
export const COMMANDS: readonly Command<any>[] = [diagnose, stats, slowQueries, help];
