import { describe, expect, it } from 'vitest';
import { createRuntime } from '../../src/app/runtime';
import { parseConfig } from '../../src/config/load-config';
import { createLogger } from '../../src/ops/logger';

describe('the composition root', () => {
  it('builds every feature once, with charts off as a port that does nothing, and freezes the services', async () => {
    const config = parseConfig(
      { stemedb: { nodes: [{ name: 'stemedb-1', apiUrl: 'http://127.0.0.1:9', local: true }] }, store: { sqlitePath: ':memory:' } },
      'test',
    );
    const runtime = await createRuntime({ config, log: createLogger('silent'), secret: () => undefined, charts: { enabled: false } });
    try {
      const { services } = runtime;
      for (const member of ['compaction', 'escalations', 'charts', 'incidentNodeForChannel', 'diagnoses'] as const)
        expect(services[member], member).toBeDefined();
      expect(await services.charts.diagnosisOutcome('stemedb-1', 'unknown')).toEqual({ none: 'No chart: charts are turned off.' });
      expect(await services.incidentNodeForChannel('C_NOTHING')).toBeUndefined();
      expect(Object.isFrozen(services)).toBe(true);
      // Nothing may replace shared wiring once the runtime exists (the messenger swaps this replaced).
      expect(() => Object.assign(services, { messenger: services.messenger })).toThrow(TypeError);
    } finally {
      await runtime.close();
    }
  });
});
