import type { PendingActionStore } from '../../../src/access/pending-actions';

/**
 * What a store implementation gives the contract suite. `open()` may be called more than once for the same
 * backing store: each call is a second process (a restart, a replica) on the same data. A Postgres adapter
 * adds one factory (a throwaway database per `create()`) and runs the same suite.
 */
export interface StoreConnection {
  pendingActions: PendingActionStore;
  /** Test-only: damages a stored row the way a bad write or a manual edit could. */
  corruptPendingAction(id: string, column: 'params' | 'allowed_users', text: string): Promise<void>;
  close(): Promise<void>;
}

export interface StoreFactory {
  name: string;
  /** A fresh, empty, migrated store; `open` connects to it. */
  create(): Promise<{ open(): Promise<StoreConnection>; destroy(): Promise<void> }>;
}
