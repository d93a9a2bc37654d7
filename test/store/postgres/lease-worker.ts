/**
 * A separate replica process for the pause test: claims due `outbox` items, prints them as one JSON line,
 * then on each stdin line "complete" tries to complete them and prints the outcome. The test SIGSTOPs it in
 * between, as a stalled replica (GC pause, SIGSTOP, a frozen VM) would be.
 */
import { createInterface } from 'node:readline';
import pg from 'pg';
import { WorkLeases, type WorkItem } from '../../../src/store/postgres/work-leases';

const [url, owner, leaseMs] = process.argv.slice(2);
const pool = new pg.Pool({ connectionString: url, max: 1 });
const leases = new WorkLeases(pool);
const claimed: WorkItem[] = await leases.claimDue('outbox', owner!, Number(leaseMs), 10);
process.stdout.write(`${JSON.stringify({ claimed: claimed.map((c) => ({ id: c.id, attempt: c.attempt, leaseUntil: c.leaseUntil.getTime() })) })}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() !== 'complete') continue;
  const results = await Promise.all(claimed.map((c) => leases.complete(c.id, owner!, c.attempt)));
  process.stdout.write(`${JSON.stringify({ completed: results })}\n`);
  break;
}
await pool.end();
process.exit(0); // stdin stays open in the parent: do not wait for it
