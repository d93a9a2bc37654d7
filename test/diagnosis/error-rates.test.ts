import { describe, expect, it } from 'vitest';
import { assessErrorRates } from '../../src/diagnosis/checks/error-metrics';

const input = (errors: Record<string, number>, operations: Record<string, number>, notExported: string[] = []) => ({
  source: 'scrapes' as const,
  windowSeconds: 5,
  errors: new Map(Object.entries(errors)),
  operations: new Map(Object.entries(operations)),
  notExported,
});

describe('assessErrorRates', () => {
  it('gives the rate per operation and overall as Σerrors / Σoperations, naming the worst operation', () => {
    const outcome = assessErrorRates(input({ put: 30, get: 0, delete: 10 }, { put: 1000, get: 2000, delete: 1000 }));
    expect(outcome.data.byOperation).toEqual({
      put: { errors: 30, operations: 1000, errorRate: 0.03 },
      get: { errors: 0, operations: 2000, errorRate: 0 },
      delete: { errors: 10, operations: 1000, errorRate: 0.01 },
    });
    expect(outcome.data.errorRate).toBe(0.01);
    expect(outcome.data.worstOperation).toBe('put');
    expect(outcome.summary).toBe('error rate 1.00% over 5s (put 3.00%, get 0.00%, delete 1.00%)');
  });

  it('grades the rate against the alert rule: > 1% critical, > 0.5% warning', () => {
    expect(assessErrorRates(input({ put: 11 }, { put: 1000 })).status).toBe('critical');
    expect(assessErrorRates(input({ put: 10 }, { put: 1000 })).status).toBe('warning');
    expect(assessErrorRates(input({ put: 5 }, { put: 1000 })).status).toBe('ok');
  });

  it('is unknown, naming the metric, when a counter is not exported', () => {
    const outcome = assessErrorRates(input({}, { put: 1000 }, ['stemedb_storage_operation_errors_total']));
    expect(outcome).toMatchObject({ status: 'unknown', error: 'not exported: stemedb_storage_operation_errors_total' });
    expect(outcome.summary).toBe('not available: stemedb_storage_operation_errors_total not exported');
    expect(outcome.data.errorRate).toBeNull();
  });

  it('is unknown when the window saw no operations, never 0%', () => {
    const outcome = assessErrorRates(input({ put: 0 }, { put: 0, get: 0 }));
    expect(outcome.status).toBe('unknown');
    expect(outcome.data.errorRate).toBeNull();
    expect(outcome.data.byOperation.put!.errorRate).toBeNull();
    expect(outcome.data.worstOperation).toBeNull();
    expect(outcome.summary).toContain('no operations');
  });

  it('counts errors of an operation with no operations counter, and labels series without an operation', () => {
    const outcome = assessErrorRates(input({ put: 5, scan: 2, '': 1 }, { put: 100, '': 100 }));
    expect(outcome.data.byOperation.scan).toEqual({ errors: 2, operations: 0, errorRate: null });
    expect(outcome.data.byOperation['(no operation label)']).toEqual({ errors: 1, operations: 100, errorRate: 0.01 });
    expect(outcome.data.errorRate).toBe(8 / 200);
  });

  it('says when the figures are Prometheus 5m rates', () => {
    const outcome = assessErrorRates({ ...input({ put: 0.3 }, { put: 100 }), source: 'prometheus', windowSeconds: 300 });
    expect(outcome.summary).toBe('error rate 0.30% over 5m (Prometheus) (put 0.30%)');
  });
});
