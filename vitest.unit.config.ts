import { defineConfig } from 'vitest/config';

/**
 * `npm run test:unit`: the pure core (parsers, verdict, recommendations, escalation machine, packet text, chart
 * specs, views, tokenizer, limiter) in a few seconds, no sockets, no sshd, no simulator. Everything else under
 * test/ is an integration test and runs in `npm test`.
 */
export default defineConfig({
  test: {
    include: [
      'test/diagnosis/parsers.test.ts',
      'test/diagnosis/verdict.test.ts',
      'test/diagnosis/diagnosis-events.test.ts',
      'test/escalation/escalation-machine.test.ts',
      'test/escalation/escalation-packet.test.ts',
      'test/charts/chart-spec.test.ts',
      'test/alerts/alert-views.test.ts',
      'test/alerts/alertmanager-payload.test.ts',
      'test/compaction/compaction-logic.test.ts',
      'test/dispatch/dispatch.test.ts',
      'test/access/access-control.test.ts',
      'test/exec/limiter.test.ts',
      'test/prometheus/histogram-quantile.test.ts',
      'test/prometheus/metric-queries.test.ts',
      'test/prometheus/parse-exposition.test.ts',
      'test/prometheus/promtext-conformance.test.ts',
    ],
    testTimeout: 10_000,
  },
});
