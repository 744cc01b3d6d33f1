// A plan's audit rows, written one way for every change and every run: kind `plan`, target `plan:<id>`, the plan's
// name in the params (the audit log has no plan columns: the target carries the id), the run's operation id, and
// a scheduled run's schedule. Who acted: a person's request, or a schedule's owner acting as `schedule`.
import { auditActor, type AuditActor } from '../audit-fields';
import type { AuditInput, AuditOutcome, AuditStore, Json } from '../stores/types';

export interface PlanAuditEntry {
  plan: { id: string; name: string };
  /** `create`, `edit`, `delete`, `start`, `shutdown` (written `plan:<action>`). */
  action: string;
  outcome?: AuditOutcome;
  params?: { [key: string]: Json };
  reason?: string | null;
  operationId?: string | null;
  schedule?: { id: string; name: string } | undefined;
  /** A refusal's words. */
  message?: string | null;
}

export async function auditPlan(audit: AuditStore, who: AuditActor, entry: PlanAuditEntry): Promise<void> {
  const row: AuditInput = {
    kind: 'plan',
    outcome: entry.outcome ?? 'accepted',
    ...auditActor(who),
    action: `plan:${entry.action}`,
    target: `plan:${entry.plan.id}`,
    params: { plan: entry.plan.name, ...entry.params },
    reason: entry.reason ?? null,
    operationId: entry.operationId ?? null,
    scheduleId: entry.schedule?.id ?? null,
    scheduleName: entry.schedule?.name ?? null,
    vergeosMessage: entry.message ?? null,
  };
  await audit.append(row);
}
