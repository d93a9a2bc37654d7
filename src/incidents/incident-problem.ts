/**
 * What "the same problem" means for one-incident-per-node. A diagnosis or an `escalate` names a node, not an
 * alert: its incident is the node's problem (`NODE_PROBLEM`) until an alert adopts it. An alert's problem is
 * its name plus the labels that tell alerts of one node apart (a disk's `device`), without the labels that
 * only say where it came from (the node label, `instance`, `job`, `severity`): so the same alert re-routed
 * through another exporter joins, and five failing disks stay five problems.
 */
export const NODE_PROBLEM = 'node';

const WHERE_FROM = new Set(['alertname', 'instance', 'job', 'severity']);

export function alertProblem(labels: Record<string, string>, nodeLabel: string): string {
  const rest = Object.keys(labels)
    .filter((k) => !WHERE_FROM.has(k) && k !== nodeLabel)
    .sort()
    .map((k) => `${k}=${labels[k]}`);
  const name = labels.alertname ?? 'alert';
  return rest.length > 0 ? `${name}{${rest.join(',')}}` : name;
}
