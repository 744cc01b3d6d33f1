// What the alert tests share: a target as stored (matching everything unless told), the events a source reports
// (a VM down or back, an event about no VM), and a log that keeps what it is given.
import type { AlertEvent } from '@powerdeck/contracts/alert-terms';
import type { AlertLog } from '../src/alerts/dispatcher';
import type { AlertEventInput } from '../src/alerts/types';
import type { AlertTargetRecord } from '../src/stores/types';

const T0 = Date.parse('2026-03-02T08:00:00.000Z');

export function target(id: string, over: Partial<AlertTargetRecord> = {}): AlertTargetRecord {
  return {
    id,
    name: `Target ${id}`,
    kind: 'webhook',
    config: { url: 'https://hooks.example.com/powerdeck' },
    secret: 'sealed',
    events: [],
    vmFilter: '',
    minSeverity: 'info',
    cooldownMinutes: 15,
    digestThreshold: 5,
    enabled: true,
    createdBy: 'admin',
    createdAt: new Date(T0).toISOString(),
    updatedAt: new Date(T0).toISOString(),
    ...over,
  };
}

export function vmEvent(
  event: Extract<AlertEvent, 'vm_down' | 'vm_back'>,
  key: number,
  name = `vm-${key}`,
): AlertEventInput {
  return {
    event,
    at: 0,
    title: event === 'vm_down' ? `VM ${name} is down unexpectedly (error)` : `VM ${name} runs again`,
    text: '',
    vm: {
      key,
      name,
      status: event === 'vm_down' ? 'error' : 'running',
      node: event === 'vm_down' ? null : 'node1',
    },
    path: `/vms/${key}`,
  };
}

export function plainEvent(event: AlertEvent, title: string = event): AlertEventInput {
  return { event, at: 0, title, text: 'more words', operationId: 'op-1', path: '/operations/op-1' };
}

export interface LoggedLine {
  level: string;
  obj: unknown;
  msg: unknown;
}

/** A log that keeps what it is given. */
export function captureLog(): { log: AlertLog; lines: LoggedLine[] } {
  const lines: LoggedLine[] = [];
  const at = (level: string) => (obj: unknown, msg?: unknown) => {
    lines.push({ level, obj, msg });
  };
  // The three levels the alert code calls, each keeping (obj, msg).
  const log: AlertLog = { info: at('info'), warn: at('warn'), error: at('error') };
  return { log, lines };
}
