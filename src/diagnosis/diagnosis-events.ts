import type { DiagnosisResult } from './types';

/** Where a diagnosis came from: the channel it answered in, and who asked (absent for an alert's). */
export interface DiagnosisOrigin {
  channelId?: string;
  userId?: string;
}

export type DiagnosisListener = (result: DiagnosisResult, origin: DiagnosisOrigin) => Promise<unknown> | unknown;

/**
 * Every finished diagnosis (command, button, alert), told to whoever subscribed: escalation (records it for
 * the incident, escalates on the runbook's criteria) and the App Home (the node's verdict). Subscribing is the
 * port; nobody wraps or replaces a shared hook. Listeners run in subscription order; one failing does not stop
 * the next, and the first failure is rethrown to the publisher afterwards.
 */
export interface DiagnosisEvents {
  subscribe(listener: DiagnosisListener): () => void;
  publish(result: DiagnosisResult, origin: DiagnosisOrigin): Promise<void>;
}

export function createDiagnosisEvents(): DiagnosisEvents {
  const listeners: DiagnosisListener[] = [];
  return {
    subscribe(listener) {
      listeners.push(listener);
      return () => void listeners.splice(listeners.indexOf(listener) >>> 0, 1);
    },
    async publish(result, origin) {
      let failure: { err: unknown } | undefined;
      for (const listener of [...listeners]) {
        try {
          await listener(result, origin);
        } catch (err) {
          failure ??= { err };
        }
      }
      if (failure) throw failure.err;
    },
  };
}
