import { counterDeltaByLabel, sumByLabel } from '../../prometheus/metric-queries';
import { formatPercent } from '../../render/format';
import { StemedbError } from '../../stemedb/stemedb-client';
import { THRESHOLDS } from '../thresholds';
import type { CheckStatus } from '../types';
import { reasonOf, type CheckEnv, type CheckOutcome } from './check';

export type OperationRate = { errors: number; operations: number; errorRate: number | null };

export type ErrorMetricsData = {
  source: 'prometheus' | 'scrapes';
  windowSeconds: number | null;
  byOperation: Record<string, OperationRate>;
  /** Σerrors / Σoperations over all operations: the alert rule's "errors > 1% of total operations". */
  errorRate: number | null;
  worstOperation: string | null;
  notExported: string[];
  prometheusError?: string;
  /** Set when the API itself did not answer `/metrics` (hung or refusing): the verdict's headline. */
  apiUnanswered?: { code: 'TIMEOUT' | 'UNREACHABLE'; reason: string; headline: string };
};

/**
 * Step 1: error rate by operation = Δerrors/Δoperations, from Prometheus `rate(...[5m])` when configured
 * (falling back to scrapes if it fails), else from two scrapes `sampleSeconds` apart.
 */
export async function errorMetricsCheck(env: CheckEnv): Promise<CheckOutcome<ErrorMetricsData>> {
  let prometheusError: string | undefined;
  if (env.prometheusRates) {
    try {
      const { errors, operations } = await env.prometheusRates();
      if (operations.size > 0) return assessErrorRates({ source: 'prometheus', windowSeconds: 300, errors, operations, notExported: [] });
      prometheusError = 'Prometheus has no series for this node';
    } catch (err) {
      prometheusError = reasonOf(err);
    }
  }
  let pair: Awaited<ReturnType<typeof env.sources.scrapePair>>;
  try {
    pair = await env.sources.scrapePair();
  } catch (err) {
    if (!(err instanceof StemedbError) || (err.code !== 'TIMEOUT' && err.code !== 'UNREACHABLE')) throw err;
    const data: ErrorMetricsData = {
      source: 'scrapes',
      windowSeconds: null,
      byOperation: {},
      errorRate: null,
      worstOperation: null,
      notExported: [],
      apiUnanswered: { code: err.code, reason: err.message, headline: apiHeadline(env.sources.node.name, err) },
    };
    if (prometheusError) data.prometheusError = prometheusError;
    return { status: 'unknown', summary: `not available: ${err.message}`, data, error: err.message };
  }
  const { first, second, elapsedSeconds } = pair;
  const names = env.metricNames;
  const read = (name: string) => {
    const before = sumByLabel(first, name, 'operation');
    const after = sumByLabel(second, name, 'operation');
    return before && after ? counterDeltaByLabel(after, before) : undefined;
  };
  const errors = read(names.operationErrors);
  const operations = read(names.operations);
  const notExported = [!errors && names.operationErrors, !operations && names.operations].filter((n): n is string => Boolean(n));
  const outcome = assessErrorRates({
    source: 'scrapes',
    windowSeconds: round(elapsedSeconds),
    errors: errors ?? new Map(),
    operations: operations ?? new Map(),
    notExported,
  });
  if (prometheusError) {
    outcome.data.prometheusError = prometheusError;
    outcome.summary += ` (Prometheus unavailable: ${prometheusError}; measured from scrapes)`;
  }
  return outcome;
}

/** Pure: rates, the overall rate and the status from per-operation error and operation counts (or rates). */
export function assessErrorRates(input: {
  source: ErrorMetricsData['source'];
  windowSeconds: number | null;
  errors: ReadonlyMap<string, number>;
  operations: ReadonlyMap<string, number>;
  notExported: string[];
}): CheckOutcome<ErrorMetricsData> {
  const byOperation: Record<string, OperationRate> = {};
  let totalErrors = 0;
  let totalOps = 0;
  for (const op of new Set([...input.operations.keys(), ...input.errors.keys()])) {
    const errors = input.errors.get(op) ?? 0;
    const operations = input.operations.get(op) ?? 0;
    byOperation[op || '(no operation label)'] = {
      errors: round(errors),
      operations: round(operations),
      errorRate: operations > 0 ? errors / operations : null,
    };
    totalErrors += errors;
    totalOps += operations;
  }
  const errorRate = input.notExported.length === 0 && totalOps > 0 ? totalErrors / totalOps : null;
  const worst = Object.entries(byOperation)
    .filter(([, r]) => r.errorRate !== null)
    .sort(([, a], [, b]) => (b.errorRate ?? 0) - (a.errorRate ?? 0))[0];
  const data: ErrorMetricsData = {
    source: input.source,
    windowSeconds: input.windowSeconds,
    byOperation,
    errorRate,
    worstOperation: worst?.[0] ?? null,
    notExported: input.notExported,
  };
  if (input.notExported.length > 0) {
    return {
      status: 'unknown',
      summary: `not available: ${input.notExported.join(' and ')} not exported`,
      data,
      error: `not exported: ${input.notExported.join(', ')}`,
    };
  }
  if (errorRate === null) return { status: 'unknown', summary: 'not available: no operations in the sampling window', data };
  const perOp = Object.entries(byOperation)
    .map(([op, r]) => `${op} ${formatPercent(r.errorRate)}`)
    .join(', ');
  const window = input.source === 'prometheus' ? 'over 5m (Prometheus)' : `over ${input.windowSeconds}s`;
  return { status: statusFor(errorRate), summary: `error rate ${formatPercent(errorRate)} ${window}${perOp ? ` (${perOp})` : ''}`, data };
}

function statusFor(rate: number): CheckStatus {
  if (rate > THRESHOLDS.errorRateCritical) return 'critical';
  if (rate > THRESHOLDS.errorRateCritical / 2) return 'warning';
  return 'ok';
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/** "StemeDB API on stemedb-1 not answering GET /metrics within 5s": what the responder must know first. */
function apiHeadline(node: string, err: StemedbError): string {
  const within = /within ([\d.]+s)/.exec(err.message)?.[1];
  const how = err.code === 'UNREACHABLE' ? `: ${err.message}` : within ? ` within ${within}` : ' before the diagnosis deadline';
  return `StemeDB API on ${node} not answering GET /metrics${how}`;
}
