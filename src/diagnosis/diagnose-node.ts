import type { Config, NodeConfig } from '../config/schema';
import type { BotMetrics } from '../ops/bot-metrics';
import type { Logger } from '../ops/logger';
import type { MetricNames } from '../stemedb/metric-names';
import type { StemedbClient } from '../stemedb/stemedb-client';
import { executorForNode } from '../exec/executor-for-node';
import type { HostExecutor } from '../exec/host-executor';
import { queryInstant } from '../prometheus/prometheus-api';
import type { CheckEnv } from './checks/check';
import type { DiskData } from './checks/disk';
import { createDiagnosisSources } from './diagnosis-sources';
import { recommendationsFor } from './recommendations';
import { runChecks, type RunChecksOptions } from './run-checks';
import type { CheckResult, DiagnosisResult } from './types';
import { decideVerdict } from './verdict';

export interface DiagnoseOptions {
  onCheck?: (result: CheckResult) => void;
  /** Tests and benchmarks: replace the host executor or individual checks. */
  executor?: HostExecutor;
  checks?: RunChecksOptions['checks'];
}

/** What a diagnosis uses: the node's API, Prometheus (config), the clock, its metrics and log. */
export interface DiagnoseDeps {
  config: Config;
  metricNames: MetricNames;
  now: () => Date;
  stemedb(node: NodeConfig): StemedbClient;
  metrics: BotMetrics;
  log: Logger;
}

/** Runs the runbook's investigation steps 1-5 on one node and returns the whole result (SPEC 4.1). */

export async function diagnoseNode(services: DiagnoseDeps, node: NodeConfig, options: DiagnoseOptions = {}): Promise<DiagnosisResult> {
  const { config, metrics, log } = services;
  const settings = config.diagnosis;
  const startedAt = services.now();
  const started = Date.now();
  const sources = createDiagnosisSources({
    node,
    client: services.stemedb(node),
    executor: options.executor ?? executorForNode(node, log),
    sampleSeconds: settings.sampleSeconds,
    logWindowMinutes: settings.logWindowMinutes,
    commandTimeoutMs: settings.checkTimeoutSeconds * 1000,
  });
  const env: CheckEnv = {
    sources,
    now: startedAt,
    metricNames: services.metricNames,
    logWindowMinutes: settings.logWindowMinutes,
    recentRebootMinutes: settings.recentRebootMinutes,
    prometheusRates: config.prometheus ? () => prometheusRates(config.prometheus!.url, node, services) : undefined,
  };
  try {
    const checks = await runChecks(env, {
      checkTimeoutMs: settings.checkTimeoutSeconds * 1000,
      deadlineMs: settings.deadlineSeconds * 1000,
      onCheck: (result) => {
        metrics.checks.inc({ check: result.id, status: result.status });
        options.onCheck?.(result);
      },
      checks: options.checks,
    });
    const verdict = decideVerdict(checks, { recentRebootMinutes: settings.recentRebootMinutes, now: startedAt });
    const disk = checks.find((c) => c.id === 'disk')?.data as Partial<DiskData> | undefined;
    const errorRate = (checks.find((c) => c.id === 'error_metrics')?.data.errorRate as number | null | undefined) ?? null;
    const durationMs = Date.now() - started;
    metrics.diagnosisDuration.observe(durationMs / 1000);
    log.info({ node: node.name, durationMs, causes: verdict.causes.map((c) => c.cause), severity: verdict.severity }, 'diagnosis finished');
    return {
      node: node.name,
      startedAt: startedAt.toISOString(),
      durationMs,
      errorRate,
      verdict,
      checks,
      recommendations: recommendationsFor(verdict, node, {
        space: disk?.space?.available ? disk.space : undefined,
        inodesFree: disk?.inodes?.available ? disk.inodes.freeFraction : undefined,
        errorRate,
      }),
    };
  } finally {
    void sources.close().catch((err: unknown) => log.warn({ err, node: node.name }, 'closing diagnosis sources failed'));
  }
}

/** `sum by (operation) (rate(...[5m]))` for the node's scrape target (`instance` = the API's host:port). */
async function prometheusRates(url: string, node: NodeConfig, services: DiagnoseDeps) {
  const api = new URL(node.apiUrl);
  const instance = `${api.hostname}:${api.port || (api.protocol === 'https:' ? '443' : '80')}`;
  const names = services.metricNames;
  const query = async (metric: string) => {
    const samples = await queryInstant(url, `sum by (operation) (rate(${metric}{instance="${instance}"}[5m]))`, {
      timeoutMs: services.config.stemedb.requestTimeout,
    });
    return new Map(samples.map((s) => [s.labels.operation ?? '', s.value]));
  };
  const [errors, operations] = await Promise.all([query(names.operationErrors), query(names.operations)]);
  return { errors, operations };
}
