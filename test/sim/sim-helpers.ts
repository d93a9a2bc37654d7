import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, type SimCluster } from '../../sim/cluster';
import type { SimNodeOptions } from '../../sim/sim-node';

/** A cluster in a fresh temp dir; `cleanup` stops it and removes the dir. */
export async function tempCluster(nodes: SimNodeOptions[]): Promise<{ cluster: SimCluster; baseDir: string; cleanup: () => Promise<void> }> {
  const baseDir = mkdtempSync(join(tmpdir(), 'stemedb-sim-'));
  const cluster = await startCluster({ baseDir, nodes });
  return {
    cluster,
    baseDir,
    cleanup: async () => {
      await cluster.stop();
      rmSync(baseDir, { recursive: true, force: true });
    },
  };
}

/** One sample's value from an exposition; deliberately a small regex, not a real parser. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = m[2] ? m[2].split(',') : [];
    if (want.length === have.length && want.every((w) => have.includes(w))) return Number(m[3]);
  }
  throw new Error(`no sample ${name}{${want.join(',')}}`);
}

export async function scrape(apiUrl: string): Promise<string> {
  const res = await fetch(`${apiUrl}/metrics`);
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  return res.text();
}

export async function getJson(url: string, init: RequestInit = {}): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, init);
  return { status: res.status, body: await res.json() };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` returns a value, or throws after `timeoutMs`. */
export async function waitFor<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await sleep(100);
  }
}
