import type { NodeConfig } from '../config/schema';
import type { Logger } from '../ops/logger';
import { HostExecError, type HostExecutor } from './host-executor';
import { createLocalExecutor } from './local-executor';
import { createSshExecutor } from './ssh-executor';

/** The node's host executor: SSH with a pinned key, local when the bot runs on the host, or a refusal. */
export function executorForNode(node: NodeConfig, log?: Logger): HostExecutor {
  if (node.local) return createLocalExecutor();
  if (node.ssh) return createSshExecutor(node.name, node.ssh, { log: log?.child({ node: node.name, component: 'ssh' }) });
  return {
    connect: () =>
      Promise.reject(new HostExecError('NOT_CONFIGURED', `${node.name} has no \`ssh\` settings (and is not \`local: true\`), so host checks cannot run`)),
  };
}
