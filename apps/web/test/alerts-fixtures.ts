// Alert fixtures for the alerts' tests: a saved target of each kind (as the BFF answers it: no secret, only whether
// one is set) and a delivery.
import type { AlertDelivery, AlertTarget, TargetSettings } from '@powerdeck/contracts/alerts';

const SETTINGS: Readonly<Record<TargetSettings['kind'], TargetSettings>> = {
  webhook: { kind: 'webhook', url: 'https://hooks.example.com/powerdeck', secretSet: true },
  slack: { kind: 'slack', host: 'hooks.slack.com' },
  teams: { kind: 'teams', host: 'example.webhook.office.com' },
  email: {
    kind: 'email',
    host: 'smtp.example.com',
    port: 587,
    security: 'starttls',
    username: 'powerdeck',
    passwordSet: true,
    from: 'powerdeck@example.com',
    to: ['oncall@example.com', 'ops@example.com'],
  },
};

export function target(patch: Partial<AlertTarget> & { kind?: TargetSettings['kind'] } = {}): AlertTarget {
  const { kind = 'webhook', ...rest } = patch;
  return {
    id: 't1',
    name: 'On-call hook',
    settings: SETTINGS[kind],
    events: [],
    vmFilter: '',
    minSeverity: 'info',
    cooldownMinutes: 15,
    digestThreshold: 5,
    enabled: true,
    createdBy: 'admin',
    createdAt: '2030-01-07T09:00:00Z',
    updatedAt: '2030-01-07T09:00:00Z',
    lastDelivery: null,
    pending: 0,
    failed: 0,
    ...rest,
  };
}

export function delivery(patch: Partial<AlertDelivery> = {}): AlertDelivery {
  return {
    id: 'd1',
    targetId: 't1',
    event: 'test',
    severity: 'info',
    title: 'Test message from Powerdeck',
    vmKey: null,
    status: 'sent',
    attempts: 1,
    createdAt: '2030-01-07T09:00:00Z',
    lastAttemptAt: '2030-01-07T09:00:01Z',
    nextAttemptAt: null,
    sentAt: '2030-01-07T09:00:01Z',
    lastError: null,
    mergedInto: null,
    ...patch,
  };
}
