import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Every benchmark of SPEC 9; `npm run bench [name...]` runs some or all and writes bench/results/<name>.json. */
const BENCHES: Record<string, () => Promise<Record<string, unknown>>> = {
  ack: async () => (await import('./ack')).benchAck(),
  diagnose: async () => (await import('./diagnose')).benchDiagnose(),
  parse: async () => (await import('./parse')).benchParse(),
  storm: async () => (await import('./storm')).benchStorm(),
  escalation: async () => (await import('./escalation')).benchEscalation(),
  charts: async () => (await import('./charts')).benchCharts(),
  failover: async () => (await import('./failover')).failoverFromEnv(),
};

const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !(w in BENCHES));
if (unknown.length > 0) {
  console.error(`unknown bench(es): ${unknown.join(', ')}; known: ${Object.keys(BENCHES).join(', ')}`);
  process.exit(2);
}
const dir = join(import.meta.dirname, 'results');
mkdirSync(dir, { recursive: true });
for (const name of wanted.length > 0 ? wanted : Object.keys(BENCHES)) {
  const result = {
    ...(await BENCHES[name]!()),
    machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
    at: new Date().toISOString(),
  };
  writeFileSync(join(dir, `${name}.json`), `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result));
}
process.exit(0);
