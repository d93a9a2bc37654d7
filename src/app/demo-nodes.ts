import type { SimNodeOptions } from '../../sim';

/**
 * The built-in simulator's nodes for the local shell and `diagnose --sim`: one per scenario, so every verdict the
 * bot can reach is one command away. The first three match the README's walk-through.
 */
export const SHELL_DEMO_NODES: SimNodeOptions[] = [
  { name: 'stemedb-1', scenarios: ['disk_full'] },
  { name: 'stemedb-2', scenarios: ['healthy'] },
  { name: 'stemedb-3', scenarios: ['lock_contention'] },
  { name: 'stemedb-4', scenarios: ['compaction_lag'] },
  { name: 'stemedb-5', scenarios: ['disk_hardware'] },
  { name: 'stemedb-6', scenarios: ['lsm_corruption'] },
];
