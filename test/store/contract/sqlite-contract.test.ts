import { deliveryDedupeContract } from './delivery-dedupe-contract';
import { alertsContract } from './alerts-contract';
import { escalationsContract } from './escalations-contract';
import { jobsContract } from './jobs-contract';
import { outboxContract } from './outbox-contract';
import { pendingActionsContract } from './pending-actions-contract';
import { slackPaceContract } from './slack-pace-contract';
import { sqliteFactory } from './sqlite-factory';

pendingActionsContract(sqliteFactory);
alertsContract(sqliteFactory);
jobsContract(sqliteFactory);
escalationsContract(sqliteFactory);
outboxContract(sqliteFactory);
deliveryDedupeContract(sqliteFactory);
slackPaceContract(sqliteFactory);
