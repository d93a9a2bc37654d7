import { afterAll, beforeAll, describe } from 'vitest';
import { requirePostgresOrSkip, startPostgres, type RunningPostgres } from '../../harness/postgres';
import { deliveryDedupeContract } from './delivery-dedupe-contract';
import { postClaimsContract } from './post-claims-contract';
import { diagnosesContract } from './diagnoses-contract';
import { alertsContract } from './alerts-contract';
import { escalationsContract } from './escalations-contract';
import { jobsContract } from './jobs-contract';
import { outboxContract } from './outbox-contract';
import { pendingActionsContract } from './pending-actions-contract';
import { auditContract } from './audit-contract';
import { compactionLocksContract } from './compaction-locks-contract';
import { incidentsContract } from './incidents-contract';
import { reportsContract } from './reports-contract';
import { timelineContract } from './timeline-contract';
import { postgresFactory } from './postgres-factory';
import { slackPaceContract } from './slack-pace-contract';
import { pingContract } from './ping-contract';

/** The same repository contracts as sqlite-contract.test.ts, on a throwaway PostgreSQL. */
describe.runIf(requirePostgresOrSkip())('repository contracts on PostgreSQL', () => {
  let server: RunningPostgres;
  beforeAll(async () => {
    server = await startPostgres();
  }, 30_000);
  afterAll(async () => server?.stop());
  const factory = postgresFactory(() => server);
  void factory; // the contracts are added as their PostgreSQL adapters land
  pendingActionsContract(factory);
  incidentsContract(factory);
  timelineContract(factory);
  auditContract(factory);
  reportsContract(factory);
  compactionLocksContract(factory);
  alertsContract(factory);
  jobsContract(factory);
  escalationsContract(factory);
  outboxContract(factory);
  deliveryDedupeContract(factory);
  postClaimsContract(factory);
  slackPaceContract(factory);
  pingContract(factory);
  diagnosesContract(factory);
});
