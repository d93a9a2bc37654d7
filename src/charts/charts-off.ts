import type { ChartPort } from './chart-port';
import { SampleHistory } from './sample-history';

/**
 * The chart port when charts are turned off (`charts.enabled: false`, tests that do not ask for them): every
 * hook does nothing, so callers need no "are charts on?" checks.
 */
export function chartsOff(): ChartPort {
  return {
    history: new SampleHistory(),
    start: () => undefined,
    stop: async () => undefined,
    afterDiagnosis: () => undefined,
    afterCompaction: () => undefined,
    afterPage: () => undefined,
    diagnosisOutcome: async () => ({ none: 'No chart: charts are turned off.' }),
    idle: async () => undefined,
    post: async () => undefined,
    render: async () => {
      throw new Error('charts are turned off');
    },
  };
}
