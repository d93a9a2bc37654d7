import type { NodeConfig } from '../config/schema';

/** The configured nodes: the only nodes the bot will ever talk to (no host or URL from user text). */
export class Inventory {
  private readonly byName: Map<string, NodeConfig>;

  constructor(readonly nodes: readonly NodeConfig[]) {
    this.byName = new Map(nodes.map((n) => [n.name, n]));
  }

  get(name: string): NodeConfig | undefined {
    return this.byName.get(name);
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  /**
   * Finds the node an alert label points at: a node name, or the `host:port` of its API (Prometheus's
   * `instance`), or a bare host when exactly one node has it.
   * @example inventory.matchLabel('10.0.0.11:18180') // the node whose apiUrl is http://10.0.0.11:18180
   */
  matchLabel(value: string | undefined): NodeConfig | undefined {
    if (!value) return undefined;
    const direct = this.byName.get(value);
    if (direct) return direct;
    const byHostPort = this.nodes.find((n) => hostPortOf(n.apiUrl) === value);
    if (byHostPort) return byHostPort;
    const byHost = this.nodes.filter((n) => new URL(n.apiUrl).hostname === value || n.ssh?.host === value);
    return byHost.length === 1 ? byHost[0] : undefined;
  }
}

function hostPortOf(apiUrl: string): string {
  const url = new URL(apiUrl);
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return `${url.hostname}:${port}`;
}
