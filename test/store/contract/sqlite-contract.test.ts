import { pendingActionsContract } from './pending-actions-contract';
import { sqliteFactory } from './sqlite-factory';

pendingActionsContract(sqliteFactory);
