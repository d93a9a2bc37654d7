import { describe, expect, it } from 'vitest';
import { createDiagnosisEvents } from '../../src/diagnosis/diagnosis-events';
import type { DiagnosisResult } from '../../src/diagnosis/types';

const result = { node: 'stemedb-1' } as DiagnosisResult;

describe('diagnosis events (the port escalation and the App Home subscribe to)', () => {
  it('tells every listener in subscription order; a failing one does not stop the next, and the publisher hears of it', async () => {
    const events = createDiagnosisEvents();
    const heard: string[] = [];
    events.subscribe(async () => {
      heard.push('escalation');
      throw new Error('store busy');
    });
    const unsubscribe = events.subscribe((r, origin) => void heard.push(`home ${r.node} ${origin.userId ?? '-'}`));
    await expect(events.publish(result, { userId: 'U1' })).rejects.toThrow('store busy');
    expect(heard).toEqual(['escalation', 'home stemedb-1 U1']);
    unsubscribe();
    await events.publish(result, {}).catch(() => undefined);
    expect(heard).toEqual(['escalation', 'home stemedb-1 U1', 'escalation']);
  });
});
